package org.transferkit.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.ModelFormatException;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.train.FineTune;

class ClassifierBundleTest {
    @TempDir
    static Path tmp;
    static Path saved;
    static INDArray input;
    static INDArray expected;

    @BeforeAll
    static void trainAndSave() throws Exception {
        ImageDataset ds = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("data"), 6, 1, "red", "blue"));
        FineTune settings = FineTune.builder().epochs(2).batchSize(4).seed(9).build();
        TinyBackbone bb = new TinyBackbone(2);
        saved = tmp.resolve("out/model.zip");
        input = Nd4j.rand(new long[] {3, 3, 16, 16});
        try (TrainedModel r = FineTuner.builder(bb).settings(settings).build().fit(DatasetSplit.stratified(ds, 0.2, 0, 1))) {
            expected = r.interop().graph().outputSingle(false, input).dup();
            r.save(saved, Map.of("accuracy", 1.0));
        }
    }

    @Test
    void roundTripKeepsNetworkLabelsAndProvenance() throws Exception {
        try (ClassifierBundle b = ClassifierBundle.load(saved)) {
            assertArrayEquals(expected.toFloatMatrix()[0], b.graph().outputSingle(false, input).toFloatMatrix()[0], 1e-6f);
            BundleManifest m = b.manifest();
            assertEquals(List.of("blue", "red"), m.labels());
            assertEquals("tiny", m.backbone());
            assertEquals("random(seed=2)", m.weights());
            assertEquals("conv2", m.cutPoint());
            assertEquals(List.of("conv1", "pool1", "conv2"), m.frozenLayers());
            assertEquals(9, ((Number) m.training().get("seed")).intValue());
            assertEquals(2, ((List<?>) m.training().get("history")).size());
            assertTrue(m.versions().keySet().containsAll(List.of("toolkit", "dl4j", "java", "os")));
            assertEquals("1.0.0-M2.1", m.versions().get("dl4j"));
            assertEquals(1.0, m.metrics().get("accuracy"));
        }
        try (var files = Files.list(saved.getParent())) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".part")), "no temp file left behind");
        }
    }

    @Test
    void truncatedForeignMissingAndNewerFilesAreClearErrors() throws Exception {
        byte[] all = Files.readAllBytes(saved);
        Path truncated = tmp.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(all, all.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ClassifierBundle.load(truncated));
        assertTrue(e.getMessage().contains("truncated.zip"), e.getMessage());

        Path text = tmp.resolve("notes.txt");
        Files.writeString(text, "hello");
        e = assertThrows(ModelFormatException.class, () -> ClassifierBundle.load(text));
        assertTrue(e.getMessage().contains("not a zip file"), e.getMessage());

        Path foreign = tmp.resolve("foreign.zip");
        try (OutputStream os = Files.newOutputStream(foreign); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry("configuration.json"));
            z.write("{}".getBytes());
        }
        e = assertThrows(ModelFormatException.class, () -> ClassifierBundle.load(foreign));
        assertTrue(e.getMessage().contains("not a TransferKit classifier bundle")
                && e.getMessage().contains("configuration.json"), e.getMessage());

        Path newer = tmp.resolve("newer.zip");
        try (OutputStream os = Files.newOutputStream(newer); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry(ClassifierBundle.MANIFEST));
            z.write("{\"format_version\": 99}".getBytes());
        }
        e = assertThrows(ModelFormatException.class, () -> ClassifierBundle.load(newer));
        assertTrue(e.getMessage().contains("format 99") && e.getMessage().contains("formats 1 to 2"), e.getMessage());

        e = assertThrows(ModelFormatException.class, () -> ClassifierBundle.load(tmp.resolve("absent.zip")));
        assertTrue(e.getMessage().contains("absent.zip") && e.getMessage().contains("does not exist"));
    }
}
