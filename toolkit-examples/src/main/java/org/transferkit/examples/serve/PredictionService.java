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
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.data.ImageDecoder;
import org.transferkit.data.ImageTooLargeException;
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
 *       a body that is not an image → {@code 400}; a body whose declared {@code Content-Length} or received
 *       bytes pass {@link Limits#maxBytes()} → {@code 413} at once (the rest is not read and the connection is
 *       closed); an image whose header declares more than {@link Limits#maxPixels()} pixels → {@code 413}
 *       before it is decoded; a {@code top} that is not a whole number >= 1 → {@code 400}; every worker busy
 *       and {@link Limits#queue()} requests already waiting → {@code 503} with {@code Retry-After: 1}; each with
 *       {@code {"error":…}};</li>
 *   <li>{@code GET /health} → {@code 200} and {@code {"status":"ok","labels":[…],…}} with the limits in force.</li>
 * </ul>
 * Only these exact paths are served (anything else → {@code 404}); another method → {@code 405} with an
 * {@code Allow} header.
 *
 * <p>Threads: connections are read and answered on a pool of {@link Limits#connections()} I/O threads (further
 * connections wait in a queue of the same length, beyond which they are closed unanswered); inference runs on
 * at most {@link Limits#threads()} of them at once. A slow or stalled client therefore holds one I/O thread,
 * never an inference worker, and only until the request deadline.
 *
 * <p>Deadlines are JVM-wide settings of the JDK server, read once when the JVM's first {@code HttpServer} is
 * made; {@link #start} sets them (unless already set, e.g. with {@code -D} on the command line, which wins) in
 * this one place, before making its server: {@code sun.net.httpserver.maxReqTime} (a request's line, headers
 * and body must all arrive within {@link Limits#timeoutSeconds()} of its first byte, else the connection is
 * closed), {@code sun.net.httpserver.maxRspTime} (the client must take the reply within as long), and
 * {@code sun.net.httpserver.idleInterval} (an idle keep-alive connection, or one that sends nothing after
 * connecting, is closed after as long). It also sets {@code sun.net.httpserver.nodelay} to {@code true}
 * (small JSON replies otherwise wait on the client's delayed ACK). The JDK's own cap of 200 request headers
 * ({@code sun.net.httpserver.maxReqHeaders}) is left as it is. {@link #jdkTimeoutSeconds()} reports the
 * deadline the JVM actually uses.
 *
 * <p>A bad request never stops the service. Close it to stop serving (the classifier is closed too).
 */
public final class PredictionService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The JDK HttpServer's switch for TCP_NODELAY on accepted connections. */
    static final String NODELAY = "sun.net.httpserver.nodelay";
    /** The JDK HttpServer's request deadline in seconds (-1: none, the JDK default). */
    static final String MAX_REQ_TIME = "sun.net.httpserver.maxReqTime";
    /** The JDK HttpServer's response deadline in seconds (-1: none, the JDK default). */
    static final String MAX_RSP_TIME = "sun.net.httpserver.maxRspTime";
    /** The JDK HttpServer's idle-connection timeout in seconds (JDK default 30). */
    static final String IDLE_INTERVAL = "sun.net.httpserver.idleInterval";
    private static final String RETRY_AFTER_SECONDS = "1";

    /**
     * The service's limits.
     *
     * @param threads requests predicted at once, >= 1
     * @param queue requests that may wait for a free worker, >= 0; more get {@code 503}
     * @param connections I/O threads reading requests and writing replies, >= {@code threads}
     * @param maxBytes largest accepted body in bytes, >= 1
     * @param maxPixels largest pixel count (width × height) an image header may declare, >= 1
     * @param timeoutSeconds request, response and idle deadline, >= 1 (JVM-wide, see the class comment)
     */
    public record Limits(int threads, int queue, int connections, long maxBytes, long maxPixels, int timeoutSeconds) {
        /** @throws IllegalArgumentException if a value is out of range; the message names it */
        public Limits {
            if (threads < 1 || queue < 0 || connections < threads || maxBytes < 1 || maxPixels < 1
                    || timeoutSeconds < 1) {
                throw new IllegalArgumentException("need threads >= 1, queue >= 0, connections >= threads, max bytes"
                        + " >= 1, max pixels >= 1 and timeout >= 1 s; got threads " + threads + ", queue " + queue
                        + ", connections " + connections + ", max bytes " + maxBytes + ", max pixels " + maxPixels
                        + ", timeout " + timeoutSeconds);
            }
        }

        /**
         * The defaults for a number of workers and a body cap: a queue of 4 per worker, {@code max(32, 8 ×
         * threads)} connections, {@link ImageDecoder#DEFAULT_MAX_PIXELS} and a 20 s deadline.
         *
         * @param threads workers, >= 1
         * @param maxBytes largest accepted body, >= 1
         * @return the limits
         * @throws IllegalArgumentException if a value is out of range
         */
        public static Limits of(int threads, long maxBytes) {
            int t = Math.max(1, threads);
            return new Limits(threads, 4 * t, Math.max(32, 8 * t), maxBytes, ImageDecoder.DEFAULT_MAX_PIXELS, 20);
        }
    }

    private final ImageClassifier classifier;
    private final HttpServer server;
    private final ThreadPoolExecutor io;
    private final Limits limits;
    private final int defaultTop;
    private final Semaphore workers;
    private final AtomicInteger admitted = new AtomicInteger();
    private final long jdkTimeout;

    private PredictionService(ImageClassifier classifier, HttpServer server, ThreadPoolExecutor io, Limits limits,
            int defaultTop) {
        this.classifier = classifier;
        this.server = server;
        this.io = io;
        this.limits = limits;
        this.defaultTop = defaultTop;
        this.workers = new Semaphore(limits.threads(), true);
        this.jdkTimeout = Long.getLong(MAX_REQ_TIME, -1);
    }

    /**
     * Starts serving with {@link Limits#of(int, long)}.
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
        return start(classifier, address, Limits.of(threads, maxBytes), defaultTop);
    }

    /**
     * Starts serving. Sets the JDK server's JVM-wide deadlines first (see the class comment).
     *
     * @param classifier the classifier; the service takes ownership and closes it
     * @param address where to listen (port 0 picks a free port)
     * @param limits the limits
     * @param defaultTop classes a single-label model returns when the request names no {@code top}, >= 1
     * @return the running service
     * @throws IOException if the address cannot be bound
     * @throws IllegalArgumentException if {@code defaultTop} is below 1
     */
    public static PredictionService start(ImageClassifier classifier, InetSocketAddress address, Limits limits,
            int defaultTop) throws IOException {
        if (defaultTop < 1) {
            throw new IllegalArgumentException("top must be >= 1, got " + defaultTop);
        }
        applyJdkSettings(System.getProperties(), limits.timeoutSeconds());
        HttpServer server = HttpServer.create(address, 64);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor io = new ThreadPoolExecutor(limits.connections(), limits.connections(), 30,
                TimeUnit.SECONDS, new ArrayBlockingQueue<>(limits.connections()), r -> {
                    Thread t = new Thread(r, "transferkit-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        io.allowCoreThreadTimeOut(true);
        PredictionService s = new PredictionService(classifier.withMaxPixels(limits.maxPixels()), server, io, limits,
                defaultTop);
        server.createContext("/predict", s::predict);
        server.createContext("/health", s::health);
        server.createContext("/", s::notFound);
        server.setExecutor(io);
        server.start();
        return s;
    }

    /**
     * Sets the JDK server's properties for a deadline, each only if not set already (a value the user set
     * wins). The JDK reads them once, when the JVM's first {@code HttpServer} is made.
     *
     * @param props where to set them (the system properties in the service)
     * @param timeoutSeconds the request, response and idle deadline
     */
    static void applyJdkSettings(Properties props, int timeoutSeconds) {
        synchronized (props) {
            for (String key : List.of(MAX_REQ_TIME, MAX_RSP_TIME, IDLE_INTERVAL)) {
                if (props.getProperty(key) == null) {
                    props.setProperty(key, Integer.toString(timeoutSeconds));
                }
            }
            if (props.getProperty(NODELAY) == null) {
                props.setProperty(NODELAY, "true");
            }
        }
    }

    /**
     * Loads a classifier and serves it on the loopback address with {@link Limits#of(int, long)}.
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
        return serve(model, RuntimeOptions.defaults(), port, Limits.of(threads, maxBytes));
    }

    /**
     * Loads a classifier with the default run-time options and serves it on the loopback address.
     *
     * @param model a classifier bundle
     * @param port the port (0 for any free one)
     * @param limits the limits
     * @return the running service
     * @throws TransferKitException if the classifier cannot be loaded
     * @throws IOException if the port cannot be bound
     */
    public static PredictionService serve(Path model, int port, Limits limits) throws TransferKitException, IOException {
        return serve(model, RuntimeOptions.defaults(), port, limits);
    }

    /**
     * Loads a classifier with the given run-time options and serves it on the loopback address.
     *
     * @param model a classifier bundle
     * @param options the run-time options (engine, CPU helpers)
     * @param port the port (0 for any free one)
     * @param limits the limits
     * @return the running service
     * @throws TransferKitException if the classifier cannot be loaded
     * @throws IOException if the port cannot be bound
     */
    public static PredictionService serve(Path model, RuntimeOptions options, int port, Limits limits)
            throws TransferKitException, IOException {
        ImageClassifier c = ImageClassifier.load(model, options);
        try {
            return start(c, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), limits, 3);
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

    /** @return the limits in force */
    public Limits limits() {
        return limits;
    }

    /**
     * @return the request deadline in seconds the JDK server uses in this JVM ({@code -1}: none), which is the
     *     value of {@code sun.net.httpserver.maxReqTime} when the JVM's first server was made
     */
    public long jdkTimeoutSeconds() {
        return jdkTimeout;
    }

    /** @return the permits of the inference workers (tests hold them to fill the queue deterministically) */
    Semaphore workers() {
        return workers;
    }

    private void health(HttpExchange ex) throws IOException {
        if (!exactPathAndMethod(ex, "/health", "GET")) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("labels", classifier.labels());
        m.put("backbone", classifier.manifest().backbone());
        m.put("max_bytes", limits.maxBytes());
        m.put("max_pixels", limits.maxPixels());
        m.put("threads", limits.threads());
        m.put("queue", limits.queue());
        m.put("timeout_seconds", jdkTimeout);
        m.put("waiting_or_running", admitted.get());
        reply(ex, 200, m);
    }

    private void notFound(HttpExchange ex) throws IOException {
        reply(ex, 404, Map.of("error", "no such path " + ex.getRequestURI().getPath()
                + "; use POST /predict or GET /health"));
    }

    /** @return true if the request may go on; otherwise it has been answered with 404 or 405 */
    private boolean exactPathAndMethod(HttpExchange ex, String path, String method) throws IOException {
        if (!path.equals(ex.getRequestURI().getPath())) {
            notFound(ex);
            return false;
        }
        if (!method.equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", method);
            reply(ex, 405, Map.of("error", "use " + method + " " + path + ", not " + ex.getRequestMethod()));
            return false;
        }
        return true;
    }

    private void predict(HttpExchange ex) throws IOException {
        if (!exactPathAndMethod(ex, "/predict", "POST")) {
            return;
        }
        int top;
        try {
            top = parseTop(ex.getRequestURI().getQuery());
        } catch (IllegalArgumentException e) {
            reply(ex, 400, Map.of("error", e.getMessage()));
            return;
        }
        byte[] body = declaredLength(ex) > limits.maxBytes() ? null : readCapped(ex.getRequestBody());
        if (body == null) {
            ex.getResponseHeaders().set("Connection", "close");
            reply(ex, 413, Map.of("error", "image larger than the limit of " + limits.maxBytes() + " bytes"));
            return;
        }
        if (admitted.incrementAndGet() > limits.threads() + limits.queue()) {
            admitted.decrementAndGet();
            ex.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
            reply(ex, 503, Map.of("error", "busy: " + limits.threads() + " requests running and " + limits.queue()
                    + " waiting; retry after " + RETRY_AFTER_SECONDS + " s"));
            return;
        }
        try {
            workers.acquire();
            try {
                answer(ex, body, top);
            } finally {
                workers.release();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(ex, 503, Map.of("error", "the service is stopping"));
        } finally {
            admitted.decrementAndGet();
        }
    }

    private void answer(HttpExchange ex, byte[] body, int top) throws IOException {
        long t0 = System.nanoTime();
        try {
            Prediction p = classifier.predict(body, top);
            Map<String, Object> m = new LinkedHashMap<>(p.toMap());
            m.put("task", p.task().id());
            m.put("millis", (System.nanoTime() - t0) / 1e6);
            reply(ex, 200, m);
        } catch (TransferKitException e) {
            reply(ex, e.getCause() instanceof ImageTooLargeException ? 413 : 400, Map.of("error", e.getMessage()));
        } catch (RuntimeException e) {
            reply(ex, 500, Map.of("error", "prediction failed: " + e));
        }
    }

    /** @return the declared Content-Length, or -1 if none or not a number (the JDK rejects those anyway) */
    private static long declaredLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        try {
            return v == null ? -1 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
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

    /**
     * @return the body, or null as soon as more than the limit has arrived (the rest is not read: the JDK closes
     *     the connection after the reply)
     */
    private byte[] readCapped(InputStream in) throws IOException {
        byte[] data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limits.maxBytes() + 1));
        return data.length > limits.maxBytes() ? null : data;
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
        io.shutdownNow();
        classifier.close();
    }
}
