package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.TargetManifest;
import org.transferkit.task.Task;
import org.transferkit.task.RegressionReport;
import org.transferkit.head.HeadSpec;
import org.transferkit.task.Loss;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoScenes;

/**
 * Regression: how many shapes a scene holds (0 to 4), predicted as a number. Linear output, MSE (or MAE), targets
 * standardized while training and predicted in their own units; MAE, RMSE and R² on the test images.
 */
public final class RegressionExample {
    /**
     * What the example measured.
     *
     * @param r2 R² on the test images
     * @param mae mean absolute error on the test images, in shapes
     * @param report the metrics table
     * @param firstImage a test image
     * @param firstValues the saved model's prediction for it
     * @param model the saved model
     */
    public record Result(double r2, double mae, String report, Path firstImage, Map<String, Double> firstValues,
            Path model) {
    }

    private RegressionExample() {
    }

    /** @param args {@code [CSV [OUT_FILE [LOSS]]]} @throws Exception on failure */
    public static void main(String[] args) throws Exception {
        Result r = run(args);
        System.out.print(r.report());
        System.out.printf("%s -> %s; saved %s%n", r.firstImage(), r.firstValues(), r.model());
    }

    /**
     * @param args {@code [CSV [OUT_FILE [LOSS]]]}: a CSV with header {@code path,TARGET...[,split]} (default: generated
     *     scenes and their shape counts), where to save the model (default {@code regression-model.zip}), and
     *     {@code mse} or {@code mae} (default mse)
     * @return what it measured
     * @throws Exception if the data, the backbone or the output cannot be used
     */
    public static Result run(String... args) throws Exception {
        Path csv = args.length > 0 ? Path.of(args[0])
                : DemoScenes.write(Files.createTempDirectory("scenes"), 300, 6).resolve(DemoScenes.COUNTS_CSV);
        Path out = args.length > 1 ? Path.of(args[1]) : Path.of("regression-model.zip");
        Loss loss = args.length > 2 ? Loss.parse(args[2]) : Loss.MSE;
        DatasetSplit split = TargetManifest.read(csv, Task.REGRESSION).split();

        Backbone backbone = BackboneCatalog.open("demo", null, 42);
        FineTuner tuner = FineTuner.builder(backbone).epochs(40).learningRate(1e-3).seed(42)
                .head(HeadSpec.builder().task(Task.REGRESSION).loss(loss).hidden(64).build()).build();
        RegressionReport test;
        try (TrainedModel trained = tuner.fit(split)) {
            test = (RegressionReport) trained.evaluate(split.test());
            trained.save(out, trained.metrics(test, "test"));
        }
        Path first = split.test().images().get(0).path();
        try (ImageClassifier model = ImageClassifier.load(out)) {
            return new Result(test.headline(), test.mae(0), test.toTable(), first,
                    ((Prediction.Values) model.predict(first)).values(),
                    out.toAbsolutePath());
        }
    }
}
