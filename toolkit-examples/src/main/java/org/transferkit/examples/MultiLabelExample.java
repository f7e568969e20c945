package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.TargetManifest;
import org.transferkit.task.Task;
import org.transferkit.task.MultiLabelReport;
import org.transferkit.head.HeadSpec;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoScenes;

/**
 * Multi-label: which shapes appear in a scene (any number, possibly none). A sigmoid per label, binary
 * cross-entropy, a decision threshold tuned on validation images and saved in the model.
 */
public final class MultiLabelExample {
    /**
     * What the example measured.
     *
     * @param microF1 micro-F1 on the test images at the tuned threshold
     * @param threshold the tuned threshold
     * @param report the per-label table
     * @param firstImage a test image
     * @param firstLabels the labels the saved model predicts for it
     * @param model the saved model
     */
    public record Result(double microF1, double threshold, String report, Path firstImage, List<String> firstLabels,
            Path model) {
    }

    private MultiLabelExample() {
    }

    /** @param args {@code [CSV [OUT_FILE]]} @throws Exception on failure */
    public static void main(String[] args) throws Exception {
        Result r = run(args);
        System.out.print(r.report());
        System.out.printf("%s -> %s; saved %s%n", r.firstImage(), r.firstLabels(), r.model());
    }

    /**
     * @param args {@code [CSV [OUT_FILE]]}: a CSV {@code path,label1;label2[,split]} (default: generated scenes) and
     *     where to save the model (default {@code multilabel-model.zip})
     * @return what it measured
     * @throws Exception if the data, the backbone or the output cannot be used
     */
    public static Result run(String... args) throws Exception {
        Path csv = args.length > 0 ? Path.of(args[0])
                : DemoScenes.write(Files.createTempDirectory("scenes"), 300, 5).resolve(DemoScenes.LABELS_CSV);
        Path out = args.length > 1 ? Path.of(args[1]) : Path.of("multilabel-model.zip");
        DatasetSplit split = TargetManifest.read(csv, Task.MULTI_LABEL).split();

        Backbone backbone = BackboneCatalog.open("demo", null, 42);
        // a shape can sit in any quadrant: cut at the last 4x4 feature map and keep each feature's maximum over the
        // map (is it anywhere?) rather than its average
        FineTuner tuner = FineTuner.builder(backbone).epochs(40).learningRate(3e-3).seed(42)
                .head(HeadSpec.builder().task(Task.MULTI_LABEL).pooling(HeadSpec.Pooling.MAX).hidden(64).build())
                .settings(s -> s.cutPoint("conv4")).build();
        double threshold;
        MultiLabelReport test;
        try (TrainedModel trained = tuner.fit(split)) {
            threshold = trained.threshold(); // tuned on validation (best micro-F1), reported on test
            test = (MultiLabelReport) trained.evaluate(split.test());
            trained.save(out, trained.metrics(test, "test"));
        }
        Path first = split.test().images().get(0).path();
        try (ImageClassifier model = ImageClassifier.load(out)) {
            Prediction.Labels predicted = (Prediction.Labels) model.predict(first);
            List<String> labels = predicted.present().stream().map(ScoredLabel::label).toList();
            return new Result(test.microF1(), threshold, test.toTable(), first, labels, out.toAbsolutePath());
        }
    }
}
