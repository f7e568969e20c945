package org.transferkit.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.transferkit.data.Augmentation;
import org.transferkit.model.Preprocessing;
import org.transferkit.head.HeadSpec;

/**
 * The hyper-parameters of a fine-tuning run. Where it runs and what it writes (feature cache, checkpoints, decoding
 * threads, run-time options) are set on the {@link FineTuner}, not here. Immutable; build with {@link #builder()}.
 * Every setting has a
 * default, so {@code FineTune.builder().build()} is a sensible run.
 */
public final class FineTune {
    private final int epochs;
    private final int batchSize;
    private final Optimizer optimizer;
    private final double learningRate;
    private final long seed;
    private final HeadSpec head;
    private final String cutPoint;
    private final Preprocessing preprocessing;
    private final boolean classWeights;
    private final Augmentation augmentation;
    private final int augmentedCopies;
    private final int patience;
    private final double weightDecay;
    private final double labelSmoothing;
    private final LrSchedule schedule;
    private final Unfreeze unfreeze;
    private final HeadSearch search;

    private FineTune(Builder b) {
        this.search = b.search;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.optimizer = b.optimizer;
        this.learningRate = b.learningRate;
        this.seed = b.seed;
        this.head = b.head;
        this.cutPoint = b.cutPoint;
        this.preprocessing = b.preprocessing;
        this.classWeights = b.classWeights;
        this.augmentation = b.augmentation;
        this.augmentedCopies = b.augmentedCopies;
        this.patience = b.patience;
        this.weightDecay = b.weightDecay;
        this.labelSmoothing = b.labelSmoothing;
        this.schedule = b.schedule;
        this.unfreeze = b.unfreeze;
    }

    /** @param h another head @return these settings with that head */
    public FineTune withHead(HeadSpec h) {
        Builder b = toBuilder();
        b.head(h);
        return b.build();
    }

    /** @return a builder holding these settings, to derive others from */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.optimizer = optimizer;
        b.learningRate = learningRate;
        b.seed = seed;
        b.head = head;
        b.cutPoint = cutPoint;
        b.preprocessing = preprocessing;
        b.classWeights = classWeights;
        b.augmentation = augmentation;
        b.augmentedCopies = augmentedCopies;
        b.patience = patience;
        b.weightDecay = weightDecay;
        b.labelSmoothing = labelSmoothing;
        b.schedule = schedule;
        b.unfreeze = unfreeze;
        b.search = search;
        return b;
    }

    /** @return the head search (default {@link HeadSearch#quick()}; see {@link HeadSearch} for when it runs) */
    public HeadSearch search() {
        return search;
    }

    /** @return phase 2 (end-to-end training with top blocks unfrozen), or null for phase 1 only */
    public Unfreeze unfreeze() {
        return unfreeze;
    }

    /** @return how the learning rate changes over epochs */
    public LrSchedule schedule() {
        return schedule;
    }

    /** @return epochs without a better validation accuracy before training stops; 0 never stops early */
    public int patience() {
        return patience;
    }

    /** @return decoupled weight decay of the head's weights (AdamW-style with Adam), 0 for none */
    public double weightDecay() {
        return weightDecay;
    }

    /** @return label smoothing epsilon in [0, 1): targets become {@code (1 - e) * onehot + e / classes} */
    public double labelSmoothing() {
        return labelSmoothing;
    }


    /** @return the preprocessing to use instead of the backbone's, or null for the backbone's */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** @return whether the loss weights classes by {@code n / (k * n_c)} from the training counts */
    public boolean classWeights() {
        return classWeights;
    }

    /** @return the train-time augmentation, or null for none */
    public Augmentation augmentation() {
        return augmentation;
    }

    /** @return how many augmented copies of the training set are featurized (0 without augmentation) */
    public int augmentedCopies() {
        return augmentedCopies;
    }

    /**
     * @return a builder with the defaults (the command line's too): the quick head search, which for a frozen backbone
     *     chooses the head, optimizer, learning rate and epochs by cross-validation on the training images (see
     *     {@link HeadSearch}); where it does not run, the fixed defaults: 30 epochs, batch 32, Adam at 0.001, seed
     *     42, default head and cut
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return passes over the training data */
    public int epochs() {
        return epochs;
    }

    /** @return images per gradient step */
    public int batchSize() {
        return batchSize;
    }

    /** @return the update rule */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** @return the learning rate of the head */
    public double learningRate() {
        return learningRate;
    }

    /** @return the seed of shuffling, weight init and dropout */
    public long seed() {
        return seed;
    }

    /** @return the head's layers */
    public HeadSpec head() {
        return head;
    }

    /** @return the cut point name, or null for the backbone's default */
    public String cutPoint() {
        return cutPoint;
    }


    /** @return the settings as a flat map for provenance and {@code metrics.json} (insertion-ordered) */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batch_size", batchSize);
        m.put("optimizer", optimizer.name().toLowerCase(java.util.Locale.ROOT));
        m.put("learning_rate", learningRate);
        m.put("seed", seed);
        m.put("head", head.toString());
        m.put("cut_point", cutPoint);
        m.put("class_weights", classWeights);
        m.put("patience", patience);
        m.put("weight_decay", weightDecay);
        m.put("label_smoothing", labelSmoothing);
        m.put("lr_schedule", schedule.toString());
        m.put("augmentation", augmentation == null ? null : augmentation.toString());
        m.put("augmented_copies", augmentedCopies);
        m.put("search", search.toString());
        if (preprocessing != null) {
            m.put("preprocessing_override", preprocessing.toString());
        }
        if (unfreeze != null) {
            m.put("unfreeze_blocks", unfreeze.blocks());
            m.put("unfreeze_epochs", unfreeze.epochs());
            m.put("unfreeze_learning_rate", unfreeze.learningRate());
        }
        return m;
    }

    /** Fluent settings of a {@link FineTune}; each setter checks its argument at once. */
    public static final class Builder {
        private int epochs = 30;
        private int batchSize = 32;
        private Optimizer optimizer = Optimizer.ADAM;
        private double learningRate = 1e-3;
        private long seed = 42;
        private HeadSpec head = HeadSpec.builder().build();
        private String cutPoint;
        private Preprocessing preprocessing;
        private boolean classWeights;
        private Augmentation augmentation;
        private int augmentedCopies;
        private int patience;
        private double weightDecay;
        private double labelSmoothing;
        private LrSchedule schedule = LrSchedule.constant();
        private Unfreeze unfreeze;
        private HeadSearch search = HeadSearch.quick();

        private Builder() {
        }

        /**
         * @param s the head search: {@link HeadSearch#quick()} (default), {@link HeadSearch#off()} or
         *     {@link HeadSearch#thorough()}
         * @return this
         */
        public Builder search(HeadSearch s) {
            this.search = Objects.requireNonNull(s, "search");
            return this;
        }

        /**
         * @param u phase 2 (end-to-end, top blocks unfrozen, after the head is trained), or null for none
         * @return this
         */
        public Builder unfreeze(Unfreeze u) {
            this.unfreeze = u;
            return this;
        }

    
        /** @param s the learning-rate schedule (default constant) @return this */
        public Builder schedule(LrSchedule s) {
            this.schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /** @param n stop after n epochs without a better validation accuracy; 0 (default) never stops early @return this */
        public Builder patience(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("patience must be >= 0, got " + n);
            }
            this.patience = n;
            return this;
        }

        /** @param wd decoupled weight decay, >= 0 (default 0) @return this @throws IllegalArgumentException if negative */
        public Builder weightDecay(double wd) {
            if (!(wd >= 0) || Double.isInfinite(wd)) {
                throw new IllegalArgumentException("weight decay must be >= 0, got " + wd);
            }
            this.weightDecay = wd;
            return this;
        }

        /** @param e label smoothing in [0, 1) (default 0) @return this @throws IllegalArgumentException otherwise */
        public Builder labelSmoothing(double e) {
            if (!(e >= 0 && e < 1)) {
                throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + e);
            }
            this.labelSmoothing = e;
            return this;
        }

    
        /** @param p preprocessing to use instead of the backbone's (null: the backbone's) @return this */
        public Builder preprocessing(Preprocessing p) {
            this.preprocessing = p;
            return this;
        }

        /** @param on weight the loss by inverse class frequency @return this */
        public Builder classWeights(boolean on) {
            this.classWeights = on;
            return this;
        }

        /**
         * Adds {@code copies} augmented versions of every training image. The frozen backbone featurizes
         * each copy once; the head then trains on the originals plus the copies every epoch.
         *
         * @param a the augmentation
         * @param copies augmented copies of the training set, 1..50
         * @return this
         * @throws IllegalArgumentException if {@code copies} is out of range
         */
        public Builder augment(Augmentation a, int copies) {
            if (copies < 1 || copies > 50) {
                throw new IllegalArgumentException("augmented copies must be in 1..50, got " + copies);
            }
            this.augmentation = Objects.requireNonNull(a, "augmentation");
            this.augmentedCopies = copies;
            return this;
        }

        /** @param n epochs, >= 1 @return this @throws IllegalArgumentException if < 1 */
        public Builder epochs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + n);
            }
            this.epochs = n;
            return this;
        }

        /** @param n batch size, >= 1 @return this @throws IllegalArgumentException if < 1 */
        public Builder batchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /** @param o the update rule @return this */
        public Builder optimizer(Optimizer o) {
            this.optimizer = Objects.requireNonNull(o, "optimizer");
            return this;
        }

        /** @param lr learning rate, > 0 and finite @return this @throws IllegalArgumentException otherwise */
        public Builder learningRate(double lr) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("learning rate must be > 0 and finite, got " + lr);
            }
            this.learningRate = lr;
            return this;
        }

        /** @param s the seed @return this */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** @param h the head's layers @return this */
        public Builder head(HeadSpec h) {
            this.head = Objects.requireNonNull(h, "head");
            return this;
        }

        /** @param name a cut point the backbone publishes, or null for its default @return this */
        public Builder cutPoint(String name) {
            this.cutPoint = name;
            return this;
        }

    
        /** @return the settings */
        public FineTune build() {
            return new FineTune(this);
        }
    }
}
