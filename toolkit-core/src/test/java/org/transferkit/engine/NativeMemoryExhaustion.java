package org.transferkit.engine;

import java.util.function.IntPredicate;

/**
 * For tests of the fallback to DL4J when native memory runs out: while open, building a training plan for the given
 * batch sizes fails with JavaCPP's own {@link OutOfMemoryError} (through {@code TrainPlan}'s test seam), as it fails
 * past {@code -Xmx} or {@code -Dorg.bytedeco.javacpp.maxBytes}. Close it (try-with-resources) to restore the default.
 */
public final class NativeMemoryExhaustion implements AutoCloseable {
    private NativeMemoryExhaustion() {
    }

    /**
     * @param batches the batch sizes whose plans fail to allocate
     * @return the exhaustion, in effect until closed
     */
    public static NativeMemoryExhaustion at(IntPredicate batches) {
        TrainPlan.nativeMemoryExhaustedForTests = batches;
        return new NativeMemoryExhaustion();
    }

    @Override
    public void close() {
        TrainPlan.nativeMemoryExhaustedForTests = batch -> false;
    }
}
