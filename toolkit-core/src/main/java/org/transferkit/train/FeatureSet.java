package org.transferkit.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.model.SkippedFile;

/**
 * Labelled images as the frozen backbone sees them: one feature vector per image (what the backbone outputs at the
 * cut point, after the head's pooling of a spatial cut), with its class, plus the files that could not be
 * featurized. Made elsewhere (on a cluster, e.g. by {@code org.transferkit.spark.FeaturizeJob}), it lets
 * {@link FineTuner#fitFeatures} train the head without running the backbone again.
 *
 * <pre>{@code
 * FeatureSet.Builder train = FeatureSet.builder(List.of("ant", "bee"), 512);
 * train.add(Path.of("ants/1.jpg"), 0, vector);       // a 512-value vector
 * train.skip(Path.of("ants/broken.jpg"), "not an image");
 * }</pre>
 *
 * The vectors are kept in blocks of plain floats (4 bytes per value, no per-image object besides its path), in
 * the order they were added: that order is the one training shuffles from, so the same order gives the same
 * weights. Immutable once built; the builder is not thread-safe. As a {@link FeatureSource} it reads in that order, or
 * shuffled by a seed ({@link java.util.Random}'s Fisher-Yates permutation).
 */
public final class FeatureSet implements FeatureSource {
    private static final int BLOCK_FLOATS = 1 << 20;

    private final List<String> labels;
    private final int length;
    private final List<float[]> blocks;
    private final int size;
    private final int[] classes;
    private final List<Path> paths;
    private final List<SkippedFile> skipped;

    private FeatureSet(Builder b) {
        this.labels = b.labels;
        this.length = b.length;
        this.blocks = List.copyOf(b.blocks);
        this.size = b.size;
        this.classes = Arrays.copyOf(b.classes, b.size);
        this.paths = List.copyOf(b.paths);
        this.skipped = List.copyOf(b.skipped);
    }

    /**
     * @param labels the class names, index i naming class i (as the images' folders or manifest sorted them)
     * @param length values per feature vector, >= 1
     * @return an empty builder
     * @throws IllegalArgumentException if fewer than one label, a label repeats, or {@code length < 1}
     */
    public static Builder builder(List<String> labels, int length) {
        return new Builder(labels, length);
    }

    /** @return the class names */
    @Override
    public List<String> labels() {
        return labels;
    }

    /** @return values per feature vector */
    @Override
    public int length() {
        return length;
    }

    /** @return images with features */
    @Override
    public int size() {
        return size;
    }

    /** @return files that could not be featurized, with reasons */
    @Override
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /** @return images per class, index i counting class i */
    @Override
    public int[] classCounts() {
        int[] counts = new int[labels.size()];
        for (int c : classes) {
            counts[c]++;
        }
        return counts;
    }

    @Override
    public Batches inOrder(int batchSize) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        return new ArrayBatches(order, checkBatch(batchSize));
    }

    @Override
    public Batches shuffled(int batchSize, long seed) {
        int[] order = ((ArrayBatches) inOrder(batchSize)).order;
        Random random = new Random(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return new ArrayBatches(order, batchSize);
    }

    private static int checkBatch(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        return batchSize;
    }

    /** Copies vector {@code i} into {@code dst} at {@code at}. */
    private void copyVector(int i, float[] dst, int at) {
        long from = (long) i * length;
        int done = 0;
        while (done < length) {
            int block = (int) ((from + done) / BLOCK_FLOATS);
            int offset = (int) ((from + done) % BLOCK_FLOATS);
            int n = Math.min(length - done, BLOCK_FLOATS - offset);
            System.arraycopy(blocks.get(block), offset, dst, at + done, n);
            done += n;
        }
    }

    /** A pass over the vectors in a given order of indices. */
    private final class ArrayBatches implements Batches {
        private final int[] order;
        private final int batchSize;
        private int next;

        ArrayBatches(int[] order, int batchSize) {
            this.order = order;
            this.batchSize = batchSize;
        }

        @Override
        public boolean hasNext() {
            return next < order.length;
        }

        @Override
        public FeatureBatch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("the pass is over");
            }
            int n = Math.min(batchSize, order.length - next);
            float[] values = new float[n * length];
            int[] batchLabels = new int[n];
            List<Path> batchPaths = new ArrayList<>(n);
            for (int r = 0; r < n; r++) {
                int i = order[next + r];
                copyVector(i, values, r * length);
                batchLabels[r] = classes[i];
                batchPaths.add(paths.get(i));
            }
            next += n;
            return new FeatureBatch(values, batchLabels, batchPaths);
        }

        @Override
        public void close() {
            next = order.length;
        }
    }

    /** @return the image of each vector, in order */
    List<Path> paths() {
        return paths;
    }

    /**
     * @param shape the per-image shape the head reads (its product is {@link #length()})
     * @return the vectors as one off-heap matrix {@code [size, shape...]} with one-hot targets, or null if empty
     */
    DataSet toDataSet(long[] shape) {
        if (size == 0) {
            return null;
        }
        long[] full = new long[shape.length + 1];
        full[0] = size;
        System.arraycopy(shape, 0, full, 1, shape.length);
        INDArray f = Nd4j.createUninitialized(DataType.FLOAT, full, 'c');
        long total = (long) size * length;
        try (FloatPointer fp = new FloatPointer(f.data().addressPointer())) {
            long at = 0;
            for (float[] block : blocks) {
                int n = (int) Math.min(block.length, total - at);
                fp.position(at).put(block, 0, n);
                at += n;
            }
        }
        float[][] targets = new float[size][labels.size()];
        for (int i = 0; i < size; i++) {
            targets[i][classes[i]] = 1;
        }
        return new DataSet(f, Nd4j.create(targets));
    }

    /** Collects feature vectors and skipped files; each method checks its argument at once. */
    public static final class Builder {
        private final List<String> labels;
        private final int length;
        private final List<float[]> blocks = new ArrayList<>();
        private int size;
        private int[] classes = new int[64];
        private final List<Path> paths = new ArrayList<>();
        private final List<SkippedFile> skipped = new ArrayList<>();
        private long filled; // floats written into the blocks
        private boolean built; // the feature set shares the blocks: no more adds

        private Builder(List<String> labels, int length) {
            this.labels = List.copyOf(labels);
            if (this.labels.isEmpty() || this.labels.stream().distinct().count() != this.labels.size()) {
                throw new IllegalArgumentException("labels must be at least one distinct name, got " + labels);
            }
            if (length < 1) {
                throw new IllegalArgumentException("feature length must be >= 1, got " + length);
            }
            this.length = length;
        }

        /**
         * Adds one image's feature vector (copied).
         *
         * @param path the image it was computed from (named in reports)
         * @param label its class index in the labels
         * @param features its {@link #length()} values
         * @return this
         * @throws IllegalArgumentException if the label is out of range or the vector has another length
         * @throws IllegalStateException if the feature set was already built
         */
        public Builder add(Path path, int label, float[] features) {
            Objects.requireNonNull(path, "path");
            checkOpen();
            if (label < 0 || label >= labels.size()) {
                throw new IllegalArgumentException(path + ": class index " + label + " is not in 0.."
                        + (labels.size() - 1) + " " + labels);
            }
            if (features.length != length) {
                throw new IllegalArgumentException(path + ": feature vector has " + features.length
                        + " values, expected " + length);
            }
            int done = 0;
            while (done < length) {
                int offset = (int) (filled % BLOCK_FLOATS);
                if (offset == 0) {
                    blocks.add(new float[BLOCK_FLOATS]);
                }
                int n = Math.min(length - done, BLOCK_FLOATS - offset);
                System.arraycopy(features, done, blocks.get(blocks.size() - 1), offset, n);
                done += n;
                filled += n;
            }
            if (size == classes.length) {
                classes = Arrays.copyOf(classes, size * 2);
            }
            classes[size++] = label;
            paths.add(path);
            return this;
        }

        /**
         * Records a file that could not be featurized (listed in the trained model's skipped files).
         *
         * @param path the file
         * @param reason why
         * @return this
         * @throws IllegalStateException if the feature set was already built
         */
        public Builder skip(Path path, String reason) {
            checkOpen();
            skipped.add(new SkippedFile(Objects.requireNonNull(path, "path"), Objects.requireNonNull(reason, "reason")));
            return this;
        }

        /**
         * @return the feature set (it shares the builder's storage: the builder takes nothing more)
         * @throws IllegalStateException if it was already built
         */
        public FeatureSet build() {
            checkOpen();
            built = true;
            return new FeatureSet(this);
        }

        private void checkOpen() {
            if (built) {
                throw new IllegalStateException("this feature set was already built; start a new builder");
            }
        }
    }
}
