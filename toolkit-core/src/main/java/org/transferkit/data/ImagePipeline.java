package org.transferkit.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
/**
 * Batches of decoded, resized and normalized images with one-hot labels, as a DL4J
 * {@link DataSetIterator}. Decoding runs ahead on background threads ({@code threads} workers,
 * at most {@code prefetch} batches in flight), so memory stays bounded for any dataset size.
 *
 * <p>A file that fails to decode is left out of its batch and recorded in {@link #skipped()}; an epoch
 * never stops on a bad file. Each {@link DataSet} carries the image paths (as strings) as example
 * metadata. Not thread-safe: one consumer at a time. Close it to stop the worker threads.
 */
public final class ImagePipeline implements DataSetIterator, AutoCloseable {
    private static final long serialVersionUID = 1L;

    private final List<LabelledImage> images;
    private final List<String> labels;
    private final InputShape shape;
    private final Preprocessing preprocessing;
    private final int batchSize;
    private final Long shuffleSeed;
    private final int prefetch;
    private final Augmentation augmentation;
    private final long augmentSeed;
    private final transient ExecutorService workers;
    private final ConcurrentHashMap<String, SkippedFile> skipped = new ConcurrentHashMap<>();
    private final Deque<Future<DataSet>> inFlight = new ArrayDeque<>();
    private List<LabelledImage> order;
    private int nextToSubmit;
    private int epoch;
    private DataSet lookahead;
    private DataSetPreProcessor preProcessor;

    private ImagePipeline(Builder b) {
        this.images = List.copyOf(b.dataset.images());
        this.labels = b.dataset.labels();
        this.shape = Objects.requireNonNull(b.shape, "shape");
        this.preprocessing = Objects.requireNonNull(b.preprocessing, "preprocessing");
        this.batchSize = b.batchSize;
        this.shuffleSeed = b.shuffleSeed;
        this.prefetch = b.prefetch;
        this.augmentation = b.augmentation;
        this.augmentSeed = b.augmentSeed;
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(b.threads, r -> {
            Thread t = new Thread(r, "transferkit-decode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (SkippedFile s : b.dataset.skipped()) {
            skipped.put(s.path().toString(), s);
        }
        reset();
    }

    /**
     * @param dataset the images to iterate
     * @return a builder; shape and preprocessing must be set
     */
    public static Builder builder(ImageDataset dataset) {
        return new Builder(dataset);
    }

    /** Settings of an {@link ImagePipeline}. Not thread-safe. */
    public static final class Builder {
        private final ImageDataset dataset;
        private InputShape shape;
        private Preprocessing preprocessing;
        private int batchSize = 32;
        private Long shuffleSeed;
        private int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private int prefetch = 2;
        private Augmentation augmentation;
        private long augmentSeed;

        private Builder(ImageDataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
        }

        /** @param s the network input shape (required) @return this */
        public Builder shape(InputShape s) {
            this.shape = s;
            return this;
        }

        /** @param p the backbone's preprocessing (required) @return this */
        public Builder preprocessing(Preprocessing p) {
            this.preprocessing = p;
            return this;
        }

        /** @param n images per batch, >= 1 (default 32) @return this @throws IllegalArgumentException if < 1 */
        public Builder batchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /** @param seed shuffle the order every epoch with this seed (epoch-dependent); default: file order @return this */
        public Builder shuffle(long seed) {
            this.shuffleSeed = seed;
            return this;
        }

        /** @param n decoding threads, >= 1 (default: cores, at most 4) @return this @throws IllegalArgumentException if < 1 */
        public Builder threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("decoding threads must be >= 1, got " + n);
            }
            this.threads = n;
            return this;
        }

        /** @param n batches decoded ahead, >= 1 (default 2) @return this @throws IllegalArgumentException if < 1 */
        public Builder prefetch(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("prefetch must be >= 1 batch, got " + n);
            }
            this.prefetch = n;
            return this;
        }

        /**
         * Augments every image (training data only). Each image's randomness is derived from the seed,
         * the epoch and the image's content, so the result depends neither on thread timing nor on
         * which other images are in the pipeline.
         *
         * @param a the augmentation
         * @param seed its seed
         * @return this
         */
        public Builder augment(Augmentation a, long seed) {
            this.augmentation = java.util.Objects.requireNonNull(a, "augmentation");
            this.augmentSeed = seed;
            return this;
        }

        /** @return the pipeline; its worker threads start now */
        public ImagePipeline build() {
            return new ImagePipeline(this);
        }
    }

    /**
     * The order a pipeline built with {@link Builder#shuffle shuffle(seed)} visits its images in, so that work
     * done once per image (cached features) can be replayed batch for batch in the pipeline's order.
     *
     * @param images the dataset's images, in dataset order
     * @param seed the shuffle seed
     * @param epoch the pipeline's epoch, counted from 0 at build (each {@link #reset()} after the first adds 1)
     * @return a new list: the images in that epoch's order (its batches are consecutive runs of the batch size)
     */
    public static List<LabelledImage> order(List<LabelledImage> images, long seed, int epoch) {
        List<LabelledImage> o = new ArrayList<>(images);
        Collections.shuffle(o, new Random(seed + epoch));
        return o;
    }

    /** @return files left out so far (by the dataset scan and by failed decoding), sorted by path */
    public List<SkippedFile> skipped() {
        List<SkippedFile> list = new ArrayList<>(skipped.values());
        list.sort((a, b) -> a.path().compareTo(b.path()));
        return list;
    }

    /** @return the number of images the pipeline was given (before decoding failures) */
    public int size() {
        return images.size();
    }

    private void submitAhead() {
        while (inFlight.size() < prefetch && nextToSubmit < order.size()) {
            List<LabelledImage> batch = order.subList(nextToSubmit, Math.min(order.size(), nextToSubmit + batchSize));
            nextToSubmit += batch.size();
            inFlight.add(workers.submit(() -> decodeBatch(batch)));
        }
    }

    private DataSet decodeBatch(List<LabelledImage> batch) {
        int n = batch.size();
        float[] data = new float[n * shape.size()];
        List<float[]> okLabels = new ArrayList<>(n);
        List<Serializable> paths = new ArrayList<>(n);
        int ok = 0;
        for (LabelledImage img : batch) {
            try {
                if (augmentation != null) {
                    // randomness from the seed, the epoch and the image's content: the same image gets the
                    // same augmentation whatever else is in the batch (so cached copies stay valid)
                    byte[] bytes = java.nio.file.Files.readAllBytes(img.path());
                    java.awt.image.BufferedImage aug = augmentation.apply(ImageDecoder.read(bytes), shape,
                            preprocessing, new Random(augmentSeed * 0x9E3779B97F4A7C15L + 31L * epoch + java.util.Arrays.hashCode(bytes)));
                    ImageDecoder.toChw(aug, shape, preprocessing, data, ok * shape.size());
                } else {
                    ImageDecoder.decodeToChw(img.path(), shape, preprocessing, data, ok * shape.size());
                }
                okLabels.add(img.targetRow(labels.size()));
                paths.add(img.path().toString());
                ok++;
            } catch (IOException | RuntimeException e) {
                String reason = e.getMessage() == null ? e.toString() : e.getMessage();
                skipped.put(img.path().toString(), new SkippedFile(img.path(), reason));
            }
        }
        if (ok == 0) {
            return null;
        }
        INDArray features = Tensors.nchw(data, ok, shape);
        float[][] rows = okLabels.toArray(new float[0][]);
        DataSet ds = new DataSet(features, Nd4j.create(rows).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        ds.setExampleMetaData(paths);
        return ds;
    }

    private DataSet fetch() {
        while (true) {
            submitAhead();
            Future<DataSet> f = inFlight.poll();
            if (f == null) {
                return null;
            }
            try {
                DataSet ds = f.get();
                if (ds != null) {
                    return ds;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while decoding images", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("image decoding failed unexpectedly", e.getCause());
            }
        }
    }

    @Override
    public boolean hasNext() {
        if (lookahead == null) {
            lookahead = fetch();
        }
        return lookahead != null;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new java.util.NoSuchElementException("no more batches in this epoch; call reset()");
        }
        DataSet ds = lookahead;
        lookahead = null;
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("batch size is fixed at build time (" + batchSize + ")");
    }

    @Override
    public void reset() {
        for (Future<DataSet> f : inFlight) {
            f.cancel(true);
        }
        inFlight.clear();
        lookahead = null;
        order = shuffleSeed == null ? new ArrayList<>(images) : order(images, shuffleSeed, epoch);
        epoch++;
        nextToSubmit = 0;
    }

    @Override
    public int inputColumns() {
        return shape.size();
    }

    @Override
    public int totalOutcomes() {
        return labels.size();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false; // it prefetches on its own threads already
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor p) {
        this.preProcessor = p;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return labels;
    }

    /** Stops the decoding threads; the pipeline cannot be used afterwards. Idempotent. */
    @Override
    public void close() {
        for (Future<DataSet> f : inFlight) {
            f.cancel(true);
        }
        inFlight.clear();
        workers.shutdownNow();
    }
}
