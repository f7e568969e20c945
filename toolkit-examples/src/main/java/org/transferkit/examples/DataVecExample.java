package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.datavec.api.io.filters.BalancedPathFilter;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.transform.FlipImageTransform;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.PipelineImageTransform;
import org.datavec.image.transform.RotateImageTransform;
import org.nd4j.common.primitives.Pair;
import org.transferkit.TransferKitException;
import org.transferkit.data.ImageDataset;
import org.transferkit.datavec.DataVecAugmentation;
import org.transferkit.datavec.DataVecSource;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.TaskReport;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/**
 * A DataVec image pipeline in the style of DL4J's animal-classification example ({@code FileSplit} +
 * {@code ParentPathLabelGenerator} + {@code BalancedPathFilter} + {@code ImageTransform}s) fine-tuning a TransferKit
 * backbone. Where the DL4J example hands the split to an {@code ImageRecordReader}
 * ({@code recordReader.initialize(trainData, transform)}), this hands the same split and label generator to
 * {@link DataVecSource} and the same transform to {@link DataVecAugmentation}; TransferKit then decodes (skipping
 * and reporting files that do not decode), preprocesses for the backbone and trains.
 */
public final class DataVecExample {
    /**
     * What the example measured.
     *
     * @param labels the class names, as the label generator named them
     * @param trainImages images in the training split
     * @param testAccuracy accuracy on the test split
     * @param skipped files left out while training, with reasons
     */
    public record Result(List<String> labels, int trainImages, double testAccuracy, List<SkippedFile> skipped) {
    }

    private DataVecExample() {
    }

    /**
     * @param args {@code [DATA_DIR]}
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        Result r = run(args);
        System.out.printf("classes %s, %d training images, test accuracy %.4f, %d files skipped%n", r.labels(),
                r.trainImages(), r.testAccuracy(), r.skipped().size());
        r.skipped().forEach(s -> System.out.println("  skipped " + s));
    }

    /**
     * @param args {@code [DATA_DIR]}: a folder with one sub-folder per class; default: generated demo shapes
     * @return what it measured
     * @throws Exception if the data cannot be read or written, or training fails
     */
    public static Result run(String... args) throws Exception {
        Path data = args.length > 0 ? Path.of(args[0])
                : DemoShapes.writeDataset(Files.createTempDirectory("datavec-shapes"), DemoShapes.Task.TARGET, 30, 7);
        return run(data, 42);
    }

    static Result run(Path data, long seed) throws TransferKitException {
        // 1. the DataVec part, as in DL4J's examples: files, labels from the parent folder, a balanced 70/15/15 split
        Random rng = new Random(seed);
        ParentPathLabelGenerator labelMaker = new ParentPathLabelGenerator();
        FileSplit files = new FileSplit(data.toFile(), NativeImageLoader.ALLOWED_FORMATS, rng);
        BalancedPathFilter pathFilter = new BalancedPathFilter(rng, NativeImageLoader.ALLOWED_FORMATS, labelMaker);
        InputSplit[] parts = files.sample(pathFilter, 70, 15, 15);
        ImageTransform transform = new PipelineImageTransform(seed, List.of(
                new Pair<>(new FlipImageTransform(rng), 0.5),
                new Pair<>(new RotateImageTransform(rng, 15), 0.5)), false);

        // 2. DataVec in: the same splits and label generator an ImageRecordReader would get
        ImageDataset train = DataVecSource.of(parts[0], labelMaker).dataset();
        ImageDataset val = DataVecSource.of(parts[1], labelMaker).dataset(train.labels());
        ImageDataset test = DataVecSource.of(parts[2], labelMaker).dataset(train.labels());

        // 3. a TransferKit fine-tune, the DataVec transform as its augmentation (two augmented copies)
        FineTuner tuner = FineTuner.builder(BackboneCatalog.open("demo", null, seed)).epochs(10).seed(seed)
                .settings(s -> s.augment(DataVecAugmentation.of(transform), 2)).build();
        try (TrainedModel model = tuner.fit(train, val)) {
            TaskReport report = model.evaluate(test);
            return new Result(train.labels(), train.size(), report.headline(), model.skipped());
        }
    }
}
