package org.transferkit.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Benchmark input for docs/benchmarks.md (not a test): a featurize job's vectors replicated {@code copies} times into a
 * new output of the same layout (each copy a new path, hash and position, the same split and vector), so that the
 * train-head job can be timed on many real-sized vectors without featurizing that many images. Usage:
 * {@code ReplicateFeatures IN OUT COPIES} on the master {@code -Dspark.master} names.
 */
public final class ReplicateFeatures {
    private ReplicateFeatures() {
    }

    /** @param args the featurize job's output, where the copies go, how many copies */
    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("replicate-features").getOrCreate();
        try {
            long copies = Long.parseLong(args[2]);
            Dataset<Row> in = spark.read().parquet(args[0]).filter(col(FeatureRows.REASON).isNull());
            Dataset<Row> copy = spark.range(copies).withColumnRenamed("id", "copy");
            Dataset<Row> out = in.crossJoin(copy)
                    .withColumn(FeatureRows.PATH, concat(col(FeatureRows.PATH), lit("#"), col("copy")))
                    .withColumn(FeatureRows.POSITION, col(FeatureRows.POSITION).multiply(copies).plus(col("copy")))
                    .withColumn(FeatureRows.CONTENT_SHA256, concat(col(FeatureRows.CONTENT_SHA256), lit("#"),
                            col("copy")))
                    .select(FeatureRows.OUTPUT.fieldNames()[0], java.util.Arrays.copyOfRange(
                            FeatureRows.OUTPUT.fieldNames(), 1, FeatureRows.OUTPUT.fieldNames().length));
            out.repartition(8).write().mode(SaveMode.Overwrite).parquet(args[1]);
            System.out.println(spark.read().parquet(args[1]).groupBy(FeatureRows.SPLIT).count().collectAsList());
        } finally {
            spark.stop();
        }
    }
}
