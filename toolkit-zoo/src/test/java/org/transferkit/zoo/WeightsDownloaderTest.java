package org.transferkit.zoo;

import org.transferkit.Checksums;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.Adler32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.WeightsException;

/** The download code against an HTTP server on 127.0.0.1 serving bytes the test makes. */
class WeightsDownloaderTest {
    @TempDir
    Path tmp;
    HttpServer server;
    byte[] file;
    String sha;
    final List<String> ranges = new CopyOnWriteArrayList<>();
    final WeightsDownloader fast = new WeightsDownloader(Duration.ofSeconds(2), Duration.ofMillis(400), 2,
            Duration.ofMillis(10));

    @BeforeEach
    void start() throws IOException {
        file = new byte[300_000];
        new Random(1).nextBytes(file);
        sha = Checksums.sha256(file);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/ok", ex -> serve(ex, false));
        server.createContext("/cut-once", cutOnce());
        server.createContext("/truncated", ex -> {
            ex.sendResponseHeaders(200, file.length);
            OutputStream os = ex.getResponseBody();
            os.write(file, 0, file.length / 2);
            os.flush();
            ex.close(); // fewer bytes than promised: the client sees the connection end early
        });
        server.createContext("/slow", ex -> {
            sleep(2000);
            serve(ex, false);
        });
        server.start();
    }

    private com.sun.net.httpserver.HttpHandler cutOnce() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        return ex -> {
            if (calls.getAndIncrement() == 0) {
                ex.sendResponseHeaders(200, file.length);
                OutputStream os = ex.getResponseBody();
                os.write(file, 0, 100_000);
                os.flush();
                ex.close();
            } else {
                serve(ex, true);
            }
        };
    }

    private void serve(HttpExchange ex, boolean honourRange) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(String.valueOf(range));
        int from = 0;
        if (honourRange && range != null && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (file.length - 1) + "/" + file.length);
            ex.sendResponseHeaders(206, file.length - from);
        } else {
            ex.sendResponseHeaders(200, file.length);
        }
        try (OutputStream os = ex.getResponseBody()) {
            os.write(file, from, file.length - from);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private void noTrustedFile(String name) {
        assertFalse(Files.exists(tmp.resolve(name)), "nothing unverified at the final name");
    }

    @Test
    void downloadsVerifiesAndMovesIntoPlace() throws Exception {
        Adler32 a = new Adler32();
        a.update(file);
        long[] lastProgress = new long[2];
        Path got = fast.fetch(new WeightsDownloader.Spec(url("/ok"), "w.zip", sha, a.getValue()), tmp,
                (b, t) -> { lastProgress[0] = b; lastProgress[1] = t; });
        assertArrayEquals(file, Files.readAllBytes(got));
        assertArrayEquals(new long[] {file.length, file.length}, lastProgress);
        assertFalse(Files.exists(tmp.resolve("w.zip.part")));
        // a second call finds the verified file and does not download again
        ranges.clear();
        fast.fetch(new WeightsDownloader.Spec(url("/ok"), "w.zip", sha, null), tmp, WeightsDownloader.Progress.NONE);
        assertTrue(ranges.isEmpty());
    }

    @Test
    void resumesAfterTheConnectionIsCutMidFile() throws Exception {
        Path got = fast.fetch(new WeightsDownloader.Spec(url("/cut-once"), "w.zip", sha, null), tmp,
                WeightsDownloader.Progress.NONE);
        assertArrayEquals(file, Files.readAllBytes(got));
        assertEquals("bytes=100000-", ranges.get(ranges.size() - 1), "the second request resumes where the first stopped");
    }

    @Test
    void notFoundIsNotRetriedAndSaysWhatToDo() {
        WeightsException e = assertThrows(WeightsException.class, () -> fast.fetch(
                new WeightsDownloader.Spec(url("/missing"), "w.zip", sha, null), tmp, WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().startsWith("HTTP 404 for " + url("/missing")) && e.getMessage().contains("by hand"),
                e.getMessage());
        noTrustedFile("w.zip");
    }

    @Test
    void slowServerHitsTheReadTimeout() {
        WeightsException e = assertThrows(WeightsException.class, () -> fast.fetch(
                new WeightsDownloader.Spec(url("/slow"), "w.zip", sha, null), tmp, WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("after 2 attempt(s)") && e.getMessage().contains("timed out")
                && e.getMessage().contains("read 400 ms"), e.getMessage());
        noTrustedFile("w.zip");
    }

    @Test
    void wrongChecksumMovesTheFileAsideAndNamesBothValues() {
        String wrong = "0".repeat(64);
        WeightsException e = assertThrows(WeightsException.class, () -> fast.fetch(
                new WeightsDownloader.Spec(url("/ok"), "w.zip", wrong, null), tmp, WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("SHA-256 mismatch") && e.getMessage().contains("expected " + wrong)
                && e.getMessage().contains("got " + sha) && e.getMessage().contains("w.zip.corrupt"), e.getMessage());
        noTrustedFile("w.zip");
        assertTrue(Files.exists(tmp.resolve("w.zip.corrupt")));
        WeightsException adler = assertThrows(WeightsException.class, () -> fast.fetch(
                new WeightsDownloader.Spec(url("/ok"), "v.zip", null, 12345L), tmp, WeightsDownloader.Progress.NONE));
        assertTrue(adler.getMessage().contains("Adler32 mismatch") && adler.getMessage().contains("expected 12345"));
    }

    @Test
    void truncatedEveryTimeFailsAndKeepsOnlyThePartFile() {
        WeightsException e = assertThrows(WeightsException.class, () -> fast.fetch(
                new WeightsDownloader.Spec(url("/truncated"), "w.zip", sha, null), tmp, WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("closed early"), e.getMessage());
        noTrustedFile("w.zip");
    }

    @Test
    void unresolvableHostIsAClearOfflineMessage() {
        // the test JVM resolves names from a hosts file holding only localhost: no DNS query leaves the machine
        WeightsException e = assertThrows(WeightsException.class, () -> fast.fetch(
                new WeightsDownloader.Spec(URI.create("http://weights.example.invalid/w.zip"), "w.zip", sha, null), tmp,
                WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("cannot resolve host 'weights.example.invalid'")
                && e.getMessage().contains("by hand"), e.getMessage());
        noTrustedFile("w.zip");
    }
}
