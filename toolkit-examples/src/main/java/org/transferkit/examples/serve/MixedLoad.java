package org.transferkit.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A bounded load test of a {@link PredictionService} that mixes good and hostile clients in one run, on
 * loopback addresses only. Four classes of client run at once for at most {@link Plan#seconds()}:
 * <ul>
 *   <li>{@link Kind#GOOD}: post the given images in turn; each answer must be {@code 200} with exactly the
 *       prediction (the response without {@code millis}) the image got alone, before the load;</li>
 *   <li>{@link Kind#BOMB}: post decompression bombs in turn ({@link HostileBodies#pngBomb()}, 46000 × 46000, and
 *       {@link HostileBodies#jpegBomb()}, 65500 × 65500); each must get {@code 413};</li>
 *   <li>{@link Kind#TRUNCATED}: post the first half of each JPEG among the images; each must get {@code 200}
 *       (the decodable part, the rest grey) or {@code 400}, and the same answer the body got alone;</li>
 *   <li>{@link Kind#SLOW}: hold connections that never finish their request ({@link SlowClient.Kind}, in turn),
 *       opening a new one until the time limit; the service must close each within its deadline +
 *       {@link #CUT_OFF_MARGIN_SECONDS}, so the run ends at most that long after the time limit.</li>
 * </ul>
 * Before the load, every distinct body is posted once, alone, to record the answer it must keep getting. The
 * memory of this JVM (where the service runs in {@code transferkit loadtest}) is sampled throughout by
 * {@link MemorySampler}.
 */
public final class MixedLoad {
    /** Time a slow connection may stay open past the service's deadline before it counts as not cut off. */
    public static final int CUT_OFF_MARGIN_SECONDS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A class of request. */
    public enum Kind {
        /** real images */
        GOOD,
        /** decompression bombs */
        BOMB,
        /** truncated JPEGs */
        TRUNCATED,
        /** connections that never finish their request */
        SLOW;

        /** Returns the name in reports. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What to run.
     *
     * @param good clients posting the images, >= 1
     * @param bombs clients posting decompression bombs, >= 0
     * @param truncated clients posting truncated JPEGs, >= 0
     * @param slow slow clients, >= 0
     * @param seconds time limit of the load, 1..600 (slow connections opened before it may last up to {@code
     *     cutOffSeconds +} {@link #CUT_OFF_MARGIN_SECONDS} longer)
     * @param maxRequests limit on the requests the posting clients send in all, >= 1
     * @param cutOffSeconds the service's request deadline ({@link PredictionService#jdkTimeoutSeconds()}), >= 1
     *     when there are slow clients
     */
    public record Plan(int good, int bombs, int truncated, int slow, int seconds, int maxRequests, long cutOffSeconds) {
        /** @throws IllegalArgumentException if a value is out of range; the message names it */
        public Plan {
            int all = good + bombs + truncated + slow;
            if (good < 1 || bombs < 0 || truncated < 0 || slow < 0 || all > 256) {
                throw new IllegalArgumentException("need >= 1 good client, >= 0 of the others and at most 256 in all;"
                        + " got good " + good + ", bombs " + bombs + ", truncated " + truncated + ", slow " + slow);
            }
            if (seconds < 1 || seconds > 600 || maxRequests < 1) {
                throw new IllegalArgumentException("need 1..600 seconds and >= 1 request; got " + seconds + ", "
                        + maxRequests);
            }
            if (slow > 0 && (cutOffSeconds < 1 || cutOffSeconds > 600)) {
                throw new IllegalArgumentException("slow clients need a service deadline of 1..600 s (the service's "
                        + "request deadline, which cuts them off); got " + cutOffSeconds);
            }
        }

        /** Returns how many clients of a class. */
        public int clients(Kind kind) {
            return switch (kind) {
                case GOOD -> good;
                case BOMB -> bombs;
                case TRUNCATED -> truncated;
                case SLOW -> slow;
            };
        }
    }

    /**
     * What one class of request saw.
     *
     * @param kind the class
     * @param clients its clients
     * @param requests its requests (for slow clients: connections)
     * @param answers count per HTTP status, or per {@link LoadTally#FAILED} ("no answer"), {@link
     *     LoadTally#CUT_OFF} (closed without a reply), {@link LoadTally#NOT_CUT_OFF}
     * @param unexpected requests whose answer this class must not get (for good requests: the errors)
     * @param changed expected answers that differ from the answer the same body got alone
     * @param p50Millis median latency (slow clients: time from connecting to the cut-off)
     * @param p99Millis 99th-percentile latency
     * @param maxMillis the longest
     */
    public record ClassResult(Kind kind, int clients, int requests, SortedMap<Integer, Integer> answers,
            int unexpected, int changed, double p50Millis, double p99Millis, double maxMillis) {
        /** Copies the map. */
        public ClassResult {
            answers = new TreeMap<>(answers);
        }
    }

    /**
     * What a mixed load test measured.
     *
     * @param classes one result per class of request that had clients, in {@link Kind} order
     * @param seconds wall time of the load, until the last slow connection ended (without the answers alone)
     * @param memory this JVM's memory: {@code start} (after the reference answers), periodic samples, {@code end}
     */
    public record Result(List<ClassResult> classes, double seconds, MemorySampler.Summary memory) {
        /** Copies the list. */
        public Result {
            classes = List.copyOf(classes);
        }

        /** Returns the result of a class; an empty one if it had no clients. */
        public ClassResult of(Kind kind) {
            return classes.stream().filter(c -> c.kind() == kind).findFirst()
                    .orElse(new ClassResult(kind, 0, 0, new TreeMap<>(), 0, 0, Double.NaN, Double.NaN, Double.NaN));
        }

        /** Returns whether every request got an expected and unchanged answer. */
        public boolean passed() {
            return classes.stream().allMatch(c -> c.unexpected() == 0 && c.changed() == 0);
        }

        /** Returns the memory figures as one line: heap after GC and RSS at start, peak and end. */
        public String memoryLine() {
            return memory.toString();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(LoadTally.header()).append('\n');
            classes.forEach(c -> b.append(LoadTally.row(c)).append('\n'));
            ClassResult good = of(Kind.GOOD);
            b.append(String.format(Locale.ROOT, "%.1f s; good requests: %d errors, %d changed predictions; %s",
                    seconds, good.unexpected(), good.changed(), passed() ? "every answer as expected"
                            : "SOME ANSWERS UNEXPECTED OR CHANGED"));
            return b.append("\nmemory: ").append(memoryLine()).append("\nmemory over time (heap after GC/RSS, MiB): ")
                    .append(memory.timeline()).toString();
        }
    }

    /** An answer reduced to what must not change: the status and the body without {@code millis}. */
    record Answer(int status, String text) {
    }

    private MixedLoad() {
    }

    /**
     * Runs the mixed load.
     *
     * @param predictUri the service's {@code /predict} URL; its host must be a loopback address
     * @param images the good images, posted in turn; the JPEGs among them are also posted truncated
     * @param plan the clients and limits
     * @return what it measured
     * @throws IOException if an image cannot be read
     * @throws IllegalArgumentException if the host is not loopback, there are no images, truncated clients but
     *     no JPEG, or an image does not get {@code 200} alone
     * @throws InterruptedException if interrupted
     */
    public static Result run(URI predictUri, List<Path> images, Plan plan) throws IOException, InterruptedException {
        InetAddress host = InetAddress.getByName(predictUri.getHost());
        if (!host.isLoopbackAddress()) {
            throw new IllegalArgumentException("load tests target loopback addresses only, got " + predictUri.getHost());
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        LoadClients.Bodies bodies = LoadClients.Bodies.read(images, plan.truncated() > 0, http, predictUri);
        Map<Kind, LoadTally> tallies = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            if (plan.clients(k) > 0) {
                tallies.put(k, new LoadTally(k, plan.clients(k)));
            }
        }
        try (MemorySampler memory = MemorySampler.start(Math.max(1_000, plan.seconds() * 1000L / 20))) {
            long t0 = System.nanoTime();
            LoadClients clients = new LoadClients(http, predictUri, new InetSocketAddress(host, predictUri.getPort()),
                    plan, bodies, t0 + plan.seconds() * 1_000_000_000L);
            runAll(clients, tallies, plan);
            double secs = (System.nanoTime() - t0) / 1e9;
            MemorySampler.Summary mem = memory.finish();
            return new Result(tallies.values().stream().map(LoadTally::result).toList(), secs, mem);
        }
    }

    private static void runAll(LoadClients clients, Map<Kind, LoadTally> tallies, Plan plan) throws InterruptedException {
        int all = plan.good() + plan.bombs() + plan.truncated() + plan.slow();
        ExecutorService pool = Executors.newFixedThreadPool(all, r -> {
            Thread t = new Thread(r, "transferkit-load-client");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Map.Entry<Kind, LoadTally> e : tallies.entrySet()) {
                for (int c = 0; c < plan.clients(e.getKey()); c++) {
                    int client = c;
                    futures.add(pool.submit(() -> {
                        clients.run(e.getKey(), client, e.getValue());
                        return null;
                    }));
                }
            }
            // every request is bounded (30 s), every slow connection too (deadline + margin)
            long waitMillis = (plan.seconds() + plan.cutOffSeconds() + CUT_OFF_MARGIN_SECONDS + 40) * 1000L;
            long end = System.nanoTime() + waitMillis * 1_000_000L;
            for (Future<?> f : futures) {
                f.get(Math.max(1, (end - System.nanoTime()) / 1_000_000L), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("load client failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("load clients did not stop in time", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Returns whether an answer under load is the one the same body got alone: the same status and the same JSON, its
     * numbers (probabilities, thresholds) within 1e-5. oneDNN's kernels may round the last bits differently from one
     * run to another (how a primitive splits its work depends on the threads it runs on); an answer mixed up with
     * another request's, or computed from damaged pixels, differs by far more.
     */
    static boolean sameAnswer(Answer alone, Answer now) {
        if (alone.equals(now)) {
            return true;
        }
        if (alone.status() != now.status()) {
            return false;
        }
        try {
            return close(JSON.readTree(alone.text()), JSON.readTree(now.text()));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean close(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return Math.abs(a.asDouble() - b.asDouble()) <= 1e-5;
        }
        if (a.getNodeType() != b.getNodeType() || a.size() != b.size()) {
            return false;
        }
        if (a.isArray()) {
            for (int i = 0; i < a.size(); i++) {
                if (!close(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject()) {
            for (var it = a.fieldNames(); it.hasNext();) {
                String n = it.next();
                if (!b.has(n) || !close(a.get(n), b.get(n))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Returns the answer without its timing. */
    static Answer answer(int status, String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node instanceof ObjectNode o) {
                o.remove("millis");
            }
            return new Answer(status, node.toString());
        } catch (IOException e) {
            return new Answer(status, body);
        }
    }

    /** Returns the answer to posting a body, or an answer with status {@link LoadTally#FAILED}. */
    static Answer post(HttpClient http, URI uri, byte[] body) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            return answer(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Answer(LoadTally.FAILED, e.toString());
        }
    }
}
