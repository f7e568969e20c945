package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;
import org.transferkit.train.TrainingListener;
import org.transferkit.task.TaskReport;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
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
        ImageDataset photos = ImageDataset.fromFolder(data);
        DatasetSplit split = DatasetSplit.stratified(photos, 0.2, 0.2, 42);

        // 2. a backbone by name: its input size, preprocessing and cut points come with it
        Backbone backbone = BackboneCatalog.open("demo", null, 42);

        // 3. fine-tune a new head on the frozen backbone, evaluate on the test split, save one file
        FineTuner tuner = FineTuner.builder(backbone).epochs(10).learningRate(1e-3).seed(42)
                .listener(TrainingListener.onEpoch(stats -> System.out.printf("epoch %d  loss %.3f  val %s %.3f%n",
                        stats.epoch(), stats.trainLoss(), stats.metric(), stats.valMetric())))
                .build();
        double accuracy;
        try (TrainedModel model = tuner.fit(split)) {
            TaskReport report = model.evaluate(split.test());
            model.save(out, model.metrics(report, "test"));
            accuracy = report.headline();
        }

        // 4. in a service: load once, predict from any thread
        Path first = split.test().images().get(0).path();
        try (ImageClassifier classifier = ImageClassifier.load(out)) {
            Prediction.Classes top = (Prediction.Classes) classifier.predict(first, 2); // a single-label model
            return new Result(accuracy, out.toAbsolutePath(), top.top(), first);
        }
    }
}
