package org.transferkit.head;

import java.util.Arrays;
import java.util.Locale;
import org.transferkit.task.Task;

import org.transferkit.task.Loss;
/**
 * The layers of a new head: how a feature map is reduced to a vector, hidden Dense+ReLU layers, dropout,
 * then an output layer sized to the dataset's labels whose activation and loss follow the {@link Task}
 * (softmax, sigmoid or linear). Immutable; build with
 * {@link #builder()}.
 */
public final class HeadSpec {
    /** How a spatial cut point's feature map becomes a vector. Ignored for vector cut points. */
    public enum Pooling { AVG, MAX, FLATTEN }

    private final int[] hidden;
    private final double dropout;
    private final Pooling pooling;
    private final Task task;
    private final Loss loss;

    private HeadSpec(Builder b) {
        this.hidden = b.hidden.clone();
        this.dropout = b.dropout;
        this.pooling = b.pooling;
        this.task = b.task;
        this.loss = b.loss != null ? b.loss : Loss.defaultFor(b.task);
        if (!loss.fits(task)) {
            throw new IllegalArgumentException("loss " + loss.id() + " does not fit a " + task.id() + " head; allowed: "
                    + Loss.allowedFor(task));
        }
    }

    /** @return what the head predicts (default single-label) */
    public Task task() {
        return task;
    }

    /** @return the training loss (default: cross-entropy, binary cross-entropy or MSE by task) */
    public Loss loss() {
        return loss;
    }

    /**
     * @param t the task of the data the head will train on
     * @return this head for task {@code t}: the same layers, and the task's default loss unless this head's loss
     *     fits {@code t} too
     */
    public HeadSpec withTask(Task t) {
        if (t == task) {
            return this;
        }
        return builder().hidden(hidden).dropout(dropout).pooling(pooling).task(t).loss(loss.fits(t) ? loss : null)
                .build();
    }

    /** @return a builder with the defaults: one hidden layer of 128, dropout 0.2, average pooling */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a linear head: no hidden layers, no dropout, average pooling */
    public static HeadSpec linear() {
        return builder().hidden().dropout(0).build();
    }

    /** @return sizes of the hidden Dense+ReLU layers (may be empty) */
    public int[] hidden() {
        return hidden.clone();
    }

    /** @return probability of dropping an input of each layer after the features, in [0, 1) */
    public double dropout() {
        return dropout;
    }

    /** @return how feature maps are reduced */
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public String toString() {
        String base = String.format(Locale.ROOT, "hidden %s, dropout %.2f, pooling %s", Arrays.toString(hidden), dropout,
                pooling.name().toLowerCase(Locale.ROOT));
        return task == Task.SINGLE_LABEL ? base : base + ", task " + task.id() + ", loss " + loss.id();
    }

    /** Fluent settings for a {@link HeadSpec}. */
    public static final class Builder {
        private int[] hidden = {128};
        private double dropout = 0.2;
        private Pooling pooling = Pooling.AVG;
        private Task task = Task.SINGLE_LABEL;
        private Loss loss;

        private Builder() {
        }

        /** @param t what the head predicts (default single-label) @return this */
        public Builder task(Task t) {
            this.task = java.util.Objects.requireNonNull(t, "task");
            return this;
        }

        /**
         * @param l the loss, or null for the task's default; checked against the task in {@link #build()}
         * @return this
         */
        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        /**
         * @param sizes hidden layer sizes, each >= 1; none for a linear head
         * @return this
         * @throws IllegalArgumentException if a size is < 1
         */
        public Builder hidden(int... sizes) {
            for (int s : sizes) {
                if (s < 1) {
                    throw new IllegalArgumentException("hidden layer sizes must be >= 1, got " + Arrays.toString(sizes));
                }
            }
            this.hidden = sizes.clone();
            return this;
        }

        /**
         * @param p drop probability in [0, 1)
         * @return this
         * @throws IllegalArgumentException if out of range
         */
        public Builder dropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            }
            this.dropout = p;
            return this;
        }

        /** @param p pooling for feature maps @return this */
        public Builder pooling(Pooling p) {
            this.pooling = java.util.Objects.requireNonNull(p, "pooling");
            return this;
        }

        /**
         * @return the spec
         * @throws IllegalArgumentException if the loss does not fit the task
         */
        public HeadSpec build() {
            return new HeadSpec(this);
        }
    }
}
