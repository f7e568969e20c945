package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.ConvNet;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.task.EvaluationReport;
import org.transferkit.explain.ModelSummary;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/**
 * A CNN written in a few lines and trained from scratch, against transfer learning on the same images:
 * the from-scratch baseline every transfer result should be compared with.
 */
public final class FromScratchExample {
    /**
     * What the example measured.
     *
     * @param scratchAccuracy test accuracy of the CNN trained from scratch
     * @param transferAccuracy test accuracy of a new head on the pretrained demo backbone
     * @param summary the from-scratch model's layer table
     */
    public record Result(double scratchAccuracy, double transferAccuracy, String summary) {
    }

    private FromScratchExample() {
    }

    /** @param args {@code [DATA_DIR [EPOCHS]]} @throws Exception on failure */
    public static void main(String[] args) throws Exception {
        Result r = run(args);
        System.out.print(r.summary());
        System.out.printf("test accuracy: from scratch %.4f, transfer %.4f%n", r.scratchAccuracy(), r.transferAccuracy());
    }

    /**
     * @param args {@code [DATA_DIR [EPOCHS]]}: a folder of class sub-folders (default: generated demo shapes) and the
     *     epochs of both runs (default 15)
     * @return what it measured
     * @throws Exception if the data or the demo backbone cannot be read
     */
    public static Result run(String... args) throws Exception {
        Path data = args.length > 0 ? Path.of(args[0])
                : DemoShapes.writeDataset(Files.createTempDirectory("scratch-shapes"), DemoShapes.Task.TARGET, 60, 11);
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(data), 0.2, 0.2, 42);
        Backbone demo = BackboneCatalog.open("demo", null, 42);

        // the whole network in a few lines, Keras-Sequential style; the softmax layer comes with the head
        ConvNet cnn = ConvNet.builder(demo.inputShape())
                .conv2d(32, 3).maxPool(2)
                .conv2d(64, 3).maxPool(2)
                .conv2d(64, 3)
                .flatten().dense(64)
                .build();
        String summary = ModelSummary.of(cnn.configuration(), cnn.inputShape()).toTable();

        // the CNN ends in its own dense layer, so its head is the output layer alone; the transfer head adds one hidden
        // layer to the frozen features (the default head)
        double scratch = trainAndTest(cnn, HeadSpec.linear(), epochs, split);
        double transfer = trainAndTest(demo, HeadSpec.builder().build(), epochs, split);
        return new Result(scratch, transfer, summary);
    }

    private static double trainAndTest(Backbone b, HeadSpec head, int epochs, DatasetSplit split)
            throws TransferKitException {
        FineTuner tuner = FineTuner.builder(b).head(head).epochs(epochs).learningRate(1e-3).seed(42).build();
        try (TrainedModel model = tuner.fit(split)) {
            return ((EvaluationReport) model.evaluate(split.test())).accuracy();
        }
    }
}
