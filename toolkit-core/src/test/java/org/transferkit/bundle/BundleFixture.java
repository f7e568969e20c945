package org.transferkit.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;
import org.transferkit.train.FineTune;

/**
 * Writes the committed compatibility fixture {@code src/test/resources/bundles/format1-tiny.zip} and
 * the predictions it must keep giving ({@code format1-tiny-expected.json}). Run once per bundle
 * format, never by the tests: {@code java -cp <test classpath> org.transferkit.bundle.BundleFixture DIR}.
 */
public final class BundleFixture {
    static final String BUNDLE = "format1-tiny.zip";
    static final String EXPECTED = "format1-tiny-expected.json";

    private BundleFixture() {
    }

    /** The images whose predictions are recorded: deterministic drawings. */
    static List<BufferedImage> probeImages() {
        Random rnd = new Random(2026);
        List<BufferedImage> imgs = new ArrayList<>();
        for (String c : List.of("red", "blue", "red", "blue", "green")) {
            imgs.add(TestImages.image(c, 20, rnd));
        }
        return imgs;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path data = Files.createTempDirectory("fixture");
        ImageDataset ds = ImageDataset.fromFolder(TestImages.folder(data, 8, 11, "red", "blue"));
        FineTune s = FineTune.builder().epochs(3).batchSize(4).learningRate(0.01).seed(11).build();
        TinyBackbone bb = new TinyBackbone(11);
        Path bundle = dir.resolve(BUNDLE);
        try (TrainedModel r = FineTuner.builder(bb).settings(s).build().fit(DatasetSplit.stratified(ds, 0.25, 0, 11))) {
            r.save(bundle, Map.of("note", "compatibility fixture"));
        }
        List<Map<String, Object>> expected = new ArrayList<>();
        try (ImageClassifier c = ImageClassifier.load(bundle)) {
            for (Prediction pred : c.predictAll(probeImages(), 2)) {
                List<ScoredLabel> p = ((Prediction.Classes) pred).ranked();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("labels", p.stream().map(ScoredLabel::label).toList());
                m.put("probabilities", p.stream().map(ScoredLabel::probability).toList());
                expected.add(m);
            }
        }
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(EXPECTED).toFile(), expected);
    }
}
