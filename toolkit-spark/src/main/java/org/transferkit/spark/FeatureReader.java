package org.transferkit.spark;

import static org.apache.spark.sql.functions.col;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.transferkit.DatasetException;
import org.transferkit.train.FeatureSet;

/**
 * Reads a featurize job's rows back into {@link FeatureSet}s on the driver, one split at a time, streamed with
 * Spark's {@code toLocalIterator} (one partition of rows on the driver at a time, not the whole table), in the
 * rows' {@link FeatureRows#POSITION} order: the order the single-machine trainer featurizes, so that the head
 * sees its vectors in the same order and trains to the same weights. The vectors themselves are kept in the
 * feature set, 4 bytes per value.
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

    /** @return the class names, index i naming class i */
    List<String> labels() {
        return labels;
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
