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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.examples.QuickStart;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.ScoredLabel;
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
        return HTTP.send(HttpRequest.newBuilder(service.baseUri().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void predictsLikeTheLibraryAndReportsHealth() throws Exception {
        Path img = data.resolve("star/star_0003.png");
        HttpResponse<String> r = post("/predict?top=2", Files.readAllBytes(img));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode preds = new ObjectMapper().readTree(r.body()).get("predictions");
        assertEquals(2, preds.size());
        try (ImageClassifier c = ImageClassifier.load(model)) {
            List<ScoredLabel> lib = c.predict(img, 2);
            assertEquals(lib.get(0).label(), preds.get(0).get("label").asText());
            assertEquals(lib.get(0).probability(), preds.get(0).get("probability").asDouble(), 1e-6);
        }
        HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(service.baseUri().resolve("/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, h.statusCode());
        assertTrue(h.body().contains("\"status\":\"ok\"") && h.body().contains("hexagon"), h.body());
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
