package org.transferkit.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageSource;
import org.transferkit.data.LabelledImage;
import org.transferkit.eval.HtmlReport;
import org.transferkit.model.SkippedFile;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;
import org.transferkit.train.TrainedModel;

/**
 * The Spark job that predicts a large set of images with a saved classifier: the classifier file is shipped to
 * the executors ({@code SparkContext.addFile}) and each partition loads it once, predicts its images in batches and
 * closes it ({@link PartitionPredictor}); one Parquet row per image ({@link PredictionRows#OUTPUT}: the prediction
 * and the raw outputs, or why the file was skipped). For labelled images the driver then streams the rows back
 * ({@code toLocalIterator}) and builds the same report {@code ImageClassifier.evaluate} gives on one machine,
 * written as metrics.json and report.html where asked.
 *
 * <p>Run it with {@code spark-submit --class org.transferkit.spark.PredictJob JAR} and the arguments of
 * {@link PredictOptions#USAGE}.
 */
public final class PredictJob {
    private PredictJob() {
    }

    /**
     * The {@code spark-submit} entry point.
     *
     * @param args the arguments of {@link PredictOptions#USAGE}
     * @throws TransferKitException if the classifier or the images cannot be read, or an output not written
     * @throws IllegalArgumentException if an argument is unknown or bad
     */
    public static void main(String[] args) throws TransferKitException {
        PredictOptions options = PredictOptions.parse(args);
        SparkSession spark = SparkSession.builder().appName("transferkit-predict").getOrCreate();
        try {
            System.out.println(run(spark, options).describe());
        } finally {
            spark.stop();
        }
    }

    /**
     * Predicts every listed image and writes the rows; evaluates labelled images.
     *
     * @param spark the session
     * @param options what to read and write
     * @return the counts, the skipped files and, for labelled images, the evaluation
     * @throws TransferKitException if the classifier or the listing cannot be read, or metrics not written
     * @throws IllegalArgumentException if labelled images have classes the classifier does not know
     */
    public static PredictReport run(SparkSession spark, PredictOptions options) throws TransferKitException {
        Path model = Path.of(options.model()).toAbsolutePath();
        HadoopImages.Conf conf = new HadoopImages.Conf(spark.sparkContext().hadoopConfiguration());
        try (ImageClassifier classifier = ImageClassifier.load(model)) {
            ImageDataset labelled = null;
            Function<Path, String> name = Path::toString;
            if (options.source() != null && HadoopImages.isUri(options.source())) {
                if (classifier.task() != Task.SINGLE_LABEL) {
                    throw new IllegalArgumentException("--source " + options.source() + ": images on a Hadoop file "
                            + "system are listed for single-label classifiers; this one is " + classifier.task().id());
                }
                HadoopImages.Listing listing = HadoopImages.list(options.source(), conf.get(), new ArrayList<>());
                labelled = listing.listing().toDataset(classifier.labels());
                name = listing::name;
            } else if (options.source() != null) {
                labelled = ImageSource.at(Path.of(options.source()), classifier.task(), true)
                        .dataset(classifier.labels());
            }
            List<Row> input = labelled != null ? labelledRows(labelled, classifier.task(), name)
                    : HadoopImages.isUri(options.images()) ? HadoopImages.imageFiles(options.images(), conf.get())
                            .stream().map(f -> RowFactory.create(f, null, null)).toList()
                    : unlabelled(Path.of(options.images()));
            spark.sparkContext().addFile(model.toUri().toString());
            int partitions = options.partitions() > 0 ? options.partitions()
                    : spark.sparkContext().defaultParallelism();
            JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(input, partitions)
                    .mapPartitions(new PartitionPredictor(model.getFileName().toString(), options.batchSize(), conf));
            spark.createDataFrame(rows, PredictionRows.OUTPUT).write().mode(SaveMode.Overwrite)
                    .parquet(options.output());
            Dataset<Row> written = spark.read().parquet(options.output());
            List<SkippedFile> skipped = skipped(written);
            long predicted = written.count() - skipped.size();
            TaskReport report = labelled == null ? null : evaluate(written, labelled, name, classifier, skipped);
            if (report != null && options.metrics() != null) {
                writeMetrics(Path.of(options.metrics()), report, options);
            }
            return new PredictReport(options.output(), predicted, skipped, report);
        }
    }

    private static List<Row> labelledRows(ImageDataset images, Task task, Function<Path, String> name) {
        List<Row> rows = new ArrayList<>();
        for (LabelledImage img : images.images()) {
            rows.add(RowFactory.create(name.apply(img.path()), labelText(img, images.labels(), task), null));
        }
        for (SkippedFile s : images.skipped()) {
            rows.add(RowFactory.create(name.apply(s.path()), null, s.reason()));
        }
        return rows;
    }

    /** @return the class name (single-label), the {@code ;}-joined labels (multi-label), null for regression */
    private static String labelText(LabelledImage img, List<String> labels, Task task) {
        if (task == Task.SINGLE_LABEL) {
            return labels.get(img.label());
        }
        if (task == Task.MULTI_LABEL) {
            float[] t = img.targetRow(labels.size());
            List<String> present = new ArrayList<>();
            for (int i = 0; i < t.length; i++) {
                if (t[i] > 0.5f) {
                    present.add(labels.get(i));
                }
            }
            return String.join(";", present);
        }
        return null;
    }

    /** @return every image file under {@code dir}, sorted, as unlabelled rows */
    private static List<Row> unlabelled(Path dir) throws DatasetException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> Files.isRegularFile(f) && ImageDataset.isImageName(f)).sorted()
                    .map(f -> RowFactory.create(f.toString(), null, null)).toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list the images under " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<SkippedFile> skipped(Dataset<Row> written) {
        List<SkippedFile> skipped = new ArrayList<>();
        for (Row r : written.filter(written.col(PredictionRows.REASON).isNotNull())
                .select(PredictionRows.PATH, PredictionRows.REASON).orderBy(PredictionRows.PATH).collectAsList()) {
            skipped.add(new SkippedFile(Path.of(r.getString(0)), r.getString(1)));
        }
        return skipped;
    }

    /** @return the task's report on the written predictions, streamed to the driver partition by partition */
    private static TaskReport evaluate(Dataset<Row> written, ImageDataset images, Function<Path, String> name,
            ImageClassifier classifier, List<SkippedFile> skipped) {
        Map<String, LabelledImage> byPath = new HashMap<>();
        images.images().forEach(i -> byPath.put(name.apply(i.path()), i));
        int k = classifier.labels().size();
        List<float[]> outputs = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        Iterator<Row> it = written.filter(written.col(PredictionRows.REASON).isNull())
                .select(PredictionRows.PATH, PredictionRows.SCORES).orderBy(PredictionRows.PATH).toLocalIterator();
        while (it.hasNext()) {
            Row r = it.next();
            List<Float> s = r.getList(1);
            float[] out = new float[s.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = s.get(i);
            }
            outputs.add(out);
            targets.add(byPath.get(r.getString(0)).targetRow(k));
            paths.add(Path.of(r.getString(0)));
        }
        return classifier.task().report(classifier.labels(), outputs.toArray(new float[0][]),
                targets.toArray(new float[0][]), paths, classifier.threshold(), skipped);
    }

    private static void writeMetrics(Path file, TaskReport report, PredictOptions options)
            throws TransferKitException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("evaluated_on", options.source());
        m.put("model", options.model());
        m.putAll(report.toMap());
        m.put("images_skipped", report.skipped().size());
        m.put("skipped", report.skipped().stream()
                .map(s -> Map.of("path", HadoopImages.shown(s.path()), "reason", s.reason())).toList());
        Path abs = file.toAbsolutePath();
        TrainedModel.writeJson(abs, m);
        HtmlReport.write(abs.resolveSibling("report.html"), Path.of(options.model()).getFileName() + " on "
                + options.source(), report, List.of());
    }
}
