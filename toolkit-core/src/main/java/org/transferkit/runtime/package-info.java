/**
 * Where and how things run: the one immutable {@link org.transferkit.runtime.RuntimeOptions} value (device,
 * engine mode, CPU helpers, weights, feature-cache and DL4J folders, zoo base URL) that callers pass into the
 * library, and the choice of the compute device (ND4J backend): {@code auto} prefers CUDA and falls back to
 * the CPU with a warning, {@code cpu} and {@code cuda} insist.
 *
 * <p>Contract: nothing in the library reads system properties or environment variables for these options
 * ({@link org.transferkit.runtime.RuntimeOptions#defaults()} reads only the user's home folder); a command line
 * fills a {@link org.transferkit.runtime.RuntimeOptions.Builder} from its environment. ND4J's and JavaCPP's
 * JVM-wide state is set for good in one place, {@link org.transferkit.runtime.DeviceChoice#initialize(org.transferkit.runtime.RuntimeOptions)}
 * (the training package holds ND4J's op thread counts at one only while small heads train, then restores them).
 * This package may depend on {@code org.transferkit.engine} and {@code org.transferkit.model}, never the other way.
 */
package org.transferkit.runtime;
