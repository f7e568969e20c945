package org.transferkit.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.head.HeadSpec;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.task.Task;
import org.transferkit.task.TaskMetrics;

/**
 * The library's entry point for training: a backbone, a head and settings in, a {@link TrainedModel} out.
 *
 * <pre>{@code
 * FineTuner tuner = FineTuner.builder(backbone).head(HeadSpec.linear()).epochs(30).build();
 * try (TrainedModel model = tuner.fit(split.train(), split.val())) {
 *     TaskReport report = model.evaluate(split.test());
 *     model.save(Path.of("classifier.zip"), report);
 * }
 * }</pre>
 *
 * Immutable and thread-safe; every {@link #fit} call is an independent run that owns its network. Training seeds
 * ND4J's global random generator from the settings' seed, so two runs with the same settings and data on the same
 * machine give identical weights, but concurrent runs in one JVM share that generator and are then not
 * reproducible.
 */
public final class FineTuner {
    private final Backbone backbone;
    private final FineTune settings;
    private final TrainingListener listener;
    private final Double threshold;
    private final RunEnvironment env;

    private FineTuner(Builder b) {
        this.env = new RunEnvironment(b.runtime, b.featureCache, b.checkpointDir, b.resume, b.decodeThreads);
        this.backbone = b.backbone;
        this.settings = b.settings.build();
        this.listener = b.listener;
        this.threshold = b.threshold;
    }

    /**
     * @param backbone the pretrained network to cut, freeze and put a new head on (see
     *     {@code org.transferkit.zoo.BackboneCatalog} for the zoo's)
     * @return a builder with {@link FineTune}'s defaults
     */
    public static Builder builder(Backbone backbone) {
        return new Builder(backbone);
    }

    /** @return the backbone */
    public Backbone backbone() {
        return backbone;
    }

    /** @return the settings of every run */
    public FineTune settings() {
        return settings;
    }

    /**
     * Trains on {@code train}, choosing the kept epoch (and, for a multi-label task, the decision threshold) on
     * {@code val}. Every file not used is listed with its reason in {@link TrainedModel#skipped()}: the files the
     * datasets' sources skipped ({@link ImageDataset#skipped()}) and the images that do not decode whole.
     *
     * @param train the training images (their task fixes the head's task unless the head names one)
     * @param val the validation images (may be empty: then the last epoch is kept)
     * @return the trained model; the caller closes it
     * @throws TransferKitException if images or weights cannot be read, or too few images are usable
     * @throws IllegalArgumentException if the two datasets disagree on labels or task, or the settings do not fit the
     *     backbone or task
     */
    public TrainedModel fit(ImageDataset train, ImageDataset val) throws TransferKitException {
        if (!train.labels().equals(val.labels()) || train.task() != val.task()) {
            throw new IllegalArgumentException("training and validation images must have the same task and labels; "
                    + "got " + train.task().id() + " " + train.labels() + " and " + val.task().id() + " " + val.labels());
        }
        DatasetSplit split = new DatasetSplit(train, val, train.withImages(List.of()));
        FineTune run = settings.withHead(settings.head().withTask(train.task()));
        TrainingResult result = Trainer.fit(backbone, split, run, env, listener);
        if (result.search() != null && result.search().ran()) {
            run = result.search().settings(); // what was trained: the winner of the search
        }
        return new TrainedModel(result, backbone, run, env, decisionThreshold(result, val, run));
    }

    /**
     * @param split train and validation images ({@code test} is not used: evaluate it with
     *     {@link TrainedModel#evaluate})
     * @return the trained model
     * @throws TransferKitException as {@link #fit(ImageDataset, ImageDataset)}
     */
    public TrainedModel fit(DatasetSplit split) throws TransferKitException {
        return fit(split.train(), split.val());
    }

    /**
     * Trains the head on feature vectors made elsewhere (e.g. on a cluster) instead of images: the same transfer
     * graph, head search, epoch loop and kept-epoch choice as {@link #fit(ImageDataset, ImageDataset)}, so the same
     * vectors in the same order give the same weights. The model holds the whole network (this backbone, frozen, and
     * the trained head): it evaluates and saves like any other, and the saved classifier predicts from images.
     *
     * @param train training vectors, computed by this backbone at the settings' cut point (its default when unset)
     *     and pooled as the settings' head pools
     * @param val validation vectors of the same classes (may be empty: then the last epoch is kept)
     * @return the trained model; its skipped files are both sets' skipped files; the caller closes it
     * @throws TransferKitException if the backbone's weights cannot be read, or too few classes have vectors
     * @throws IllegalArgumentException if the two sets disagree on labels or length, the length does not fit the
     *     backbone, cut point and pooling, or the settings need images (augmentation, phase 2, a multi-label or
     *     regression head, a backbone trained from scratch)
     */
    public TrainedModel fitFeatures(FeatureSet train, FeatureSet val) throws TransferKitException {
        if (!train.labels().equals(val.labels()) || train.length() != val.length()) {
            throw new IllegalArgumentException("training and validation features must have the same labels and "
                    + "length; got " + train.labels() + " x " + train.length() + " and " + val.labels() + " x "
                    + val.length());
        }
        TrainingResult result = FeatureTraining.fit(backbone, train, val, settings, env, listener);
        FineTune run = result.search() != null && result.search().ran() ? result.search().settings() : settings;
        return new TrainedModel(result, backbone, run, env, TaskMetrics.DEFAULT_THRESHOLD);
    }

    /**
     * Trains the head on feature vectors that are read batch by batch every epoch instead of held in memory (e.g.
     * the Parquet rows of a cluster's featurize job, more than the machine's memory): the same transfer graph, epoch
     * loop, schedule, patience and kept-epoch choice as {@link #fitFeatures}; each epoch reads the training vectors in
     * an order shuffled by the seed and the epoch number ({@link FeatureSource#shuffled}), and measures the training
     * and validation vectors in further passes. The shuffle is the source's, not the in-memory one, so the weights
     * differ from {@link #fitFeatures} on the same vectors (by as much as another shuffle seed would). The head search,
     * where it runs, cross-validates on a seeded stratified sample of at most {@code sampleLimit} training vectors, and
     * its winner then trains on all of them.
     *
     * @param train training vectors
     * @param val validation vectors of the same classes (may be empty: then the last epoch is kept)
     * @param sampleLimit the most training vectors the head search holds in memory, >= 1
     * @return the trained model; its skipped files are both sources' skipped files; the caller closes it
     * @throws TransferKitException if the backbone's weights cannot be read, or a class has no vectors
     * @throws IllegalArgumentException as {@link #fitFeatures}, or if {@code sampleLimit < 1}
     */
    public TrainedModel fitStreaming(FeatureSource train, FeatureSource val, int sampleLimit)
            throws TransferKitException {
        if (!train.labels().equals(val.labels()) || train.length() != val.length()) {
            throw new IllegalArgumentException("training and validation features must have the same labels and "
                    + "length; got " + train.labels() + " x " + train.length() + " and " + val.labels() + " x "
                    + val.length());
        }
        if (sampleLimit < 1) {
            throw new IllegalArgumentException("the head search's sample limit must be >= 1, got " + sampleLimit);
        }
        TrainingResult result = StreamingTraining.fit(backbone, train, val, settings, sampleLimit, env, listener);
        FineTune run = result.search() != null && result.search().ran() ? result.search().settings() : settings;
        return new TrainedModel(result, backbone, run, env, TaskMetrics.DEFAULT_THRESHOLD);
    }

    /** @return the fixed threshold, or the task's tuned one on the validation images */
    private double decisionThreshold(TrainingResult result, ImageDataset val, FineTune run) {
        Task task = result.task();
        if (threshold != null || !task.usesThreshold() || val.size() == 0) {
            return threshold != null ? threshold : TaskMetrics.DEFAULT_THRESHOLD;
        }
        TrainedModel.Outputs out = TrainedModel.outputs(result, backbone, run, env, val);
        return task.tuneThreshold(out.outputs(), out.targets());
    }

    /** Fluent settings of a {@link FineTuner}; each setter checks its argument at once. */
    public static final class Builder {
        private final Backbone backbone;
        private FineTune.Builder settings = FineTune.builder();
        private TrainingListener listener = TrainingListener.NONE;
        private Double threshold;
        private RuntimeOptions runtime = RuntimeOptions.defaults();
        private FeatureCache featureCache;
        private Path checkpointDir;
        private boolean resume;
        private int decodeThreads = RunEnvironment.defaultThreads();

        private Builder(Backbone backbone) {
            this.backbone = Objects.requireNonNull(backbone, "backbone");
        }

        /** @param head the new head's layers (default: one hidden layer of 128, dropout 0.2) @return this */
        public Builder head(HeadSpec head) {
            settings.head(head);
            return this;
        }

        /** @param n epochs of head training, >= 1 (default 30) @return this */
        public Builder epochs(int n) {
            settings.epochs(n);
            return this;
        }

        /** @param lr the head's learning rate, > 0 (default 0.001) @return this */
        public Builder learningRate(double lr) {
            settings.learningRate(lr);
            return this;
        }

        /** @param seed seeds weight init, shuffling, dropout and augmentation (default 42) @return this */
        public Builder seed(long seed) {
            settings.seed(seed);
            return this;
        }

        /**
         * @param configure receives the full settings builder (optimizer, schedule, phase 2, augmentation, cache,
         *     checkpoints, ...)
         * @return this
         */
        public Builder settings(java.util.function.Consumer<FineTune.Builder> configure) {
            configure.accept(settings);
            return this;
        }

        /**
         * @param s the head search by cross-validation on the training images (default {@link HeadSearch#quick()};
         *     it runs when the searched settings are left at their defaults, see {@link HeadSearch})
         * @return this
         */
        public Builder search(HeadSearch s) {
            settings.search(s);
            return this;
        }

        /**
         * @param all every hyper-parameter at once (replaces what was set before on this builder)
         * @return this
         */
        public Builder settings(FineTune all) {
            this.settings = all.toBuilder();
            return this;
        }

        /** @param l receives progress events on the training thread (default none) @return this */
        public Builder listener(TrainingListener l) {
            this.listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /**
         * @param p a fixed multi-label decision threshold in (0, 1); by default the one with the best micro-F1 on the
         *     validation images is chosen
         * @return this
         * @throws IllegalArgumentException if outside (0, 1)
         */
        public Builder threshold(double p) {
            if (!(p > 0 && p < 1)) {
                throw new IllegalArgumentException("threshold must be in (0, 1), got " + p);
            }
            this.threshold = p;
            return this;
        }

        /**
         * @param options engine, CPU helpers and device (default {@link RuntimeOptions#defaults()}; the library reads
         *     no environment variable or system property)
         * @return this
         */
        public Builder runtime(RuntimeOptions options) {
            this.runtime = Objects.requireNonNull(options, "runtime options");
            return this;
        }

        /**
         * @param cache a disk cache of backbone features shared by runs (keyed by content and settings), or null to
         *     keep features in memory only (the default)
         * @return this
         */
        public Builder featureCache(FeatureCache cache) {
            this.featureCache = cache;
            return this;
        }

        /**
         * @param dir where a checkpoint is written after every epoch of every phase (null: none, the default)
         * @param resumeIfPresent continue from the checkpoints there when they exist (made by the same settings and
         *     data); the run then ends exactly as an uninterrupted one would
         * @return this
         */
        public Builder checkpoints(Path dir, boolean resumeIfPresent) {
            this.checkpointDir = dir;
            this.resume = resumeIfPresent;
            return this;
        }

        /**
         * @param n image decoding threads, >= 1 (default: the cores, at most 4)
         * @return this
         * @throws IllegalArgumentException if < 1
         */
        public Builder decodeThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("decode threads must be >= 1, got " + n);
            }
            this.decodeThreads = n;
            return this;
        }

        /** @return the fine-tuner */
        public FineTuner build() {
            return new FineTuner(this);
        }
    }
}
