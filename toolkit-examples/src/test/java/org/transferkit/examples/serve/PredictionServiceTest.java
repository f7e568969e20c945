package org.transferkit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.FineTuner;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.TargetManifest;
import org.transferkit.examples.QuickStart;
import org.transferkit.head.HeadSpec;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;
import org.transferkit.task.Task;
import org.transferkit.train.FineTune;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoScenes;
import org.transferkit.zoo.DemoShapes;

class PredictionServiceTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path data;
    static PredictionService service;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 20, 5);
        model = QuickStart.run(data.toString(), tmp.resolve("c.zip").toString()).classifier();
        service = PredictionService.serve(model, 0, 4, 50_000);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return post(service, path, body);
    }

    static HttpResponse<String> post(PredictionService to, String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(to.baseUri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void predictsLikeTheLibraryAndReportsHealth() throws Exception {
        Path img = data.resolve("star/star_0003.png");
        HttpResponse<String> r = post("/predict?top=2", Files.readAllBytes(img));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode json = new ObjectMapper().readTree(r.body());
        assertEquals("single-label", json.get("task").asText(), r.body());
        assertTrue(json.get("millis").asDouble() >= 0, r.body());
        JsonNode preds = json.get("predictions");
        assertEquals(2, preds.size());
        try (ImageClassifier c = ImageClassifier.load(model)) {
            List<ScoredLabel> lib = ((Prediction.Classes) c.predict(img, 2)).ranked();
            assertEquals(lib.get(0).label(), preds.get(0).get("label").asText());
            assertEquals(lib.get(0).probability(), preds.get(0).get("probability").asDouble(), 1e-6);
        }
        HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(service.baseUri().resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, h.statusCode());
        assertTrue(h.body().contains("\"status\":\"ok\"") && h.body().contains("hexagon"), h.body());
    }

    /** Trains a one-epoch model of the task on the scenes; its quality does not matter here. */
    static Path sceneModel(Task task, Path csv, Path out) throws Exception {
        DatasetSplit split = TargetManifest.read(csv, task).split();
        Backbone backbone = BackboneCatalog.open("demo", null, 42);
        FineTune settings = FineTune.builder().epochs(1).seed(42).head(HeadSpec.builder().task(task).build()).build();
        FineTuner.Builder tuner = FineTuner.builder(backbone).settings(settings);
        if (task.usesThreshold()) {
            tuner.threshold(0.3);
        }
        try (TrainedModel trained = tuner.build().fit(split)) {
            trained.save(out, Map.of());
        }
        return out;
    }

    @Test
    void multiLabelAndRegressionModelsAreServedLikeTheLibraryPredicts() throws Exception {
        Path scenes = DemoScenes.write(tmp.resolve("scenes"), 30, 7);
        Path img = scenes.resolve("scene_00004.png");
        byte[] body = Files.readAllBytes(img);
        ObjectMapper json = new ObjectMapper();

        Path ml = sceneModel(Task.MULTI_LABEL, scenes.resolve(DemoScenes.LABELS_CSV), tmp.resolve("ml.zip"));
        try (PredictionService s = PredictionService.serve(ml, 0, 2, 1_000_000);
                ImageClassifier c = ImageClassifier.load(ml)) {
            HttpResponse<String> r = post(s, "/predict?top=1", body);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode m = json.readTree(r.body());
            assertEquals("multi-label", m.get("task").asText(), r.body());
            Prediction.Labels lib = (Prediction.Labels) c.predict(img);
            assertEquals(0.3, m.get("threshold").asDouble(), r.body());
            List<String> served = new ArrayList<>();
            m.get("predictions").forEach(p -> served.add(p.get("label").asText()));
            assertEquals(lib.present().stream().map(ScoredLabel::label).toList(), served, r.body());
        }

        Path reg = sceneModel(Task.REGRESSION, scenes.resolve(DemoScenes.COUNTS_CSV), tmp.resolve("reg.zip"));
        try (PredictionService s = PredictionService.serve(reg, 0, 2, 1_000_000);
                ImageClassifier c = ImageClassifier.load(reg)) {
            HttpResponse<String> r = post(s, "/predict", body);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode m = json.readTree(r.body());
            assertEquals("regression", m.get("task").asText(), r.body());
            double lib = ((Prediction.Values) c.predict(img)).values().get("shapes");
            assertEquals(lib, m.get("values").get("shapes").asDouble(), 1e-9, r.body());
            LoadTest.Result load = LoadTest.run(s.baseUri().resolve("/predict"),
                    List.of(img, scenes.resolve("scene_00005.png")), 3, 5, 30);
            assertEquals(30, load.requests(), load.toString());
            assertEquals(0, load.errors(), load.toString());
            assertEquals(0, load.changed(), load.toString());
        }
    }

    @Test
    void badRequestsGetClearErrorsAndTheServiceKeepsServing() throws Exception {
        HttpResponse<String> bad = post("/predict", "definitely not an image".getBytes());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("not a decodable image"), bad.body());
        HttpResponse<String> big = post("/predict", new byte[60_000]);
        assertEquals(413, big.statusCode());
        assertTrue(big.body().contains("50000 bytes"), big.body());
        assertEquals(400, post("/predict?top=zero", new byte[10]).statusCode());
        assertEquals(404, post("/nowhere", new byte[1]).statusCode());
        assertEquals(405, HTTP.send(HttpRequest.newBuilder(service.baseUri().resolve("/predict")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(200, post("/predict", Files.readAllBytes(data.resolve("ring/ring_0000.png"))).statusCode());
    }

    @Test
    void concurrentClientsGetUnchangedPredictionsAndNoErrors() throws Exception {
        List<Path> imgs = List.of(data.resolve("ring/ring_0001.png"), data.resolve("arrow/arrow_0002.png"),
                data.resolve("hexagon/hexagon_0003.png"));
        LoadTest.Result r = LoadTest.run(service.baseUri().resolve("/predict"), imgs, 6, 5, 120);
        assertEquals(120, r.requests(), r.toString());
        assertEquals(0, r.errors(), r.toString());
        assertEquals(0, r.changed(), r.toString());
        assertThrows(IllegalArgumentException.class,
                () -> LoadTest.run(URI.create("http://192.0.2.1:9/predict"), imgs, 1, 1, 1), "loopback only");
    }
}
