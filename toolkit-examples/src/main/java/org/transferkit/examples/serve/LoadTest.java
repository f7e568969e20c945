package org.transferkit.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded load test of a {@link PredictionService}: {@code clients} concurrent clients post the given
 * images in turn for at most {@code seconds} and at most {@code maxRequests} requests in all. Every
 * response must be 200 and give exactly the prediction (the response without {@code millis}, for a model of any
 * task) the service gave for that image the first time. Targets loopback addresses only.
 */
public final class LoadTest {
    /**
     * What a load test measured.
     *
     * @param requests requests completed
     * @param errors non-200 responses and failed connections
     * @param changed 200 responses whose predictions differ from the first answer for the same image
     * @param p50Millis median latency
     * @param p99Millis 99th-percentile latency
     * @param requestsPerSecond throughput
     * @param seconds wall time
     */
    public record Result(int requests, int errors, int changed, double p50Millis, double p99Millis,
            double requestsPerSecond, double seconds) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d requests in %.1f s: %.1f req/s, p50 %.1f ms, p99 %.1f ms, "
                    + "%d errors, %d changed predictions", requests, seconds, requestsPerSecond, p50Millis, p99Millis,
                    errors, changed);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private LoadTest() {
    }

    /**
     * @param predictUri the service's {@code /predict} URL; its host must be a loopback address
     * @param images image files to post, in turn
     * @param clients concurrent clients, 1..256
     * @param seconds time limit, 1..600
     * @param maxRequests request limit, >= 1
     * @return what it measured
     * @throws IOException if an image cannot be read
     * @throws IllegalArgumentException if the host is not loopback or a limit is out of range
     * @throws InterruptedException if interrupted
     */
    public static Result run(URI predictUri, List<Path> images, int clients, int seconds, int maxRequests)
            throws IOException, InterruptedException {
        if (!InetAddress.getByName(predictUri.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("load tests target loopback addresses only, got " + predictUri.getHost());
        }
        if (clients < 1 || clients > 256 || seconds < 1 || seconds > 600 || maxRequests < 1 || images.isEmpty()) {
            throw new IllegalArgumentException("need 1..256 clients, 1..600 seconds, >= 1 request and >= 1 image; got "
                    + clients + ", " + seconds + ", " + maxRequests + ", " + images.size());
        }
        List<byte[]> bodies = new ArrayList<>();
        for (Path p : images) {
            bodies.add(Files.readAllBytes(p));
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ConcurrentHashMap<Integer, String> firstAnswer = new ConcurrentHashMap<>();
        AtomicInteger issued = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger changed = new AtomicInteger();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> latencies = new ArrayList<>();
        AtomicLong t0 = new AtomicLong(System.nanoTime());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    long[] lat = new long[Math.max(16, maxRequests / clients + 16)];
                    int n = 0;
                    int i;
                    while (System.nanoTime() < deadline && (i = issued.getAndIncrement()) < maxRequests) {
                        int img = i % bodies.size();
                        long s = System.nanoTime();
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(predictUri)
                                    .timeout(Duration.ofSeconds(30))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(img))).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() != 200) {
                                errors.incrementAndGet();
                            } else {
                                String preds = withoutMillis(r.body());
                                String first = firstAnswer.putIfAbsent(img, preds);
                                if (first != null && !first.equals(preds)) {
                                    changed.incrementAndGet();
                                }
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        }
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = System.nanoTime() - s;
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            for (Future<long[]> f : futures) {
                latencies.add(f.get());
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("load client failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        double secs = (System.nanoTime() - t0.get()) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        return new Result(all.length, errors.get(), changed.get(), pct(all, 0.50), pct(all, 0.99), all.length / secs, secs);
    }

    /** @return the response without its timing: the prediction alone, whatever the model's task */
    private static String withoutMillis(String body) throws IOException {
        JsonNode node = JSON.readTree(body);
        if (node instanceof ObjectNode o) {
            o.remove("millis");
        }
        return node.toString();
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
