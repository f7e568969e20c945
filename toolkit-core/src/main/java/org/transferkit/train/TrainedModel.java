package org.transferkit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.engine.Runner;
import org.transferkit.eval.Evaluator;
import org.transferkit.eval.HtmlReport;
import org.transferkit.model.EpochStats;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;

/**
 * A trained model, as {@link FineTuner#fit} returns it: it evaluates any labelled images into its task's report,
 * writes {@code metrics.json} and the HTML report, and saves the one-file classifier that
 * {@code org.transferkit.serve.ImageClassifier} loads. Holds the network's native memory until {@link #close()}.
 * Not thread-safe: use it from one thread (load the saved file into an {@code ImageClassifier} to serve).
 */
public final class TrainedModel implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainingResult result;
    private final Backbone backbone;
    private final FineTune settings;
    private final RunEnvironment env;
    private final double threshold;
    private boolean closed;

    TrainedModel(TrainingResult result, Backbone backbone, FineTune settings, RunEnvironment env, double threshold) {
        this.env = env;
        this.result = result;
        this.backbone = backbone;
        this.settings = settings;
        this.threshold = threshold;
    }

    /** @return what the model predicts */
    public Task task() {
        return result.task();
    }

    /** @return the names of its outputs: classes, labels or targets */
    public List<String> labels() {
        return result.labels();
    }

    /** @return one entry per epoch of every phase */
    public List<EpochStats> history() {
        return result.history();
    }

    /** @return the 1-based epoch whose weights the model holds */
    public int bestEpoch() {
        return result.bestEpoch();
    }

    /** @return the decision threshold saved with the model (multi-label; 0.5 for other tasks) */
    public double threshold() {
        return threshold;
    }

    /**
     * @return files left out of training and validation, with reasons: those their sources could not use (not an
     *     image file name, a dangling link, a link loop, a CSV row whose file is missing or outside the CSV's folder)
     *     and those that did not decode whole (corrupt, empty, over the pixel cap, partly decodable); each once,
     *     sorted by path
     */
    public List<SkippedFile> skipped() {
        return result.skipped();
    }

    /**
     * @param report an evaluation of this model
     * @return every file left out of training, validation and the report, each once with its reason, sorted by path:
     *     the list {@code metrics.json} and the CLI show
     */
    public List<SkippedFile> skipped(TaskReport report) {
        return SkippedFile.merge(result.skipped(), report.skipped());
    }

    /** @return what the head search did (candidates, cross-validated scores, the winner), or null when it was off */
    public HeadSearch.Result search() {
        return result.search();
    }

    /** @return training images used (augmented copies not counted) */
    public int trainImages() {
        return result.trainImages();
    }

    /** @return validation images used */
    public int valImages() {
        return result.valImages();
    }

    /** @return the preprocessing the model expects (the backbone's, or the override) */
    public Preprocessing preprocessing() {
        return result.preprocessing();
    }

    /** @return names of the backbone layers kept frozen, in order (empty for a model trained from scratch) */
    public List<String> frozenLayers() {
        return result.frozenLayers();
    }

    /** @return the settings it was trained with */
    public FineTune settings() {
        return settings;
    }

    /**
     * Evaluates the model on labelled images (typically the test split), at its {@link #threshold()}.
     *
     * @param images images of the model's task and labels
     * @return the task's report; undecodable files are listed in it, not thrown
     * @throws IllegalArgumentException if the images have another task or other labels
     * @throws IllegalStateException if the model is closed
     */
    public TaskReport evaluate(ImageDataset images) {
        checkOpen();
        checkFits(images);
        try (ImagePipeline p = pipeline(result, backbone, settings, env, images)) {
            return Evaluator.evaluate(result.graph(), p, result.task(), threshold, env.runtime().engine());
        }
    }

    /**
     * Evaluates the model on labelled feature vectors (typically the test split featurized on a cluster) without
     * running the backbone: the report {@link #evaluate(ImageDataset)} gives on the images the vectors came from.
     *
     * @param features vectors made by the model's backbone at its cut point and pooling, of the model's classes, in
     *     memory ({@link FeatureSet}) or read batch by batch (only the outputs, one value per class and image, are
     *     kept)
     * @return the single-label report; the set's skipped files are listed in it
     * @throws IllegalArgumentException if the labels or the vectors' length do not fit the model
     * @throws IllegalStateException if the model is closed
     */
    public TaskReport evaluate(FeatureSource features) {
        checkOpen();
        return FeatureTraining.evaluate(result, settings.head(), features, threshold);
    }

    /**
     * The metrics of a run as {@code metrics.json} holds them: the report's metrics, which images it was computed on,
     * the images used and every skipped file with its reason ({@link #skipped(TaskReport)}: training's and the
     * report's, each once).
     *
     * @param report an evaluation of this model
     * @param evaluatedOn what the report's images were, e.g. {@code test}
     * @return a JSON-ready map (insertion-ordered)
     */
    public Map<String, Object> metrics(TaskReport report, String evaluatedOn) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("evaluated_on", evaluatedOn);
        m.putAll(report.toMap());
        m.put("best_epoch", result.bestEpoch());
        HeadSearch.Result search = result.search();
        if (search != null && search.ran()) {
            m.put("epoch_chosen_on", "cross-validation on the training images (" + search.folds() + " folds, "
                    + search.chosen().epochs() + " epochs); the validation images chose nothing (last epoch kept)"
                    + (task().usesThreshold() ? " except the decision threshold" : ""));
        } else {
            m.put("epoch_chosen_on", result.valImages() > 0 ? "val" : "last epoch (no validation images)");
        }
        m.put("head_search", search == null ? Map.of("mode", settings.search().toString(), "ran", false,
                "why", "off, or not applicable (backbone trained from scratch, or phase 2)") : search.toMap());
        Map<String, Object> used = new LinkedHashMap<>();
        used.put("train", result.trainImages());
        used.put("val", result.valImages());
        used.put(evaluatedOn.equals("val") ? "val_eval" : evaluatedOn, report.total());
        m.put("images_used", used);
        List<SkippedFile> skipped = skipped(report);
        m.put("images_skipped", skipped.size());
        m.put("skipped", skipped.stream().map(s -> Map.of("path", s.path().toString(), "reason", s.reason())).toList());
        return m;
    }

    /**
     * Writes {@code metrics} as indented JSON, replacing the file.
     *
     * @param file where to write (parent folders are created)
     * @param metrics e.g. {@link #metrics(TaskReport, String)}
     * @throws TransferKitException if it cannot be written; the message names the file
     */
    public static void writeJson(Path file, Map<String, Object> metrics) throws TransferKitException {
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            JSON.writeValue(abs.toFile(), metrics);
        } catch (IOException e) {
            throw new TransferKitException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the self-contained HTML report: metrics, training curves and, for single-label models, the confusion
     * matrix and the most confidently misclassified images.
     *
     * @param file where to write
     * @param title the page title
     * @param report an evaluation of this model
     * @throws TransferKitException if it cannot be written
     */
    public void writeReport(Path file, String title, TaskReport report) throws TransferKitException {
        HtmlReport.write(file, title, report, result.history(), result.search() == null ? null : result.search().toMap());
    }

    /**
     * Saves the one-file classifier (network and manifest with provenance: backbone, weights checksum, settings,
     * history, versions) beside {@code file} and moves it into place.
     *
     * @param file the classifier file
     * @param metrics final metrics to record in the manifest (may be empty)
     * @throws TransferKitException if it cannot be written
     * @throws IllegalStateException if the model is closed
     */
    public void save(Path file, Map<String, Object> metrics) throws TransferKitException {
        checkOpen();
        ClassifierBundle bundle = result.toBundle(backbone, settings, metrics, threshold);
        bundle.save(file); // the bundle shares this model's network: not closed here
    }

    /**
     * @return the door to Deeplearning4j for power users: the underlying network (owned by this model; valid until
     *     {@link #close()})
     */
    public Interop interop() {
        checkOpen();
        return new Interop(result.graph());
    }

    /**
     * The DL4J objects behind a trained model.
     *
     * @param graph the trained network: frozen backbone and head, with the best epoch's weights
     */
    public record Interop(ComputationGraph graph) {
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            result.graph().close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the trained model is closed");
        }
    }

    private void checkFits(ImageDataset images) {
        if (images.task() != result.task() || !images.labels().equals(result.labels())) {
            throw new IllegalArgumentException("images are " + images.task().id() + " " + images.labels()
                    + " but the model is " + result.task().id() + " " + result.labels());
        }
    }

    /** Network outputs and targets of a set of images. */
    record Outputs(float[][] outputs, float[][] targets) {
    }

    static Outputs outputs(TrainingResult r, Backbone backbone, FineTune settings, RunEnvironment env,
            ImageDataset images) {
        List<float[]> outs = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        try (ImagePipeline p = pipeline(r, backbone, settings, env, images);
                Runner runner = Runner.ofOutput(r.graph(), env.runtime().engine())) {
            while (p.hasNext()) {
                DataSet ds = p.next();
                outs.addAll(List.of(runner.output(ds.getFeatures()).toFloatMatrix()));
                targets.addAll(List.of(ds.getLabels().toFloatMatrix()));
            }
        }
        return new Outputs(outs.toArray(new float[0][]), targets.toArray(new float[0][]));
    }

    private static ImagePipeline pipeline(TrainingResult r, Backbone backbone, FineTune settings, RunEnvironment env,
            ImageDataset images) {
        return ImagePipeline.builder(images).shape(backbone.inputShape()).preprocessing(r.preprocessing())
                .batchSize(settings.batchSize()).threads(env.decodeThreads()).build();
    }
}
