package org.transferkit.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The Parquet row layout of the predict job: one row per listed image, predicted or skipped. */
public final class PredictionRows {
    /** Column: the image file, as the source listed it. */
    public static final String PATH = "path";
    /** Column: its known class or label names ({@code ;}-separated for multi-label); null for unlabelled images. */
    public static final String LABEL = "label";
    /**
     * Column: what the classifier predicts: the top class (single-label), the labels at or above its threshold,
     * {@code ;}-separated (multi-label), null for regression (see {@link #SCORES}); null for a skipped file.
     */
    public static final String PREDICTED = "predicted";
    /** Column: the top class's probability (single-label; null otherwise or for a skipped file). */
    public static final String PROBABILITY = "probability";
    /** Column: the classifier's raw outputs in its labels' order: probabilities, or values for regression. */
    public static final String SCORES = "scores";
    /** Column: why the file was not predicted (null for a predicted one). */
    public static final String REASON = "reason";

    /** The Parquet output. */
    public static final StructType OUTPUT = new StructType()
            .add(PATH, DataTypes.StringType, false)
            .add(LABEL, DataTypes.StringType, true)
            .add(PREDICTED, DataTypes.StringType, true)
            .add(PROBABILITY, DataTypes.DoubleType, true)
            .add(SCORES, DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add(REASON, DataTypes.StringType, true);

    private PredictionRows() {
    }
}
