package org.transferkit.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Optional;
import java.util.function.Function;
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
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.CsvManifest;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageSource;
import org.transferkit.data.LabelledImage;
import org.transferkit.head.HeadSpec;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;
import org.transferkit.zoo.BackboneCatalog;

/**
 * The Spark job that featurizes an image dataset with a frozen backbone, writing one Parquet row per listed image
 * ({@link FeatureRows#OUTPUT}: path, label, split, content hash and feature vector, or the reason it was skipped).
 *
 * <p>The driver lists the source (a class-folder tree or a CSV manifest) and splits it as {@code train --data} does:
 * by the manifest's split column where every row has one, else seeded and stratified exactly as the library's
 * {@link DatasetSplit#stratified} does; the image list is spread over the partitions and
 * each partition featurizes its images with its own backbone and compiled engine ({@link PartitionFeaturizer}), so
 * the features equal the single-machine featurizer's. Only the options and the class names travel to executors.
 * A failed task is retried by Spark (up to {@code spark.task.maxFailures}); Spark's Parquet commit protocol keeps
 * only the successful attempt's file, so each image is written exactly once.
 * The source may be a plain local path (the image files must then be readable at the same path on every executor:
 * a shared mount) or a Hadoop file system URI ({@code hdfs://}, {@code s3a://}, {@code file://}), listed on the
 * driver and read by the executors through Hadoop's {@code FileSystem} ({@link HadoopImages}).
 *
 * <p>Resumable at the granularity of files: where the output already holds a featurize job's rows, a re-run
 * reuses every vector whose image content (SHA-256) and {@link FeatureRows#FEATURIZED_WITH} match, featurizes the
 * rest, and rewrites the output with the new listing's labels, splits and positions ({@link FeatureReuse}).
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
        HadoopImages.Conf conf = new HadoopImages.Conf(spark.sparkContext().hadoopConfiguration());
        Listed listed = split(options, conf);
        DatasetSplit split = listed.split();
        List<Row> input = inputRows(split, listed.name());
        String with = featurizedWith(options);
        int partitions = options.partitions() > 0 ? options.partitions() : spark.sparkContext().defaultParallelism();
        FlatMapFunction<Iterator<Row>, Row> featurizer = wrap.apply(
                new PartitionFeaturizer(options, split.train().labels(), with, conf));
        if (FeatureReuse.exists(spark, options.output())) {
            return FeatureReuse.rerun(spark, options.output(), input, partitions, with, featurizer, conf);
        }
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(input, partitions)
                .mapPartitions(featurizer);
        spark.createDataFrame(rows, FeatureRows.OUTPUT).write().mode(SaveMode.Overwrite).parquet(options.output());
        return report(spark, options.output(), 0);
    }

    /**
     * @return the source's split: a CSV manifest's split column where every row has one (as {@code train --data}
     *     takes it), else the library's seeded stratified split of the listing. A manifest's rows may name files
     *     outside its folder (on a cluster a manifest lists files where they live, e.g. a shared mount), as
     *     {@code train --allow-outside-paths} allows
     */
    static Listed split(FeaturizeOptions options, HadoopImages.Conf conf) throws TransferKitException {
        if (HadoopImages.isUri(options.source())) {
            List<String> splits = new ArrayList<>();
            HadoopImages.Listing listing = HadoopImages.list(options.source(), conf.get(), splits);
            ImageDataset all = listing.listing().toDataset(null);
            return new Listed(bySplitColumn(all, splits).orElseGet(() -> DatasetSplit.stratified(all,
                    options.valFraction(), options.testFraction(), options.seed())), listing::name);
        }
        return new Listed(split(options), Path::toString);
    }

    /**
     * @param split the images, their parts and the entries skipped
     * @param name the name each image's path stands for in the rows: the path itself, or its Hadoop URI
     */
    record Listed(DatasetSplit split, Function<Path, String> name) {
    }

    /** @return the images split by a manifest's split column (one entry per image), or empty where a row has none */
    private static Optional<DatasetSplit> bySplitColumn(ImageDataset all, List<String> splits) {
        if (splits.isEmpty() || splits.contains(null)) {
            return Optional.empty();
        }
        List<List<LabelledImage>> parts = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int i = 0; i < all.images().size(); i++) {
            parts.get(CsvManifest.SPLITS.indexOf(splits.get(i))).add(all.images().get(i));
        }
        return Optional.of(new DatasetSplit(new ImageDataset(all.labels(), parts.get(0), all.skipped()),
                new ImageDataset(all.labels(), parts.get(1), List.of()),
                new ImageDataset(all.labels(), parts.get(2), List.of())));
    }

    /** The listing and split of a local source (a plain path). */
    static DatasetSplit split(FeaturizeOptions options) throws TransferKitException {
        Path source = Path.of(options.source());
        if (ImageDataset.isCsv(source)) {
            CsvManifest manifest = CsvManifest.read(source, true);
            if (manifest.hasSplits()) {
                return DatasetSplit.fromManifest(manifest);
            }
        }
        ImageDataset all = ImageSource.at(source, Task.SINGLE_LABEL, true).dataset();
        return DatasetSplit.stratified(all, options.valFraction(), options.testFraction(), options.seed());
    }

    /**
     * @return what makes this job's vectors, in words (backbone, weights checksum, cut point, pooling, input shape,
     *     preprocessing); opening the backbone here also refuses an unknown name or cut point before any task runs
     */
    static String featurizedWith(FeaturizeOptions options) throws TransferKitException {
        Backbone backbone = BackboneCatalog.open(options.backbone(),
                options.weights() == null ? null : Path.of(options.weights()), options.seed());
        CutPoint cut = options.cut() == null ? backbone.defaultCutPoint() : backbone.cutPoint(options.cut());
        return featurizedWith(backbone, cut, options.pooling());
    }

    /** @return what makes vectors of this backbone at this cut point with this pooling, in words */
    static String featurizedWith(Backbone backbone, CutPoint cut, HeadSpec.Pooling pooling) {
        return "backbone=" + backbone.id() + " weights=" + backbone.weightsId() + " cut=" + cut.name() + " pooling="
                + pooling.name().toLowerCase(Locale.ROOT) + " input=" + backbone.inputShape() + " preprocessing="
                + backbone.preprocessing();
    }

    /**
     * @return the partition input ({@link FeatureRows#INPUT}): every image with its label, split and position (train,
     *     val, test, each in split order), then the entries each part's listing skipped with their part and reason
     */
    static List<Row> inputRows(DatasetSplit split, Function<Path, String> name) {
        List<Row> rows = new ArrayList<>();
        List<String> labels = split.train().labels();
        String[] names = {"train", "val", "test"};
        List<ImageDataset> parts = List.of(split.train(), split.val(), split.test());
        long position = 0;
        for (int p = 0; p < 3; p++) {
            for (LabelledImage img : parts.get(p).images()) {
                rows.add(RowFactory.create(name.apply(img.path()), labels.get(img.label()), img.label(), names[p],
                        position++, null));
            }
        }
        Set<String> seen = new HashSet<>();
        for (int p = 0; p < 3; p++) {
            for (SkippedFile s : parts.get(p).skipped()) {
                if (seen.add(s.path().toString())) {
                    rows.add(RowFactory.create(name.apply(s.path()), null, null, names[p], null, s.reason()));
                }
            }
        }
        return rows;
    }

    /**
     * @param spark a session
     * @param output a featurize job's output
     * @return its counts and skipped files (sorted by path)
     */
    public static FeaturizeReport report(SparkSession spark, String output) {
        return report(spark, output, 0);
    }

    /** {@link #report(SparkSession, String)} of a run that reused {@code reused} vectors. */
    static FeaturizeReport report(SparkSession spark, String output, long reused) {
        Dataset<Row> written = spark.read().parquet(output);
        long featurized = written.filter(written.col(FeatureRows.REASON).isNull()).count();
        List<SkippedFile> skipped = new ArrayList<>();
        for (Row r : written.filter(written.col(FeatureRows.REASON).isNotNull())
                .select(FeatureRows.PATH, FeatureRows.REASON).collectAsList()) {
            skipped.add(new SkippedFile(Path.of(r.getString(0)), r.getString(1)));
        }
        skipped.sort(Comparator.comparing(s -> s.path().toString()));
        return new FeaturizeReport(output, featurized, reused, skipped);
    }
}
