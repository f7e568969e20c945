/**
 * The compiled inference engine: frozen layers of a DL4J graph run as one oneDNN program instead of
 * layer by layer. {@link org.transferkit.engine.CompiledGraph#compile} lowers the graph up to one
 * vertex into a small list of operations, folds batch normalization and zero padding into the
 * convolutions before them, fuses activations and residual additions into the convolution that
 * produces them, keeps activations in oneDNN's blocked layout from the first layer to the last, and
 * reorders every weight once. A second executor runs the same lowered program with ND4J's own
 * operations on any backend (cuDNN on the CUDA backend). {@link org.transferkit.engine.Engine} decides
 * where and how it is used for the {@link org.transferkit.engine.EngineMode} it is given ({@code auto},
 * {@code onednn}, {@code nd4j}; {@code dl4j} turns it off) and falls back to DL4J, with the reason logged,
 * for graphs it does not cover. The mode is always passed in: nothing here reads system properties or
 * environment variables, and this package depends on no run-time options class. {@link org.transferkit.engine.Runner} is the one-line way to use it with
 * a DL4J fallback.
 */
package org.transferkit.engine;
