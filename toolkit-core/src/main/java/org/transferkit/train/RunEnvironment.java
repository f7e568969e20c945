package org.transferkit.train;

import java.nio.file.Path;
import java.util.Objects;
import org.transferkit.runtime.RuntimeOptions;

/**
 * Where and how one training run runs, apart from its hyper-parameters ({@link FineTune}): the run-time options
 * (engine, CPU helpers), the disk cache of backbone features, the checkpoint folder and whether to resume from it,
 * and the decoding threads. {@link FineTuner}'s builder makes it.
 *
 * @param runtime the run-time options
 * @param featureCache the disk cache of backbone features shared across runs, or null to keep features in memory
 * @param checkpointDir where each epoch's checkpoint is written (one sub-folder per phase), or null for none
 * @param resume continue from the checkpoints in {@code checkpointDir} where they exist
 * @param decodeThreads image decoding threads, at least 1
 */
record RunEnvironment(RuntimeOptions runtime, FeatureCache featureCache, Path checkpointDir, boolean resume,
        int decodeThreads) {
    RunEnvironment {
        Objects.requireNonNull(runtime, "runtime");
        if (decodeThreads < 1) {
            throw new IllegalArgumentException("decode threads must be >= 1, got " + decodeThreads);
        }
    }

    /** @return the defaults: {@link RuntimeOptions#defaults()}, no disk cache, no checkpoints, up to 4 threads */
    static RunEnvironment defaults() {
        return new RunEnvironment(RuntimeOptions.defaults(), null, null, false, defaultThreads());
    }

    /** @return the decoding threads used unless told otherwise: the cores, at most 4 */
    static int defaultThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }
}
