package org.transferkit.examples.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;

/**
 * An HTTP prediction service on the JDK's {@code HttpServer}, for a model of any task:
 * <ul>
 *   <li>{@code POST /predict[?top=K]} with the image bytes as the body → {@code 200} and the
 *       {@link Prediction#toMap() prediction's map} plus {@code "task"} and {@code "millis"}:
 *       <ul>
 *         <li>single-label: {@code {"predictions":[{"label":…,"probability":…}],"task":"single-label","millis":…}},
 *             the {@code K} most probable classes first;</li>
 *         <li>multi-label: {@code {"predictions":[{"label":…,"probability":…}],"threshold":…,"task":"multi-label",
 *             "millis":…}}, the labels at or above the model's saved threshold ({@code top} is ignored);</li>
 *         <li>regression: {@code {"values":{"target":…},"task":"regression","millis":…}} ({@code top} is
 *             ignored);</li>
 *       </ul>
 *       a body that is not an image → {@code 400}, larger than the limit → {@code 413}, a {@code top} that is not a
 *       whole number >= 1 → {@code 400}, each with {@code {"error":…}};</li>
 *   <li>{@code GET /health} → {@code 200} and {@code {"status":"ok","labels":[…],…}}.</li>
 * </ul>
 * A bad request never stops the service. Sets the JVM-wide property {@code sun.net.httpserver.nodelay}
 * to {@code true} before the first server starts, unless it is set already (see the code for why). Requests run on a fixed pool of threads; memory stays bounded
 * because bodies are capped and the pool is fixed. Close it to stop serving (the classifier is closed
 * too).
 */
public final class PredictionService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The JDK HttpServer's switch for TCP_NODELAY on accepted connections. */
    static final String NODELAY = "sun.net.httpserver.nodelay";

    private final ImageClassifier classifier;
    private final HttpServer server;
    private final ExecutorService pool;
    private final long maxBytes;
    private final int defaultTop;

    private PredictionService(ImageClassifier classifier, HttpServer server, ExecutorService pool, long maxBytes,
            int defaultTop) {
        this.classifier = classifier;
        this.server = server;
        this.pool = pool;
        this.maxBytes = maxBytes;
        this.defaultTop = defaultTop;
    }

    /**
     * Starts serving.
     *
     * @param classifier the classifier; the service takes ownership and closes it
     * @param address where to listen (port 0 picks a free port)
     * @param threads request threads, >= 1
     * @param maxBytes largest accepted body, >= 1
     * @param defaultTop classes a single-label model returns when the request names no {@code top}
     * @return the running service
     * @throws IOException if the address cannot be bound
     * @throws IllegalArgumentException if a number is out of range
     */
    public static PredictionService start(ImageClassifier classifier, InetSocketAddress address, int threads,
            long maxBytes, int defaultTop) throws IOException {
        if (threads < 1 || maxBytes < 1 || defaultTop < 1) {
            throw new IllegalArgumentException("threads, max bytes and top must be >= 1, got " + threads + ", "
                    + maxBytes + ", " + defaultTop);
        }
        // Without TCP_NODELAY the JDK server's small JSON replies wait on the client's delayed ACK (about
        // 40 ms each). The JDK reads this property once, when its first HttpServer is made; a value the
        // user set wins.
        if (System.getProperty(NODELAY) == null) {
            System.setProperty(NODELAY, "true");
        }
        HttpServer server = HttpServer.create(address, 64);
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "transferkit-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        PredictionService s = new PredictionService(classifier, server, pool, maxBytes, defaultTop);
        server.createContext("/predict", s::predict);
        server.createContext("/health", s::health);
        server.createContext("/", ex -> s.reply(ex, 404, Map.of("error", "no such path " + ex.getRequestURI().getPath()
                + "; use POST /predict or GET /health")));
        server.setExecutor(pool);
        server.start();
        return s;
    }

    /**
     * Loads a classifier and serves it on the loopback address.
     *
     * @param model a classifier bundle
     * @param port the port (0 for any free one)
     * @param threads request threads
     * @param maxBytes largest accepted body
     * @return the running service
     * @throws TransferKitException if the classifier cannot be loaded
     * @throws IOException if the port cannot be bound
     */
    public static PredictionService serve(Path model, int port, int threads, long maxBytes)
            throws TransferKitException, IOException {
        return serve(model, RuntimeOptions.defaults(), port, threads, maxBytes);
    }

    /**
     * Loads a classifier with the given run-time options and serves it on the loopback address.
     *
     * @param model a classifier bundle
     * @param options the run-time options (engine, CPU helpers)
     * @param port the port (0 for any free one)
     * @param threads request threads
     * @param maxBytes largest accepted body
     * @return the running service
     * @throws TransferKitException if the classifier cannot be loaded
     * @throws IOException if the port cannot be bound
     */
    public static PredictionService serve(Path model, RuntimeOptions options, int port, int threads, long maxBytes)
            throws TransferKitException, IOException {
        ImageClassifier c = ImageClassifier.load(model, options);
        try {
            return start(c, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), threads, maxBytes, 3);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** @return the bound port */
    public int port() {
        return server.getAddress().getPort();
    }

    /** @return the base URL, e.g. {@code http://127.0.0.1:8080} */
    public URI baseUri() {
        return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":" + port());
    }

    private void health(HttpExchange ex) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("labels", classifier.labels());
        m.put("backbone", classifier.manifest().backbone());
        m.put("max_bytes", maxBytes);
        reply(ex, 200, m);
    }

    private void predict(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            reply(ex, 405, Map.of("error", "use POST with the image bytes as the body, not " + ex.getRequestMethod()));
            return;
        }
        int top;
        try {
            top = parseTop(ex.getRequestURI().getQuery());
        } catch (IllegalArgumentException e) {
            reply(ex, 400, Map.of("error", e.getMessage()));
            return;
        }
        byte[] body = readCapped(ex.getRequestBody());
        if (body == null) {
            reply(ex, 413, Map.of("error", "image larger than the limit of " + maxBytes + " bytes"));
            return;
        }
        long t0 = System.nanoTime();
        try {
            Prediction p = classifier.predict(body, top);
            Map<String, Object> m = new LinkedHashMap<>(p.toMap());
            m.put("task", p.task().id());
            m.put("millis", (System.nanoTime() - t0) / 1e6);
            reply(ex, 200, m);
        } catch (TransferKitException e) {
            reply(ex, 400, Map.of("error", e.getMessage()));
        } catch (RuntimeException e) {
            reply(ex, 500, Map.of("error", "prediction failed: " + e));
        }
    }

    private int parseTop(String query) {
        if (query == null) {
            return defaultTop;
        }
        for (String kv : query.split("&")) {
            if (kv.startsWith("top=")) {
                try {
                    int k = Integer.parseInt(kv.substring(4));
                    if (k >= 1) {
                        return k;
                    }
                } catch (NumberFormatException e) {
                    // falls through to the error below
                }
                throw new IllegalArgumentException("top must be a whole number >= 1, got '" + kv.substring(4) + "'");
            }
        }
        return defaultTop;
    }

    /** @return the body, or null if it is larger than the limit (the rest is drained, not kept) */
    private byte[] readCapped(InputStream in) throws IOException {
        byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (data.length > maxBytes) {
            in.transferTo(OutputStream.nullOutputStream());
            return null;
        }
        return data;
    }

    private void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    /** Stops accepting requests, waits up to a second for running ones, and closes the classifier. */
    @Override
    public void close() {
        server.stop(1);
        pool.shutdownNow();
        classifier.close();
    }
}
