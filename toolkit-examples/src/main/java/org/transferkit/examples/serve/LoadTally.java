package org.transferkit.examples.serve;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What the clients of one class of request saw in a {@link MixedLoad} run; thread-safe. */
final class LoadTally {
    /** Answer code of a request that got no HTTP answer (connection refused, reset or timed out). */
    static final int FAILED = -1;
    /** Answer code of a slow connection the server closed without a reply. */
    static final int CUT_OFF = 0;
    /** Answer code of a slow connection still open when the client gave up. */
    static final int NOT_CUT_OFF = -2;

    private final MixedLoad.Kind kind;
    private final int clients;
    private final SortedMap<Integer, Integer> answers = new TreeMap<>();
    private long[] nanos = new long[256];
    private int n;
    private int unexpected;
    private int changed;

    LoadTally(MixedLoad.Kind kind, int clients) {
        this.kind = kind;
        this.clients = clients;
    }

    /**
     * Records one request.
     *
     * @param code the HTTP status or one of {@link #FAILED}, {@link #CUT_OFF}, {@link #NOT_CUT_OFF}
     * @param took its latency
     * @param expected whether the answer is what this class of request must get
     * @param sameAsAlone whether the answer is the one the same body got alone, before the load
     */
    synchronized void record(int code, long took, boolean expected, boolean sameAsAlone) {
        answers.merge(code, 1, Integer::sum);
        if (n == nanos.length) {
            nanos = Arrays.copyOf(nanos, n * 2);
        }
        nanos[n++] = took;
        if (!expected) {
            unexpected++;
        }
        if (expected && !sameAsAlone) {
            changed++;
        }
    }

    synchronized MixedLoad.ClassResult result() {
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        return new MixedLoad.ClassResult(kind, clients, n, answers, unexpected, changed, pct(sorted, 0.50),
                pct(sorted, 0.99), sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6);
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    /** Returns the answers as text, e.g. {@code 200 x120, 400 x3, cut off x2}. */
    static String describe(Map<Integer, Integer> answers) {
        return answers.entrySet().stream().map(e -> name(e.getKey()) + " x" + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String name(int code) {
        return switch (code) {
            case FAILED -> "no answer";
            case CUT_OFF -> "cut off";
            case NOT_CUT_OFF -> "NOT cut off";
            default -> Integer.toString(code);
        };
    }

    /** Returns one row of the report table. */
    static String row(MixedLoad.ClassResult r) {
        return String.format(Locale.ROOT, "%-10s %7d %9d  %-28s %9.1f %9.1f %9.1f %10d %8d", r.kind().id(),
                r.clients(), r.requests(), describe(r.answers()), r.p50Millis(), r.p99Millis(), r.maxMillis(),
                r.unexpected(), r.changed());
    }

    /** Returns the header of the report table. */
    static String header() {
        return String.format(Locale.ROOT, "%-10s %7s %9s  %-28s %9s %9s %9s %10s %8s", "class", "clients",
                "requests", "answers", "p50 ms", "p99 ms", "max ms", "unexpected", "changed");
    }
}
