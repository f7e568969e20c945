/**
 * The compiled inference engine: frozen layers of a DL4J graph run as one oneDNN program instead of
 * layer by layer. {@link org.transferkit.engine.CompiledGraph#compile} lowers the graph up to one
 * vertex into a small list of operations, folds batch normalization and zero padding into the
 * convolutions before them, fuses activations and residual additions into the convolution that
 * produces them, keeps activations in oneDNN's blocked layout from the first layer to the last, and
 * reorders every weight once. {@link org.transferkit.engine.Engine} decides where it is used (on by
 * default on the CPU backend; {@code -Dtransferkit.engine=dl4j} or {@code TRANSFERKIT_ENGINE=dl4j}
 * turns it off) and falls back to DL4J, with the reason logged, for graphs it does not cover.
 */
package org.transferkit.engine;
