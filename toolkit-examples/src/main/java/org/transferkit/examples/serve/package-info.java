/**
 * A prediction service over HTTP on the JDK's built-in server ({@link org.transferkit.examples.serve.PredictionService})
 * and bounded load generators for it: {@link org.transferkit.examples.serve.LoadTest} (good images only) and
 * {@link org.transferkit.examples.serve.MixedLoad} (good images, decompression bombs, truncated JPEGs and slow clients
 * in one run, with the memory of the JVM sampled).
 */
package org.transferkit.examples.serve;
