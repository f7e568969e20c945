package org.transferkit.train;

import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.transferkit.model.SkippedFile;

/**
 * Labelled feature vectors that can be read in batches, again and again: in memory ({@link FeatureSet}) or from
 * storage that holds more than memory (e.g. the Parquet rows of {@code org.transferkit.spark.FeaturizeJob}, read
 * batch by batch every epoch). {@link FineTuner#fitStreaming} trains a head on one without holding its vectors;
 * {@link TrainedModel#evaluate(FeatureSource)} evaluates on one.
 *
 * <p>Contract: every pass ({@link #inOrder} or {@link #shuffled}) yields each of the {@link #size()} vectors exactly
 * once; {@link #shuffled} with the same seed yields the same order every time, another seed another order. A pass
 * that cannot read its storage throws an unchecked exception (the source's own, e.g. Spark's), which ends training.
 */
public interface FeatureSource {
    /** @return the class names, index i naming class i */
    List<String> labels();

    /** @return values per feature vector */
    int length();

    /** @return vectors (images with features) */
    int size();

    /** @return vectors per class, index i counting class i */
    int[] classCounts();

    /** @return files that could not be featurized, with reasons */
    List<SkippedFile> skipped();

    /**
     * @param batchSize vectors per batch, >= 1 (the last batch may be smaller)
     * @return one pass over every vector in the source's own fixed order
     */
    Batches inOrder(int batchSize);

    /**
     * @param batchSize vectors per batch, >= 1 (the last batch may be smaller)
     * @param seed the order: the same seed gives the same order
     * @return one pass over every vector in an order shuffled by the seed
     */
    Batches shuffled(int batchSize, long seed);

    /** One pass over a source's vectors; close it to release what the pass holds (a file, a Spark job's rows). */
    interface Batches extends AutoCloseable {
        /** @return true if another batch follows */
        boolean hasNext();

        /**
         * @return the next batch
         * @throws NoSuchElementException if there is none
         */
        FeatureBatch next();

        @Override
        void close();
    }

    /**
     * A batch of vectors.
     *
     * @param features {@code size() * length} values, vector after vector
     * @param labels the class index of each vector
     * @param paths the image of each vector
     */
    record FeatureBatch(float[] features, int[] labels, List<Path> paths) {
        /** @throws IllegalArgumentException if the three disagree on the number of vectors */
        public FeatureBatch {
            Objects.requireNonNull(features, "features");
            Objects.requireNonNull(labels, "labels");
            paths = List.copyOf(paths);
            if (labels.length != paths.size() || labels.length == 0 || features.length % labels.length != 0) {
                throw new IllegalArgumentException("a batch needs one label and one path per vector and at least one "
                        + "vector; got " + features.length + " values, " + labels.length + " labels, " + paths.size()
                        + " paths");
            }
        }

        /** @return vectors in the batch */
        public int size() {
            return labels.length;
        }
    }
}
