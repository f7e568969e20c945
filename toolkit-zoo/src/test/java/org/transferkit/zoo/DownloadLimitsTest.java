package org.transferkit.zoo;

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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.WeightsException;

/** Issue 18, problem 7: a hostile weights server on 127.0.0.1 (trickling, endless, oversized) and bad schemes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DownloadLimitsTest {
    @TempDir
    Path tmp;
    HttpServer server;
    ExecutorService pool;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        pool = Executors.newFixedThreadPool(4);
        server.setExecutor(pool);
        server.createContext("/trickle", ex -> endless(ex, 1000, 1, 200));
        server.createContext("/endless", ex -> endless(ex, 0, 1 << 16, 0));
        server.createContext("/big", ex -> endless(ex, 1_000_000, 1 << 10, 0));
        server.createContext("/error", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        server.start();
    }

    /** Sends {@code piece}-byte writes every {@code millis} ms until the client leaves (length 0: chunked). */
    static void endless(HttpExchange ex, long length, int piece, long millis) throws IOException {
        ex.sendResponseHeaders(200, length);
        try (OutputStream os = ex.getResponseBody()) {
            byte[] buf = new byte[piece];
            for (long sent = 0; length == 0 || sent < length; sent += piece) {
                os.write(buf);
                os.flush();
                Thread.sleep(millis);
            }
        } catch (IOException | InterruptedException e) {
            // the client gave up: what the test wants
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    static WeightsDownloader downloader(Duration deadline, long maxBytes) {
        return new WeightsDownloader(Duration.ofSeconds(2), Duration.ofSeconds(5), 3, Duration.ofMillis(10), deadline,
                maxBytes);
    }

    @Test
    void aTricklingServerIsCutOffAtTheDeadlineAndThePartMessageIsTrue() {
        long t0 = System.nanoTime();
        WeightsException e = assertThrows(WeightsException.class, () -> downloader(Duration.ofMillis(1500), 1 << 20)
                .fetch(new WeightsDownloader.Spec(url("/trickle"), "w.zip", null, null), tmp,
                        WeightsDownloader.Progress.NONE));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 6_000, "stopped near the 1.5 s deadline, took " + ms + " ms");
        assertTrue(e.getMessage().contains("deadline of 1 s passed"), e.getMessage());
        assertTrue(Files.exists(tmp.resolve("w.zip.part")), "the bytes received are kept");
        assertTrue(e.getMessage().contains("w.zip.part") && e.getMessage().contains("is kept"), e.getMessage());
    }

    @Test
    void anEndlessBodyStopsAtTheCapAndNothingIsKept() {
        WeightsException e = assertThrows(WeightsException.class, () -> downloader(Duration.ofSeconds(30), 1 << 20)
                .fetch(new WeightsDownloader.Spec(url("/endless"), "w.zip", null, null), tmp,
                        WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("larger than the cap of 1048576 bytes"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("w.zip.part")), "an endless body is not kept to resume");
    }

    @Test
    void aDeclaredSizeOverTheExpectedOneIsRefusedBeforeReading() {
        WeightsException e = assertThrows(WeightsException.class, () -> downloader(Duration.ofSeconds(30), 1 << 30)
                .fetch(new WeightsDownloader.Spec(url("/big"), "w.zip", null, null, 1000), tmp,
                        WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("larger than its expected size of 1000 bytes (1000000 bytes declared"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("w.zip.part")));
    }

    @Test
    void onlyHttpAndHttpsAreFetched() {
        for (String u : new String[] {"file:///etc/passwd", "ftp://127.0.0.1/w.zip", "jar:file:/x.jar!/w.zip"}) {
            WeightsException e = assertThrows(WeightsException.class, () -> WeightsDownloader.defaults()
                    .fetch(new WeightsDownloader.Spec(URI.create(u), "w.zip", null, null), tmp,
                            WeightsDownloader.Progress.NONE));
            assertTrue(e.getMessage().contains("only http and https URLs") && e.getMessage().contains(u),
                    e.getMessage());
        }
    }

    @Test
    void aFailureWithoutBytesSaysNoPartIsKept() {
        WeightsException e = assertThrows(WeightsException.class, () -> downloader(Duration.ofSeconds(30), 1 << 20)
                .fetch(new WeightsDownloader.Spec(url("/error"), "w.zip", null, null), tmp,
                        WeightsDownloader.Progress.NONE));
        assertTrue(e.getMessage().contains("failed after 3 attempt(s): HTTP 503"), e.getMessage());
        assertTrue(e.getMessage().contains("No partial file is kept"), e.getMessage());
    }
}
