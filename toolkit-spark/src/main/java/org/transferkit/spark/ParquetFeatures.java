package org.transferkit.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.xxhash64;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.transferkit.model.SkippedFile;
import org.transferkit.train.FeatureSource;

/**
 * One split of a featurize job's rows as a {@link FeatureSource} that is read, not held: every pass is a Spark query
 * over the Parquet data, range-partitioned into Spark partitions of about {@code rowsAtOnce} rows each by the pass's
 * order key and streamed to the driver with {@code toLocalIterator} (one partition at a time). The order of
 * {@link #inOrder} is the rows' {@link FeatureRows#POSITION} (the single-machine order); {@link #shuffled} orders by
 * a 64-bit hash of the image's path and the seed, computed by the executors: a full shuffle of the split, different
 * for each seed, the same for the same seed. The driver thus holds at most one Spark partition of rows and one batch;
 * {@link #peakRowsHeld()} measures it.
 */
final class ParquetFeatures implements FeatureSource {
    private static final String ORDER = "_order";

    private final Dataset<Row> rows;
    private final List<String> labels;
    private final int length;
    private final int size;
    private final int[] classCounts;
    private final List<SkippedFile> skipped;
    private final int rowsAtOnce;
    private long peakRowsHeld;

    /**
     * @param rows this split's featurized rows (no reason), with at least the path, label index, features and
     *     position columns
     * @param labels the class names
     * @param length values per vector
     * @param classCounts rows per class
     * @param skipped this split's skipped files
     * @param rowsAtOnce the most rows of one Spark partition of a pass, >= 1
     */
    ParquetFeatures(Dataset<Row> rows, List<String> labels, int length, int[] classCounts, List<SkippedFile> skipped,
            int rowsAtOnce) {
        if (rowsAtOnce < 1) {
            throw new IllegalArgumentException("rows at once must be >= 1, got " + rowsAtOnce);
        }
        this.rows = rows;
        this.labels = List.copyOf(labels);
        this.length = length;
        this.classCounts = classCounts.clone();
        int n = 0;
        for (int c : classCounts) {
            n += c;
        }
        this.size = n;
        this.skipped = List.copyOf(skipped);
        this.rowsAtOnce = rowsAtOnce;
    }

    @Override
    public List<String> labels() {
        return labels;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int[] classCounts() {
        return classCounts.clone();
    }

    @Override
    public List<SkippedFile> skipped() {
        return skipped;
    }

    @Override
    public Batches inOrder(int batchSize) {
        return pass(col(FeatureRows.POSITION), batchSize);
    }

    @Override
    public Batches shuffled(int batchSize, long seed) {
        return pass(xxhash64(col(FeatureRows.PATH), lit(seed)), batchSize);
    }

    /**
     * @return the most rows the driver held at once in any pass so far: the largest Spark partition streamed plus
     *     one batch
     */
    long peakRowsHeld() {
        return peakRowsHeld;
    }

    /** @return the Spark partitions of one pass */
    int partitionsPerPass() {
        return (int) Math.max(1, ((long) size + rowsAtOnce - 1) / rowsAtOnce);
    }

    private Batches pass(Column key, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        Iterator<Row> it = rows.withColumn(ORDER, key)
                .repartitionByRange(partitionsPerPass(), col(ORDER), col(FeatureRows.POSITION))
                .sortWithinPartitions(col(ORDER), col(FeatureRows.POSITION))
                .select(col(FeatureRows.PATH), col(FeatureRows.LABEL_INDEX), col(FeatureRows.FEATURES),
                        spark_partition_id())
                .toLocalIterator();
        return new RowBatches(it, batchSize);
    }

    /** Batches of the rows a pass streams, counting the rows of each Spark partition as they come. */
    private final class RowBatches implements Batches {
        private final Iterator<Row> it;
        private final int batchSize;
        private int partition = -1;
        private long inPartition;

        RowBatches(Iterator<Row> it, int batchSize) {
            this.it = it;
            this.batchSize = batchSize;
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public FeatureBatch next() {
            if (!it.hasNext()) {
                throw new NoSuchElementException("the pass is over");
            }
            float[] values = new float[batchSize * length];
            int[] classes = new int[batchSize];
            List<Path> paths = new ArrayList<>(batchSize);
            int n = 0;
            while (n < batchSize && it.hasNext()) {
                Row r = it.next();
                if (r.getInt(3) != partition) {
                    partition = r.getInt(3);
                    inPartition = 0;
                }
                peakRowsHeld = Math.max(peakRowsHeld, ++inPartition + batchSize);
                List<Float> v = r.getList(2);
                if (v.size() != length) {
                    throw new IllegalArgumentException(r.getString(0) + ": vector of " + v.size()
                            + " values, the others have " + length);
                }
                for (int i = 0; i < length; i++) {
                    values[n * length + i] = v.get(i);
                }
                classes[n] = r.getInt(1);
                paths.add(Path.of(r.getString(0)));
                n++;
            }
            if (n < batchSize) {
                values = Arrays.copyOf(values, n * length);
                classes = Arrays.copyOf(classes, n);
            }
            return new FeatureBatch(values, classes, paths);
        }

        @Override
        public void close() {
            // toLocalIterator holds no more than the partition being read; an unread rest is never fetched
        }
    }
}
