package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.transferkit.backbone.Backbone;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.TargetManifest;
import org.transferkit.task.Task;
import org.transferkit.eval.Evaluator;
import org.transferkit.task.MultiLabelReport;
import org.transferkit.head.HeadSpec;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;
import org.transferkit.train.FineTune;
import org.transferkit.train.Trainer;
import org.transferkit.train.TrainingListener;
import org.transferkit.train.TrainingResult;
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
        FineTune settings = FineTune.builder().epochs(40).learningRate(3e-3).seed(42).cutPoint("conv4")
                .head(HeadSpec.builder().task(Task.MULTI_LABEL).pooling(HeadSpec.Pooling.MAX).hidden(64).build()).build();
        TrainingResult trained = Trainer.fit(backbone, split, settings, TrainingListener.NONE);

        MultiLabelReport val = report(trained, backbone, split.val(), 0.5);
        double threshold = val.tuneThreshold(); // tuned on validation, reported on test
        MultiLabelReport test = report(trained, backbone, split.test(), threshold);
        try (ClassifierBundle bundle = trained.toBundle(backbone, settings, test.toMap(), threshold)) {
            bundle.save(out);
        }
        Path first = split.test().images().get(0).path();
        try (ImageClassifier model = ImageClassifier.load(out)) {
            Prediction.Labels predicted = (Prediction.Labels) model.predict(first);
            List<String> labels = predicted.present().stream().map(ScoredLabel::label).toList();
            return new Result(test.microF1(), threshold, test.toTable(), first, labels, out.toAbsolutePath());
        }
    }

    private static MultiLabelReport report(TrainingResult r, Backbone b, org.transferkit.data.ImageDataset set,
            double threshold) {
        try (ImagePipeline p = ImagePipeline.builder(set).shape(b.inputShape()).preprocessing(r.preprocessing()).build()) {
            return (MultiLabelReport) Evaluator.evaluate(r.graph(), p, Task.MULTI_LABEL, threshold);
        }
    }
}
