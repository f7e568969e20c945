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
    /** Column: {@code train}, {@code val} or {@code test} (null for an entry the listing skipped). */
    public static final String SPLIT = "split";
    /** Column: lower-case hex SHA-256 of the file's bytes (null for a skipped file). */
    public static final String CONTENT_SHA256 = "content_sha256";
    /** Column: the feature vector, flattened in C order (null for a skipped file). */
    public static final String FEATURES = "features";
    /** Column: why the file was skipped (null for a featurized one). */
    public static final String REASON = "reason";

    /** The Parquet output: one row per listed image, featurized or skipped. */
    public static final StructType OUTPUT = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(LABEL, DataTypes.StringType, true)
            .add(LABEL_INDEX, DataTypes.IntegerType, true)
            .add(SPLIT, DataTypes.StringType, true)
            .add(CONTENT_SHA256, DataTypes.StringType, true)
            .add(FEATURES, DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add(REASON, DataTypes.StringType, true);

    private FeatureRows() {
    }
}
