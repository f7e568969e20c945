package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.task.EvaluationReport;
import org.transferkit.eval.Evaluator;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.ScoredLabel;
import org.transferkit.train.FineTune;
import org.transferkit.train.Trainer;
import org.transferkit.train.TrainingListener;
import org.transferkit.train.TrainingResult;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/**
 * The library API from a folder of images to a prediction, in one page:
 * scan → split → fine-tune a frozen backbone → evaluate → save one file → load → predict.
 *
 * <p>{@code run(folder, out)} works on any folder with one sub-folder per class; with no folder it
 * generates the demo shapes first.
 */
public final class QuickStart {
    /**
     * What the example measured.
     *
     * @param testAccuracy accuracy on the held-out test split
     * @param classifier the saved classifier file
     * @param firstPrediction the top prediction for the first test image
     * @param firstImage that image
     */
    public record Result(double testAccuracy, Path classifier, ScoredLabel firstPrediction, Path firstImage) {
    }

    private QuickStart() {
    }

    /**
     * @param args {@code [DATA_DIR [OUT_FILE]]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Result r = run(args);
        System.out.printf("test accuracy %.4f; %s -> %s (%.3f); saved %s%n", r.testAccuracy(), r.firstImage(),
                r.firstPrediction().label(), r.firstPrediction().probability(), r.classifier());
    }

    /**
     * @param args {@code [DATA_DIR [OUT_FILE]]}; defaults: generated demo shapes in a temp folder,
     *     {@code quickstart-classifier.zip} in the working folder
     * @return what it measured
     * @throws Exception if data, weights or the output file cannot be used
     */
    public static Result run(String... args) throws Exception {
        Path data = args.length > 0 ? Path.of(args[0])
                : DemoShapes.writeDataset(Files.createTempDirectory("quickstart-shapes"), DemoShapes.Task.TARGET, 40, 7);
        Path out = args.length > 1 ? Path.of(args[1]) : Path.of("quickstart-classifier.zip");
        return run(data, out);
    }

    static Result run(Path data, Path out) throws TransferKitException {
        // 1. labelled files: one sub-folder per class; a seeded stratified 60/20/20 split
        ImageDataset all = ImageDataset.fromFolder(data);
        DatasetSplit split = DatasetSplit.stratified(all, 0.2, 0.2, 42);

        // 2. a backbone by name: its input size, preprocessing and cut points come with it
        Backbone backbone = BackboneCatalog.open("demo", null, 42);

        // 3. fine-tune a new head on the frozen backbone
        FineTune settings = FineTune.builder().epochs(10).learningRate(1e-3).seed(42).build();
        TrainingResult trained = Trainer.fit(backbone, split, settings, TrainingListener.onEpoch(stats ->
                System.out.printf("epoch %d  loss %.3f  val acc %.3f%n", stats.epoch(), stats.trainLoss(),
                        stats.valMetric())));

        // 4. evaluate on the test split, then save everything in one file
        EvaluationReport report;
        try (ImagePipeline test = ImagePipeline.builder(split.test()).shape(backbone.inputShape())
                .preprocessing(backbone.preprocessing()).build()) {
            report = Evaluator.evaluate(trained.graph(), test);
        }
        try (ClassifierBundle bundle = trained.toBundle(backbone, settings, report.toMap())) {
            bundle.save(out);
        }

        // 5. in a service: load once, predict from any thread
        Path first = split.test().images().get(0).path();
        try (ImageClassifier classifier = ImageClassifier.load(out)) {
            List<ScoredLabel> top = ((org.transferkit.task.Prediction.Classes) classifier.predict(first, 2)).ranked();
            return new Result(report.accuracy(), out.toAbsolutePath(), top.get(0), first);
        }
    }
}
