package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TransferKitException;
import org.transferkit.model.EpochStats;
import org.transferkit.task.Task;

/**
 * The one epoch loop of every training phase (head on cached features, end to end with a frozen or partly unfrozen
 * backbone, from scratch). What differs between phases is a {@link Phase} (how one epoch trains and how the
 * validation images are measured) and a {@link Plan} (epoch numbers, learning rate per epoch, early stopping, the
 * score to beat); the seeding, history, best-epoch choice, checkpoints and progress events are here, once.
 *
 * <p>Every epoch seeds ND4J's random generator from the run's seed and the epoch number, so a run resumed from a
 * checkpoint draws exactly what an uninterrupted one would.
 */
final class EpochLoop {
    private EpochLoop() {
    }

    /** What one pass over a set of images measured. */
    record Measured(double loss, double metric, int images) {
        static final Measured NONE = new Measured(Double.NaN, Double.NaN, 0);
    }

    /** One phase's training: the network that learns and how an epoch runs. */
    interface Phase {
        /** @return the network whose parameters and updater state are trained, chosen and checkpointed */
        ComputationGraph network();

        /** @return true if there are validation images to choose the kept epoch by */
        boolean hasValidation();

        /** @return true if the validation score picks the kept epoch and stops early (default: when there is one) */
        default boolean choosesEpoch() {
            return hasValidation();
        }

        /**
         * Trains one epoch.
         *
         * @param epoch the epoch number (seeds its shuffling and augmentation)
         * @param listener receives batch ends
         * @return the mean training loss, the metric on the training images, and the images used
         */
        Measured trainEpoch(int epoch, TrainingListener listener);

        /** @return the validation loss and metric with the current weights ({@link Measured#NONE} without images) */
        Measured validate();

        /**
         * Brings {@link #network()} up to date with the weights being trained, for a phase that trains them elsewhere
         * (the engine's training path) and writes them back only when read: the loop calls it before it reads the
         * network (a kept epoch's weights, a checkpoint) and when it ends. Default: nothing (the network is trained).
         */
        default void syncNetwork() {
        }
    }

    /**
     * Which epochs run and what they must beat.
     *
     * @param first the first epoch's number (after an earlier phase's epochs)
     * @param count how many epochs at most
     * @param learningRate the learning rate of each epoch, or null to keep the updaters' own (then {@code loggedRate}
     *     is what the history records)
     * @param loggedRate the rate recorded when {@code learningRate} is null
     * @param patience stop after this many epochs without a better validation score; 0 never stops early
     * @param before the history of earlier phases, kept at the front of this one's
     * @param baselineScore the score an epoch must beat to be kept (an earlier phase's best), or -infinity
     * @param baselineEpoch the epoch that scored {@code baselineScore} (0 for none)
     */
    record Plan(int first, int count, IntToDoubleFunction learningRate, double loggedRate, int patience,
            List<EpochStats> before, double baselineScore, int baselineEpoch) {
    }

    /**
     * What a phase ended with.
     *
     * @param history every epoch so far, earlier phases' first
     * @param bestEpoch the kept epoch (the baseline's when nothing beat it)
     * @param best the kept epoch's parameters, or null when no epoch of this phase beat the baseline
     */
    record Outcome(List<EpochStats> history, int bestEpoch, INDArray best) {
        boolean improved() {
            return best != null;
        }
    }

    /**
     * Runs the plan's epochs (continuing from a checkpoint where there is one and {@code resume} is set).
     *
     * @param phase the phase
     * @param plan its epochs
     * @param task the task (names the metric)
     * @param seed the run's seed
     * @param checkpoints where each epoch's end is saved, or null
     * @param resume continue from the checkpoint in {@code checkpoints} if one exists
     * @param listener progress events
     * @return the history and the kept weights; the phase's network is left at its last epoch's weights
     * @throws TransferKitException if a checkpoint cannot be written or read
     */
    static Outcome run(Phase phase, Plan plan, Task task, long seed, Checkpoints checkpoints, boolean resume,
            TrainingListener listener) throws TransferKitException {
        ComputationGraph net = phase.network();
        List<EpochStats> history = new ArrayList<>(plan.before());
        int bestEpoch = plan.baselineEpoch();
        double bestScore = plan.baselineScore();
        INDArray best = null;
        int start = plan.first();
        Checkpoints.State st = checkpoints != null && resume ? checkpoints.load() : null;
        if (st != null) {
            st.restoreInto(net);
            history = new ArrayList<>(st.history());
            best = st.best();
            bestEpoch = st.bestEpoch();
            bestScore = st.bestScore();
            start = st.epoch() + 1;
            listener.onResumed(st.epoch());
        }
        int end = plan.first() + plan.count();
        double setRate = Double.NaN;
        for (int epoch = start; epoch < end; epoch++) {
            if (phase.choosesEpoch() && plan.patience() > 0 && epoch - 1 - bestEpoch >= plan.patience()) {
                break; // early stopping (also when resuming a run that had already stopped)
            }
            long t0 = System.nanoTime();
            Nd4j.getRandom().setSeed(seed * 1_000_003L + epoch); // dropout draws; the same after a resume
            double lr = plan.loggedRate();
            if (plan.learningRate() != null) {
                lr = plan.learningRate().applyAsDouble(epoch);
                if (lr != setRate) { // DL4J rebuilds its updater on every call: a head's step costs less than that
                    net.setLearningRate(lr);
                    setRate = lr;
                }
            }
            Measured train = phase.trainEpoch(epoch, listener);
            Measured val = phase.validate();
            EpochStats stats = new EpochStats(epoch, train.loss(), train.metric(), val.loss(), val.metric(),
                    (System.nanoTime() - t0) / 1e9, lr, task.metricName());
            history.add(stats);
            listener.onEpochEnd(stats);
            double score = selectionScore(phase.choosesEpoch(), val.metric(), epoch);
            if (score > bestScore) {
                bestScore = score;
                bestEpoch = epoch;
                phase.syncNetwork();
                best = net.params().dup();
            }
            if (checkpoints != null) {
                phase.syncNetwork();
                checkpoints.save(epoch, bestEpoch, bestScore, history, net, best);
            }
        }
        phase.syncNetwork();
        return new Outcome(List.copyOf(history), bestEpoch, best);
    }

    /**
     * @return what picks the kept epoch, higher is better: the validation metric, or the epoch number without
     *     validation images (keep the last); an undefined metric (R² of constant targets) ranks below any number
     */
    static double selectionScore(boolean hasVal, double valMetric, int epoch) {
        double score = hasVal ? valMetric : epoch;
        return Double.isNaN(score) ? -Double.MAX_VALUE : score;
    }
}
