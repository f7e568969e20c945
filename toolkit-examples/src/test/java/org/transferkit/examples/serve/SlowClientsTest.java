package org.transferkit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.data.ImageDecoder;
import org.transferkit.examples.QuickStart;
import org.transferkit.zoo.DemoShapes;

/**
 * Issue 18, problems 1 and 2: slow, stalled and oversized clients and decompression bombs against the service.
 * The JDK deadlines are 3 s in this module's test JVM (see toolkit-examples/pom.xml).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SlowClientsTest {
    /** The latency a real client is promised while slow clients are held (generous: the build box is shared). */
    static final long MAX_LATENCY_MS = 3_000;
    @TempDir
    static Path tmp;
    static Path model;
    static byte[] good;
    static PredictionService service;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 12, 5);
        model = QuickStart.run(data.toString(), tmp.resolve("c.zip").toString()).classifier();
        good = Files.readAllBytes(data.resolve("star/star_0003.png"));
        service = PredictionService.serve(model, 0, 4, 50_000);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    static HttpResponse<String> send(PredictionService to, String method, String path, byte[] body) throws Exception {
        HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return HTTP.send(HttpRequest.newBuilder(to.baseUri().resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, p).build(), HttpResponse.BodyHandlers.ofString());
    }

    static Socket open() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), service.port());
        s.setSoTimeout(1);
        return s;
    }

    /** Writes {@code piece} every {@code millis} until the server cuts the connection or the test ends. */
    static void trickle(Socket s, byte[] head, byte[] piece, long millis) {
        try {
            OutputStream out = s.getOutputStream();
            out.write(head);
            out.flush();
            while (!s.isClosed()) {
                Thread.sleep(millis);
                out.write(piece);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the server closed the connection: what the test waits for
        }
    }

    /** @return true if the server closed the connection within the time (read gives -1 or a reset) */
    static boolean closedByServerWithin(Socket s, long millis) throws IOException {
        long end = System.nanoTime() + millis * 1_000_000;
        InputStream in = s.getInputStream();
        while (System.nanoTime() < end) {
            try {
                s.setSoTimeout(100);
                if (in.read() < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (IOException e) {
                return true;
            }
        }
        return false;
    }

    @Test
    void eightSlowClientsNeitherStallARealClientNorStayConnected() throws Exception {
        String post = "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        List<Socket> slow = new ArrayList<>();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = open();
                slow.add(s);
                byte[] head;
                byte[] piece;
                if (i < 3) { // headers trickled one byte at a time, never finished
                    head = post.getBytes(StandardCharsets.US_ASCII);
                    piece = "X".getBytes(StandardCharsets.US_ASCII);
                } else if (i < 6) { // a chunked body that never ends, one small chunk at a time
                    head = (post + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    piece = "1\r\nA\r\n".getBytes(StandardCharsets.US_ASCII);
                } else { // a Content-Length that is never reached
                    head = (post + "Content-Length: 40000\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                    piece = new byte[1];
                }
                writers.submit(() -> trickle(s, head, piece, 200));
            }
            Thread.sleep(300); // every slow client has started its request
            long worst = 0;
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = i % 5 == 4 ? send(service, "GET", "/health", null)
                        : send(service, "POST", "/predict", good);
                worst = Math.max(worst, (System.nanoTime() - t0) / 1_000_000);
                assertEquals(200, r.statusCode(), r.body());
            }
            assertTrue(worst < MAX_LATENCY_MS, "a real client waited " + worst + " ms with 8 slow clients held");
            long deadlineMs = service.jdkTimeoutSeconds() * 1000 + 3000;
            assertTrue(service.jdkTimeoutSeconds() > 0, "the JDK request deadline is in force");
            for (Socket s : slow) {
                assertTrue(closedByServerWithin(s, deadlineMs), "slow client cut off within " + deadlineMs + " ms");
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
            writers.shutdownNow();
        }
    }

    @Test
    void bodiesPastTheLimitGet413AtOnceAndAreNeverDrained() throws Exception {
        try (Socket s = open()) {
            long t0 = System.nanoTime();
            s.getOutputStream().write(("POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String status = statusLine(s);
            assertTrue(status.contains(" 413 "), status);
            assertTrue((System.nanoTime() - t0) / 1_000_000 < MAX_LATENCY_MS, "declared size refused at once");
        }
        try (Socket s = open()) {
            ExecutorService w = Executors.newSingleThreadExecutor();
            byte[] chunk = ("2000\r\n" + "A".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            w.submit(() -> trickle(s, "POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII), chunk, 1));
            try {
                String status = statusLine(s);
                assertTrue(status.contains(" 413 "), "an endless body over the limit is answered: " + status);
                assertTrue(closedByServerWithin(s, service.jdkTimeoutSeconds() * 1000 + 3000),
                        "and its connection closed, not drained forever");
            } finally {
                w.shutdownNow();
            }
        }
        assertEquals(200, send(service, "POST", "/predict", good).statusCode());
    }

    static String statusLine(Socket s) throws IOException {
        s.setSoTimeout((int) MAX_LATENCY_MS);
        InputStream in = s.getInputStream();
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            b.append((char) c);
        }
        return b.toString();
    }

    @Test
    void onlyExactPathsAndAllowedMethods() throws Exception {
        assertEquals(404, send(service, "POST", "/predictx", good).statusCode());
        assertEquals(404, send(service, "GET", "/health/more", null).statusCode());
        HttpResponse<String> r = send(service, "GET", "/predict", null);
        assertEquals(405, r.statusCode());
        assertEquals("POST", r.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> h = send(service, "POST", "/health", new byte[1]);
        assertEquals(405, h.statusCode());
        assertEquals("GET", h.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void aFullQueueGets503WithRetryAfter() throws Exception {
        // one worker, no queue: with the test holding the worker's permit, the first request waits (counted as
        // running) and the next one finds no room; the JDK's 3 s response deadline bounds how long the first waits
        PredictionService.Limits limits = new PredictionService.Limits(1, 0, 8, 50_000,
                ImageDecoder.DEFAULT_MAX_PIXELS, 20);
        try (PredictionService s = PredictionService.serve(model, 0, limits)) {
            s.workers().acquire();
            CompletableFuture<HttpResponse<String>> queued;
            try {
                queued = CompletableFuture.supplyAsync(() -> {
                    try {
                        return send(s, "POST", "/predict", good);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long end = System.nanoTime() + 10_000_000_000L;
                while (!send(s, "GET", "/health", null).body().contains("\"waiting_or_running\":1")) {
                    assertTrue(System.nanoTime() < end, "the first request waits in the queue");
                    Thread.sleep(20);
                }
                HttpResponse<String> busy;
                try {
                    busy = send(s, "POST", "/predict", good);
                } catch (IOException e) {
                    throw new AssertionError("health " + send(s, "GET", "/health", null).body() + " queued "
                            + queued, e);
                }
                assertEquals(503, busy.statusCode(), busy.body());
                assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));
            } finally {
                s.workers().release();
            }
            assertEquals(200, queued.get(30, TimeUnit.SECONDS).statusCode(), "the queued request is answered");
        }
    }

    @Test
    void decompressionBombsAreRefusedFromTheirHeaderAlone() throws Exception {
        for (byte[] bomb : List.of(HostileBodies.pngBomb(), HostileBodies.jpegBomb())) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = send(service, "POST", "/predict", bomb);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(413, r.statusCode(), r.body());
            assertTrue(r.body().contains("more than the cap of 40000000 pixels"), r.body());
            assertTrue(ms < 1_000, "refused in " + ms + " ms");
        }
        assertEquals(200, send(service, "POST", "/predict", good).statusCode());
    }
}
