package org.transferkit.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.transferkit.TransferKitException;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageSource;
import org.transferkit.data.LabelledImage;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/**
 * The Spark job that featurizes an image dataset with a frozen backbone, writing one Parquet row per listed image
 * ({@link FeatureRows#OUTPUT}: path, label, split, content hash and feature vector, or the reason it was skipped).
 *
 * <p>The driver lists the source (a class-folder tree or a CSV manifest) and splits it seeded and stratified
 * exactly as the library's {@link DatasetSplit#stratified} does; the image list is spread over the partitions and
 * each partition featurizes its images with its own backbone and compiled engine ({@link PartitionFeaturizer}), so
 * the features equal the single-machine featurizer's. Only the options and the class names travel to executors.
 * A failed task is retried by Spark (up to {@code spark.task.maxFailures}); Spark's Parquet commit protocol keeps
 * only the successful attempt's file, so each image is written exactly once.
 * The image files must be readable at the same path on every executor (a shared mount).
 *
 * <p>Run it with {@code spark-submit --class org.transferkit.spark.FeaturizeJob JAR} and the arguments of
 * {@link FeaturizeOptions#USAGE}.
 */
public final class FeaturizeJob {
    private FeaturizeJob() {
    }

    /**
     * The {@code spark-submit} entry point: parses the arguments, runs the job on the session spark-submit
     * configured, prints the report.
     *
     * @param args the arguments of {@link FeaturizeOptions#USAGE}
     * @throws TransferKitException if the source cannot be listed or the backbone not opened
     * @throws IllegalArgumentException if an argument is unknown or bad
     */
    public static void main(String[] args) throws TransferKitException {
        FeaturizeOptions options = FeaturizeOptions.parse(args);
        SparkSession spark = SparkSession.builder().appName("transferkit-featurize").getOrCreate();
        try {
            System.out.println(run(spark, options).describe());
        } finally {
            spark.stop();
        }
    }

    /**
     * Featurizes the dataset and writes the rows; then reads the written rows back for the report.
     *
     * @param spark the session to run on
     * @param options what to read, how to featurize, where to write (replaced if present)
     * @return the counts and the skipped files
     * @throws TransferKitException if the source cannot be listed or is malformed
     * @throws IllegalArgumentException if the split is impossible (a class too small for it) or the options name
     *     an unknown backbone or cut point
     */
    public static FeaturizeReport run(SparkSession spark, FeaturizeOptions options) throws TransferKitException {
        return run(spark, options, UnaryOperator.identity());
    }

    /**
     * {@link #run(SparkSession, FeaturizeOptions)} with the per-partition function wrapped (tests inject faults so).
     *
     * @param wrap takes the partition function, returns the one to run (serializable, as Spark ships it)
     */
    static FeaturizeReport run(SparkSession spark, FeaturizeOptions options,
            UnaryOperator<FlatMapFunction<Iterator<Row>, Row>> wrap) throws TransferKitException {
        ImageDataset all = ImageSource.at(Path.of(options.source()), Task.SINGLE_LABEL).dataset();
        DatasetSplit split = DatasetSplit.stratified(all, options.valFraction(), options.testFraction(),
                options.seed());
        List<Row> input = inputRows(all, split);
        int partitions = options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism();
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(input, partitions)
                .mapPartitions(wrap.apply(new PartitionFeaturizer(options, all.labels())));
        spark.createDataFrame(rows, FeatureRows.OUTPUT).write().mode(SaveMode.Overwrite).parquet(options.output());
        return report(spark, options.output());
    }

    /**
     * @return the partition input, rows of (path, label, label index, split, reason): every image with its label
     *     and split and a null reason, then the entries the listing skipped with only their path and reason
     */
    static List<Row> inputRows(ImageDataset all, DatasetSplit split) {
        List<Row> rows = new ArrayList<>();
        addPart(rows, all.labels(), split.train(), "train");
        addPart(rows, all.labels(), split.val(), "val");
        addPart(rows, all.labels(), split.test(), "test");
        for (SkippedFile s : all.skipped()) {
            rows.add(RowFactory.create(s.path().toString(), null, null, null, s.reason()));
        }
        return rows;
    }

    private static void addPart(List<Row> rows, List<String> labels, ImageDataset part, String name) {
        for (LabelledImage img : part.images()) {
            rows.add(RowFactory.create(img.path().toString(), labels.get(img.label()), img.label(), name, null));
        }
    }

    /**
     * @param spark a session
     * @param output a featurize job's output
     * @return its counts and skipped files (sorted by path)
     */
    public static FeaturizeReport report(SparkSession spark, String output) {
        Dataset<Row> written = spark.read().parquet(output);
        long featurized = written.filter(written.col(FeatureRows.REASON).isNull()).count();
        List<SkippedFile> skipped = new ArrayList<>();
        for (Row r : written.filter(written.col(FeatureRows.REASON).isNotNull())
                .select(FeatureRows.PATH, FeatureRows.REASON).collectAsList()) {
            skipped.add(new SkippedFile(Path.of(r.getString(0)), r.getString(1)));
        }
        skipped.sort(Comparator.comparing(s -> s.path().toString()));
        return new FeaturizeReport(output, featurized, skipped);
    }
}
