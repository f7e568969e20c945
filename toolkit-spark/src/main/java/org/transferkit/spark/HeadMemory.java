package org.transferkit.spark;

import java.util.Locale;

/**
 * The rule that decides where the train-head job's vectors live on the driver: in memory when
 * {@link TrainHeadOptions#BYTES_PER_VALUE} bytes per value of the training and validation vectors fit in the
 * memory budget (then training is exactly the single-machine {@code train}'s), else streamed from the Parquet rows
 * every epoch, at most the budget's worth of vectors (and at least one batch) on the driver at once. Immutable.
 *
 * @param inMemory whether the vectors are held
 * @param vectors training and validation vectors
 * @param length values per vector
 * @param budget the memory budget in bytes
 * @param rowsAtOnce when streaming, the most vectors of one Spark partition on the driver at once
 */
record HeadMemory(boolean inMemory, long vectors, int length, long budget, int rowsAtOnce) {
    /** The head search's sample holds at least this many training vectors (or all), whatever the budget. */
    static final int MIN_SEARCH_SAMPLE = 1000;

    /**
     * @param vectors training and validation vectors
     * @param length values per vector
     * @param budget the memory budget in bytes
     * @param batchSize vectors per training step
     * @return the decision
     */
    static HeadMemory of(long vectors, int length, long budget, int batchSize) {
        long perVector = TrainHeadOptions.BYTES_PER_VALUE * length;
        long fits = budget / perVector;
        return new HeadMemory(vectors <= fits, vectors, length, budget,
                (int) Math.max(batchSize, Math.min(Integer.MAX_VALUE / 2, fits)));
    }

    /** @return whether {@code n} vectors fit in the budget */
    boolean holds(long n) {
        return n <= budget / (TrainHeadOptions.BYTES_PER_VALUE * length);
    }

    /** @return the training vectors the head search cross-validates on when streaming */
    int searchSample(int trainVectors) {
        return Math.min(trainVectors, Math.max(rowsAtOnce, MIN_SEARCH_SAMPLE));
    }

    /** @return one line for the console: what was decided and why */
    String describe() {
        String need = String.format(Locale.ROOT, "%,d train+val vectors x %d values x %d bytes = %s %s memory "
                + "budget %s", vectors, length, TrainHeadOptions.BYTES_PER_VALUE,
                size(vectors * length * TrainHeadOptions.BYTES_PER_VALUE), inMemory ? "<=" : ">", size(budget));
        return inMemory ? "head training in memory (as train): " + need
                : String.format(Locale.ROOT, "head training streams from Parquet every epoch: %s; at most %,d vectors "
                        + "of a Spark partition plus one batch (training's, or 256 when measuring) on the driver at "
                        + "once",
                        need, rowsAtOnce);
    }

    private static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30))
                : bytes >= 1L << 20 ? String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
}
