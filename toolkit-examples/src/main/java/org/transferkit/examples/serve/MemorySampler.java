package org.transferkit.examples.serve;

import com.sun.management.GcInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * Samples this JVM's memory during a load test: the Java heap in use after the most recent garbage collection
 * (the live heap, without the garbage between collections) and the process's resident set (VmRSS from
 * {@code /proc/self/status}, which also counts ND4J's off-heap buffers and native code; -1 where there is no
 * such file). The first and last samples follow a forced collection; the periodic ones force nothing, so they
 * do not pause the service.
 */
public final class MemorySampler implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");

    /**
     * One sample.
     *
     * @param seconds since the sampler started
     * @param heapAfterGcBytes heap in use after the most recent collection
     * @param rssBytes resident set size, or -1 if unknown
     */
    public record Sample(double seconds, long heapAfterGcBytes, long rssBytes) {
    }

    /**
     * Start, peak and end of the samples.
     *
     * @param samples every sample, in order
     */
    public record Summary(List<Sample> samples) {
        /** Copies the list, which must not be empty. */
        public Summary {
            samples = List.copyOf(samples);
        }

        /** Returns the first sample (after a forced collection, before the load). */
        public Sample start() {
            return samples.get(0);
        }

        /** Returns the last sample (after a forced collection, after the load). */
        public Sample end() {
            return samples.get(samples.size() - 1);
        }

        /**
         * Returns the largest value of a field over the samples.
         *
         * @param field a field of the samples
         * @return its largest value
         */
        public long peak(ToLongFunction<Sample> field) {
            return samples.stream().mapToLong(field).max().orElse(-1);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "heap after GC start %.1f MiB, peak %.1f MiB, end %.1f MiB; "
                    + "RSS start %.1f MiB, peak %.1f MiB, end %.1f MiB (%d samples)",
                    mib(start().heapAfterGcBytes()), mib(peak(Sample::heapAfterGcBytes)), mib(end().heapAfterGcBytes()),
                    mib(start().rssBytes()), mib(peak(Sample::rssBytes)), mib(end().rssBytes()), samples.size());
        }

        /**
         * Returns every sample as {@code seconds s heap/RSS} in MiB, e.g. {@code 0 s 22.7/320.5, 3 s 25.1/410.2}.
         */
        public String timeline() {
            return samples.stream().map(x -> String.format(Locale.ROOT, "%.0f s %.1f/%.1f", x.seconds(),
                    mib(x.heapAfterGcBytes()), mib(x.rssBytes()))).collect(Collectors.joining(", "));
        }

        private static double mib(long bytes) {
            return bytes < 0 ? Double.NaN : bytes / 1048576.0;
        }
    }

    private final long t0 = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "transferkit-memory-sampler");
        t.setDaemon(true);
        return t;
    });

    private MemorySampler() {
    }

    /**
     * Takes the first sample after a forced collection, then one every {@code everyMillis}.
     *
     * @param everyMillis sampling period, >= 100
     * @return the running sampler
     */
    static MemorySampler start(long everyMillis) {
        MemorySampler m = new MemorySampler();
        m.sample(true);
        var unused = m.timer.scheduleAtFixedRate(() -> m.sample(false), everyMillis, Math.max(100, everyMillis),
                TimeUnit.MILLISECONDS); // stopped by shutting the timer down
        return m;
    }

    /** Returns the samples so far, ending with one taken now after a forced collection. */
    Summary finish() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample(true);
        synchronized (samples) {
            return new Summary(samples);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    private void sample(boolean forceGc) {
        if (forceGc) {
            System.gc();
        }
        Sample s = new Sample((System.nanoTime() - t0) / 1e9, heapAfterLastGc(), rss());
        synchronized (samples) {
            samples.add(s);
        }
    }

    /** Returns the heap in use after the collection that ended last, or the heap in use now if none ran yet. */
    static long heapAfterLastGc() {
        Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
        GcInfo last = null;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof com.sun.management.GarbageCollectorMXBean g) {
                GcInfo info = g.getLastGcInfo();
                if (info != null && (last == null || info.getEndTime() > last.getEndTime())) {
                    last = info;
                }
            }
        }
        if (last == null) {
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
        return last.getMemoryUsageAfterGc().entrySet().stream().filter(e -> heapPools.contains(e.getKey()))
                .map(java.util.Map.Entry::getValue).mapToLong(MemoryUsage::getUsed).sum();
    }

    /** Returns VmRSS of this process in bytes, or -1 if {@code /proc/self/status} cannot be read. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
