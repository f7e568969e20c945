package org.transferkit.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;

/** A bundle written by format 1 (committed) must keep loading and predicting the same. */
class BundleCompatibilityTest {
    @TempDir
    Path tmp;

    @Test
    void format1BundleStillLoadsAndPredictsTheSame() throws Exception {
        Path bundle = tmp.resolve(BundleFixture.BUNDLE);
        try (InputStream in = getClass().getResourceAsStream("/bundles/" + BundleFixture.BUNDLE)) {
            Files.copy(in, bundle);
        }
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/bundles/" + BundleFixture.EXPECTED)) {
            expected = new ObjectMapper().readTree(in);
        }
        BundleManifest m = ClassifierBundle.readManifest(bundle);
        assertEquals(1, m.formatVersion());
        assertEquals(List.of("blue", "red"), m.labels());
        try (ImageClassifier c = ImageClassifier.load(bundle)) {
            List<List<ScoredLabel>> got = c.predictAll(BundleFixture.probeImages(), 2).stream()
                    .map(p -> ((Prediction.Classes) p).ranked()).toList();
            assertEquals(expected.size(), got.size());
            for (int i = 0; i < got.size(); i++) {
                for (int k = 0; k < 2; k++) {
                    assertEquals(expected.get(i).get("labels").get(k).asText(), got.get(i).get(k).label());
                    assertEquals(expected.get(i).get("probabilities").get(k).asDouble(), got.get(i).get(k).probability(),
                            1e-5, "image " + i);
                }
            }
        }
    }
}
