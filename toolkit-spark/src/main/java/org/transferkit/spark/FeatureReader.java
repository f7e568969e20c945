package org.transferkit.spark;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.transferkit.DatasetException;
import org.transferkit.model.SkippedFile;
import org.transferkit.train.FeatureSet;

/**
 * Reads a featurize job's rows back into {@link FeatureSet}s on the driver, one split at a time, streamed with
 * Spark's {@code toLocalIterator} (one partition of rows on the driver at a time, not the whole table), in the
 * rows' {@link FeatureRows#POSITION} order: the order the single-machine trainer featurizes, so that the head
 * sees its vectors in the same order and trains to the same weights. The vectors themselves are kept in the
 * feature set, 4 bytes per value. Or, for more vectors than the driver holds, one split at a time as a
 * {@link ParquetFeatures} source that reads the rows again on every pass ({@link #stream}).
 */
final class FeatureReader {
    private final Dataset<Row> rows;
    private final List<String> labels;
    private final int length;

    private FeatureReader(Dataset<Row> rows, List<String> labels, int length) {
        this.rows = rows;
        this.labels = labels;
        this.length = length;
    }

    /**
     * @param rows a featurize job's output
     * @param with what the reader will train on: vectors must have been made so
     * @return a reader of its splits
     * @throws DatasetException if no row has a vector, or the class indices are not 0..k-1
     * @throws IllegalArgumentException if the vectors were made otherwise than {@code with} (another backbone,
     *     weights, cut point or pooling); the message names both
     */
    static FeatureReader of(Dataset<Row> rows, String with) throws DatasetException {
        Dataset<Row> featurized = rows.filter(col(FeatureRows.REASON).isNull());
        List<String> made = new ArrayList<>();
        for (Row r : featurized.select(FeatureRows.FEATURIZED_WITH).distinct().collectAsList()) {
            made.add(r.getString(0));
        }
        if (made.isEmpty()) {
            throw new DatasetException("no image of the features has a vector; every row was skipped");
        }
        if (!made.equals(List.of(with))) {
            throw new IllegalArgumentException("the features were made with " + made + ", but this run reads them as "
                    + with + "; give the backbone, weights, cut point and pooling the featurize job used");
        }
        List<String> labels = new ArrayList<>();
        for (Row r : featurized.select(FeatureRows.LABEL_INDEX, FeatureRows.LABEL).distinct()
                .orderBy(FeatureRows.LABEL_INDEX).collectAsList()) {
            if (r.getInt(0) != labels.size()) {
                throw new DatasetException("class indices of the features are not 0..k-1: class " + labels.size()
                        + " is missing before " + r.getInt(0) + " (" + r.getString(1) + ")");
            }
            labels.add(r.getString(1));
        }
        int length = featurized.select(FeatureRows.FEATURES).first().getList(0).size();
        return new FeatureReader(rows, List.copyOf(labels), length);
    }

    /** @return values per vector */
    int length() {
        return length;
    }

    /** @return the class names, index i naming class i */
    List<String> labels() {
        return labels;
    }

    /** @return featurized rows per split ({@code train}, {@code val}, {@code test}; a split without rows is absent) */
    Map<String, Long> splitSizes() {
        Map<String, Long> sizes = new HashMap<>();
        for (Row r : rows.filter(col(FeatureRows.REASON).isNull()).groupBy(FeatureRows.SPLIT).count().collectAsList()) {
            sizes.put(r.getString(0), r.getLong(1));
        }
        return sizes;
    }

    /**
     * @param split {@code train}, {@code val} or {@code test}
     * @param rowsAtOnce the most rows of one Spark partition a pass streams to the driver
     * @return its vectors, read from the rows on every pass instead of held (see {@link ParquetFeatures})
     */
    ParquetFeatures stream(String split, int rowsAtOnce) {
        Dataset<Row> part = rows.filter(col(FeatureRows.SPLIT).equalTo(split));
        Dataset<Row> featurized = part.filter(col(FeatureRows.REASON).isNull())
                .select(FeatureRows.PATH, FeatureRows.LABEL_INDEX, FeatureRows.FEATURES, FeatureRows.POSITION);
        int[] counts = new int[labels.size()];
        for (Row r : featurized.groupBy(FeatureRows.LABEL_INDEX).count().collectAsList()) {
            counts[r.getInt(0)] = Math.toIntExact(r.getLong(1));
        }
        List<SkippedFile> skipped = new ArrayList<>();
        for (Row r : part.filter(col(FeatureRows.REASON).isNotNull()).select(FeatureRows.PATH, FeatureRows.REASON)
                .orderBy(FeatureRows.PATH).collectAsList()) {
            skipped.add(new SkippedFile(Path.of(r.getString(0)), r.getString(1)));
        }
        return new ParquetFeatures(featurized, labels, length, counts, skipped, rowsAtOnce);
    }

    /**
     * @param split {@code train}, {@code val} or {@code test}
     * @return its vectors in position order, and its skipped files
     */
    FeatureSet read(String split) {
        FeatureSet.Builder b = FeatureSet.builder(labels, length);
        Iterator<Row> it = rows.filter(col(FeatureRows.SPLIT).equalTo(split))
                .orderBy(col(FeatureRows.POSITION).asc_nulls_last(), col(FeatureRows.PATH))
                .select(FeatureRows.PATH, FeatureRows.LABEL_INDEX, FeatureRows.FEATURES, FeatureRows.REASON)
                .toLocalIterator();
        float[] vector = new float[length];
        while (it.hasNext()) {
            Row r = it.next();
            Path path = Path.of(r.getString(0));
            if (!r.isNullAt(3)) {
                b.skip(path, r.getString(3));
                continue;
            }
            List<Float> values = r.getList(2);
            if (values.size() != length) {
                throw new IllegalArgumentException(path + ": vector of " + values.size() + " values, the others have "
                        + length);
            }
            for (int i = 0; i < length; i++) {
                vector[i] = values.get(i);
            }
            b.add(path, r.getInt(1), vector);
        }
        return b.build();
    }
}
