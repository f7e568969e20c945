package org.transferkit.examples.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.Backbones;
import org.transferkit.model.EpochStats;
import org.transferkit.train.FeatureSet;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.TrainingListener;

/**
 * What training the head on the driver costs at scale ({@code train-head} on Spark, {@link FineTuner#fitFeatures}):
 * {@code n} synthetic vectors of the backbone's default cut point (two classes, Gaussian around two means, a tenth
 * held out for validation) through the default head for a few epochs at a given batch size; reports the seconds per epoch and the JVM's
 * heap after the vectors are built. The vectors are random: this measures time and memory, not accuracy.
 */
public final class HeadEpochBenchmark {
    /**
     * What it measured.
     *
     * @param vectors training vectors
     * @param length values per vector
     * @param buildSeconds time to fill the feature sets
     * @param heapMb heap in use once the vectors are built (after a GC request)
     * @param epochSeconds each epoch's seconds (training pass and validation)
     */
    public record Result(int vectors, int length, double buildSeconds, long heapMb, List<Double> epochSeconds) {
    }

    private HeadEpochBenchmark() {
    }

    /**
     * @param args {@code BACKBONE WEIGHTS|- N EPOCHS BATCH}, e.g. {@code squeezenet squeezenet.h5 100000 3 32}
     * @throws TransferKitException if the backbone cannot be opened
     */
    public static void main(String[] args) throws TransferKitException {
        Result r = run(args[0], args[1].equals("-") ? null : Path.of(args[1]), Integer.parseInt(args[2]),
                Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        System.out.printf(Locale.ROOT, "%d vectors of %d values, batch %s: built in %.1f s, heap %d MB; epoch seconds "
                + "%s%n", r.vectors(), r.length(), args[4], r.buildSeconds(), r.heapMb(), r.epochSeconds());
    }

    /**
     * @param backbone a backbone name
     * @param weights its weights file, or null
     * @param n training vectors (plus n / 10 for validation)
     * @param epochs epochs to time
     * @param batch vectors per step
     * @return what it measured
     * @throws TransferKitException if the backbone cannot be opened
     */
    public static Result run(String backbone, Path weights, int n, int epochs, int batch)
            throws TransferKitException {
        Backbone bb = Backbones.installed().open(backbone, BackboneOptions.of(weights, 42));
        int length = (int) bb.defaultCutPoint().channels();
        long t0 = System.nanoTime();
        FeatureSet train = vectors(n, length, 1);
        FeatureSet val = vectors(Math.max(2, n / 10), length, 2);
        double build = (System.nanoTime() - t0) / 1e9;
        System.gc();
        long heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
        List<Double> seconds = new ArrayList<>();
        FineTuner tuner = FineTuner.builder(bb).epochs(epochs).settings(b -> b.batchSize(batch)).listener(TrainingListener.onEpoch(
                (EpochStats s) -> seconds.add(s.seconds()))).build();
        try (TrainedModel m = tuner.fitFeatures(train, val)) {
            return new Result(n, length, build, heap, List.copyOf(seconds));
        }
    }

    private static FeatureSet vectors(int n, int length, long seed) {
        Random rnd = new Random(seed);
        FeatureSet.Builder b = FeatureSet.builder(List.of("a", "b"), length);
        float[] v = new float[length];
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            for (int j = 0; j < length; j++) {
                v[j] = (float) (Math.max(0, rnd.nextGaussian() + (label == 1 && j % 7 == 0 ? 0.5 : 0)));
            }
            b.add(Path.of("synthetic-" + i), label, v);
        }
        return b.build();
    }
}
