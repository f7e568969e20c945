/**
 * Choosing the compute device (ND4J backend) once at start: {@code auto} prefers CUDA and falls back
 * to the CPU with a warning, {@code cpu} and {@code cuda} insist. The one place where ND4J's global
 * backend is decided and logged.
 */
package org.transferkit.device;
