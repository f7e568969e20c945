package org.transferkit.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet row layout of the featurize job: one row per listed image, featurized or skipped.
 */
public final class FeatureRows {
    /** Column: the image file, as the source listed it. */
    public static final String PATH = "path";
    /** Column: the class name (null for an entry the listing skipped). */
    public static final String LABEL = "label";
    /** Column: the class index in the dataset's sorted class names (null for an entry the listing skipped). */
    public static final String LABEL_INDEX = "label_index";
    /** Column: {@code train}, {@code val} or {@code test}: the part the image (or the skipped entry) was listed in. */
    public static final String SPLIT = "split";
    /**
     * Column: the image's place in the job's listing, train images first, then val, then test, each part in the
     * order the split put it (the order the single-machine trainer featurizes and shuffles from); null for an entry
     * the listing skipped.
     */
    public static final String POSITION = "position";
    /** Column: lower-case hex SHA-256 of the file's bytes (null for a skipped file). */
    public static final String CONTENT_SHA256 = "content_sha256";
    /** Column: the feature vector, flattened in C order (null for a skipped file). */
    public static final String FEATURES = "features";
    /**
     * Column: what made the vector (backbone, weights checksum, cut point, pooling, input shape, preprocessing); a
     * re-run reuses a vector only where this matches (null for a skipped file).
     */
    public static final String FEATURIZED_WITH = "featurized_with";
    /** Column: why the file was skipped (null for a featurized one). */
    public static final String REASON = "reason";

    /** The Parquet output: one row per listed image, featurized or skipped. */
    public static final StructType OUTPUT = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(LABEL, DataTypes.StringType, true)
            .add(LABEL_INDEX, DataTypes.IntegerType, true)
            .add(SPLIT, DataTypes.StringType, true)
            .add(POSITION, DataTypes.LongType, true)
            .add(CONTENT_SHA256, DataTypes.StringType, true)
            .add(FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add(FEATURIZED_WITH, DataTypes.StringType, true)
            .add(REASON, DataTypes.StringType, true);

    /** The rows the driver lists for the partitions: path, label, label index, split, position, listing reason. */
    static final StructType INPUT = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(LABEL, DataTypes.StringType, true)
            .add(LABEL_INDEX, DataTypes.IntegerType, true)
            .add(SPLIT, DataTypes.StringType, true)
            .add(POSITION, DataTypes.LongType, true)
            .add(REASON, DataTypes.StringType, true);

    /** Index of {@link #REASON} in {@link #INPUT}. */
    static final int INPUT_REASON = 5;

    private FeatureRows() {
    }
}
