package org.transferkit.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.transferkit.TransferKitException;

/**
 * A featurize job's re-run over its own output, resumable at the granularity of files: each listed image is hashed
 * (SHA-256 of its bytes) in the partitions; an image whose hash has a vector in the previous output, made with the
 * same {@link FeatureRows#FEATURIZED_WITH}, takes that vector (a join on the hash, so a renamed or copied image is
 * reused too); the rest are featurized. The new rows (with the new listing's labels, splits and positions) are
 * written beside the output ({@code OUTPUT.rerun}) and then moved over it, because Spark cannot overwrite a path it
 * reads from. Images are read twice when they are new (hash, then featurize), once when reused.
 */
final class FeatureReuse {
    private static final String OLD_HASH = "previous_sha256";
    private static final String OLD_FEATURES = "previous_features";

    /** {@link FeatureRows#INPUT} with the content hash (null for a listing-skipped or unreadable file). */
    private static final StructType HASHED = FeatureRows.INPUT.add(FeatureRows.CONTENT_SHA256, DataTypes.StringType,
            true);

    private FeatureReuse() {
    }

    /** @return true if {@code output} exists (a previous run's rows, which a re-run reuses) */
    static boolean exists(SparkSession spark, String output) throws TransferKitException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(output);
        try {
            return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p);
        } catch (IOException e) {
            throw new TransferKitException("cannot look at " + output + ": " + e.getMessage(), e);
        }
    }

    /**
     * Re-runs the job over an existing output.
     *
     * @param spark the session
     * @param output the previous output, replaced by the new rows
     * @param input the new listing ({@link FeatureRows#INPUT})
     * @param partitions partitions of the hashing and of the images left to featurize
     * @param with what makes this run's vectors
     * @param featurizer the partition function for the images without a reusable vector
     * @param conf the Hadoop configuration the images are read with (where named by URI)
     * @return the report, counting the reused vectors
     * @throws TransferKitException if the new rows cannot be moved into place
     */
    static FeaturizeReport rerun(SparkSession spark, String output, List<Row> input, int partitions, String with,
            FlatMapFunction<Iterator<Row>, Row> featurizer, HadoopImages.Conf conf) throws TransferKitException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> hashed = spark.createDataFrame(jsc.parallelize(input, partitions)
                .mapPartitions(rows -> hash(rows, conf)),
                HASHED).persist();
        Dataset<Row> previous = previous(spark, output, with);
        Dataset<Row> joined = hashed.join(previous, hashed.col(FeatureRows.CONTENT_SHA256).equalTo(col(OLD_HASH)),
                "left");
        Dataset<Row> reused = joined.filter(col(OLD_FEATURES).isNotNull()).select(outputColumns(with));
        Dataset<Row> todo = joined.filter(col(OLD_FEATURES).isNull())
                .select(Arrays.stream(FeatureRows.INPUT.fieldNames()).map(f -> hashed.col(f)).toArray(Column[]::new));
        // counted on the hashes alone (no vectors move): the write below is the one join that carries them
        long reusedCount = hashed.join(previous.select(OLD_HASH),
                hashed.col(FeatureRows.CONTENT_SHA256).equalTo(col(OLD_HASH)), "left_semi").count();
        JavaRDD<Row> computed = todo.javaRDD().repartition(partitions).mapPartitions(featurizer);
        Dataset<Row> all = reused.unionByName(spark.createDataFrame(computed, FeatureRows.OUTPUT));
        String staging = output.replaceAll("/+$", "") + ".rerun";
        all.write().mode(SaveMode.Overwrite).parquet(staging);
        hashed.unpersist();
        replace(spark, staging, output);
        return FeaturizeJob.report(spark, output, reusedCount);
    }

    /** @return the reused rows' columns in {@link FeatureRows#OUTPUT} order, the vector taken from the old output */
    private static Column[] outputColumns(String with) {
        List<Column> cols = new ArrayList<>();
        for (String f : FeatureRows.OUTPUT.fieldNames()) {
            cols.add(switch (f) {
                case FeatureRows.FEATURES -> col(OLD_FEATURES).as(f);
                case FeatureRows.FEATURIZED_WITH -> lit(with).as(f);
                case FeatureRows.REASON -> lit(null).cast(DataTypes.StringType).as(f);
                default -> col(f);
            });
        }
        return cols.toArray(new Column[0]);
    }

    /** @return (hash, vector) of the previous output's vectors made with {@code with}, one per hash */
    private static Dataset<Row> previous(SparkSession spark, String output, String with) {
        Dataset<Row> old = spark.read().parquet(output);
        if (!Arrays.asList(old.columns()).contains(FeatureRows.FEATURIZED_WITH)) {
            old = spark.createDataFrame(List.of(), FeatureRows.OUTPUT); // not made by this version: nothing to reuse
        }
        return old.filter(col(FeatureRows.REASON).isNull().and(col(FeatureRows.FEATURIZED_WITH).equalTo(lit(with))))
                .select(col(FeatureRows.CONTENT_SHA256).as(OLD_HASH), col(FeatureRows.FEATURES).as(OLD_FEATURES))
                .dropDuplicates(OLD_HASH);
    }

    /** Adds each row's content hash (null where the listing skipped it or it cannot be read: featurizing says why). */
    private static Iterator<Row> hash(Iterator<Row> rows, HadoopImages.Conf conf) {
        List<Row> out = new ArrayList<>();
        while (rows.hasNext()) {
            Row r = rows.next();
            String sha = null;
            if (r.isNullAt(FeatureRows.INPUT_REASON)) {
                try {
                    sha = HadoopImages.sha256(r.getString(0), conf.get());
                } catch (IOException | RuntimeException e) {
                    sha = null;
                }
            }
            out.add(RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), sha));
        }
        return out.iterator();
    }

    /** Moves {@code staging} over {@code output} (deleting the old rows first). */
    private static void replace(SparkSession spark, String staging, String output) throws TransferKitException {
        org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(staging);
        org.apache.hadoop.fs.Path to = new org.apache.hadoop.fs.Path(output);
        try {
            FileSystem fs = to.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(to) && !fs.delete(to, true) || !fs.rename(from, to)) {
                throw new TransferKitException("cannot move the new rows from " + staging + " to " + output
                        + " (they are complete in " + staging + ")");
            }
        } catch (IOException e) {
            throw new TransferKitException("cannot move the new rows from " + staging + " to " + output + ": "
                    + e.getMessage() + " (they are complete in " + staging + ")", e);
        }
    }
}
