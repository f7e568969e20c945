package org.transferkit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageListing;
import org.transferkit.data.ImageSource;
import org.transferkit.datavec.DataVecSource;
import org.transferkit.model.SkippedFile;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/** The DataVec-in source and TransferKit's folder source on the same folder: same labels, skips and results. */
class DataVecParityTest {
    @TempDir
    Path tmp;

    /** What one source gave. */
    private record Outcome(List<String> labels, Set<Path> skipped, double valAccuracy) {
    }

    @Test
    void sameLabelsSkippedFilesAndValidationAccuracyAsTheFolderSource() throws Exception {
        Path dir = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 12, 5);
        Files.write(dir.resolve("ring/garbage.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        Path png = Files.list(dir.resolve("star")).sorted().findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(png);
        Files.write(dir.resolve("star/truncated.png"), Arrays.copyOf(bytes, bytes.length / 3));
        Files.writeString(dir.resolve("arrow/notes.txt"), "not an image");

        Outcome folder = train(ImageSource.folder(dir));
        Outcome datavec = train(DataVecSource.of(new FileSplit(dir.toFile()), new ParentPathLabelGenerator()));
        assertEquals(folder.labels(), datavec.labels());
        assertEquals(DemoShapes.Task.TARGET.classes(), datavec.labels());
        assertEquals(Set.of(dir.resolve("ring/garbage.jpg"), dir.resolve("star/truncated.png"),
                dir.resolve("arrow/notes.txt")), datavec.skipped());
        assertEquals(folder.skipped(), datavec.skipped());
        assertEquals(folder.valAccuracy(), datavec.valAccuracy(), "same seed, same data: same validation accuracy");
    }

    private static Outcome train(ImageSource source) throws Exception {
        ImageDataset data = source.dataset();
        DatasetSplit split = DatasetSplit.stratified(data, 0.25, 0, 42);
        FineTuner tuner = FineTuner.builder(BackboneCatalog.open("demo", null, 42)).epochs(3).seed(42).build();
        try (TrainedModel model = tuner.fit(split)) {
            // one list: what the source could not use (not image files) and what did not decode while training
            assertTrue(paths(model.skipped()).containsAll(paths(data.skipped())), model.skipped().toString());
            return new Outcome(model.labels(), paths(model.skipped()), model.evaluate(split.val()).headline());
        }
    }

    private static Set<Path> paths(List<SkippedFile> skipped) {
        return skipped.stream().map(SkippedFile::path).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Real check on ../shared's ants and bees: both sources list the same labels, images and skipped files. */
    @Test
    @Tag("real-data")
    void sameLabelsAndSkippedFilesOnTheSharedPhotos() throws Exception {
        Path root = Path.of(System.getProperty("transferkit.shared", "../shared")).resolve("datasets/hymenoptera");
        assumeTrue(Files.isDirectory(root), "skipped: " + root + " is absent (real data lives in ../shared)");
        for (String part : List.of("train", "val")) {
            ImageListing folder = ImageSource.folder(root.resolve(part)).list();
            ImageListing datavec = DataVecSource.of(new FileSplit(root.resolve(part).toFile()),
                    new ParentPathLabelGenerator()).list();
            assertEquals(List.of("ants", "bees"), datavec.names(), part);
            assertEquals(folder.names(), datavec.names(), part);
            assertEquals(folder.images(), datavec.images(), part);
            assertEquals(paths(folder.skipped()), paths(datavec.skipped()), part);
            assertTrue(datavec.images().size() > 100, part + ": " + datavec.images().size());
        }
    }
}
