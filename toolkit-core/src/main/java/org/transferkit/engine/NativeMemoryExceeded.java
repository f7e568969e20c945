package org.transferkit.engine;

/**
 * The engine's training path ran out of the native memory it may take: JavaCPP (which counts native buffers against
 * {@code -Xmx}, or {@code -Dorg.bytedeco.javacpp.maxBytes}, by default) refused one of its allocations with an
 * {@link OutOfMemoryError}, kept as the cause. Thrown by {@link TrainableGraph} where it allocates (compiling, and
 * a step or output at a batch size whose plan is not built yet) before anything it holds changed: the parameters,
 * updater state and iteration count are those of the last completed step, so {@link TrainableGraph#store()} then
 * {@link TrainableGraph#close()} hands the run to DL4J with nothing lost. An {@link UnsupportedOperationException},
 * as what the path does not cover is, so callers that fall back to DL4J then fall back here too; the message is the
 * reason to report.
 */
public final class NativeMemoryExceeded extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    /**
     * @param what what was being allocated, e.g. {@code training plan for batch 32}
     * @param cause JavaCPP's error
     */
    NativeMemoryExceeded(String what, OutOfMemoryError cause) {
        super("the engine's " + what + " needs more native memory than allowed (" + cause.getMessage()
                + "); raise -Xmx or lower the batch size", cause);
    }
}
