package org.transferkit.examples.serve;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.transferkit.examples.serve.MixedLoad.Answer;
import org.transferkit.examples.serve.MixedLoad.Kind;

/** The client loops of a {@link MixedLoad} run, one call of {@link #run} per client thread. */
final class LoadClients {
    /**
     * The bodies the posting clients send, with the answer each got alone.
     *
     * @param files the good images
     * @param good their bytes
     * @param goodAlone the answer each got alone
     * @param truncated the first half of each JPEG among them
     * @param truncatedAlone the answer each truncated body got alone
     */
    record Bodies(List<Path> files, List<byte[]> good, List<Answer> goodAlone, List<byte[]> truncated,
            List<Answer> truncatedAlone) {
        /**
         * Reads the images and posts every body once, one after the other, to record its answer alone.
         *
         * @throws IllegalArgumentException if there are no images, truncated bodies are wanted but no image is a
         *     JPEG, or an image does not get {@code 200} alone
         */
        static Bodies read(List<Path> images, boolean truncate, HttpClient http, URI uri)
                throws IOException, InterruptedException {
            if (images.isEmpty()) {
                throw new IllegalArgumentException("need at least one image");
            }
            List<byte[]> good = new ArrayList<>();
            List<byte[]> truncated = new ArrayList<>();
            for (Path p : images) {
                byte[] b = Files.readAllBytes(p);
                good.add(b);
                if (truncate && HostileBodies.isJpeg(b)) {
                    truncated.add(HostileBodies.firstHalf(b));
                }
            }
            if (truncate && truncated.isEmpty()) {
                throw new IllegalArgumentException("truncated clients need at least one JPEG among the images");
            }
            List<Answer> goodAlone = new ArrayList<>();
            for (int i = 0; i < good.size(); i++) {
                Answer a = MixedLoad.post(http, uri, good.get(i));
                if (a.status() != 200) {
                    throw new IllegalArgumentException(images.get(i) + " gets " + a.status() + " alone, not 200: "
                            + a.text());
                }
                goodAlone.add(a);
            }
            List<Answer> truncatedAlone = new ArrayList<>();
            for (byte[] t : truncated) {
                truncatedAlone.add(MixedLoad.post(http, uri, t));
            }
            return new Bodies(List.copyOf(images), good, goodAlone, truncated, truncatedAlone);
        }
    }

    private final HttpClient http;
    private final URI uri;
    private final InetSocketAddress address;
    private final MixedLoad.Plan plan;
    private final Bodies bodies;
    private final long deadline;
    private final AtomicInteger issued = new AtomicInteger();
    private final Map<Kind, AtomicInteger> cursors = new EnumMap<>(Kind.class);
    private final byte[] pngBomb = HostileBodies.pngBomb();
    private final byte[] jpegBomb = HostileBodies.jpegBomb();

    LoadClients(HttpClient http, URI uri, InetSocketAddress address, MixedLoad.Plan plan, Bodies bodies,
            long deadlineNanos) {
        this.http = http;
        this.uri = uri;
        this.address = address;
        this.plan = plan;
        this.bodies = bodies;
        this.deadline = deadlineNanos;
        for (Kind k : Kind.values()) {
            cursors.put(k, new AtomicInteger());
        }
    }

    /**
     * Runs one client until the deadline (posting clients: or until the request limit is reached).
     *
     * @param kind its class
     * @param client its number within the class
     * @param tally where its requests are recorded
     * @throws InterruptedException if interrupted
     */
    void run(Kind kind, int client, LoadTally tally) throws InterruptedException {
        if (kind == Kind.SLOW) {
            slow(client, tally);
            return;
        }
        AtomicInteger cursor = cursors.get(kind);
        while (System.nanoTime() < deadline && issued.getAndIncrement() < plan.maxRequests()) {
            int i = cursor.getAndIncrement();
            byte[] body;
            Answer alone;
            switch (kind) {
                case GOOD -> {
                    body = bodies.good().get(i % bodies.good().size());
                    alone = bodies.goodAlone().get(i % bodies.good().size());
                }
                case TRUNCATED -> {
                    body = bodies.truncated().get(i % bodies.truncated().size());
                    alone = bodies.truncatedAlone().get(i % bodies.truncated().size());
                }
                default -> {
                    body = i % 2 == 0 ? pngBomb : jpegBomb;
                    alone = null;
                }
            }
            long t0 = System.nanoTime();
            Answer a = MixedLoad.post(http, uri, body);
            long took = System.nanoTime() - t0;
            boolean expected = switch (kind) {
                case GOOD -> a.status() == 200;
                case TRUNCATED -> a.status() == 200 || a.status() == 400;
                default -> a.status() == 413;
            };
            boolean same = alone == null || MixedLoad.sameAnswer(alone, a);
            if (expected && !same) {
                System.err.println("changed answer: alone " + alone + ", under load " + a);
            }
            tally.record(a.status(), took, expected, same);
        }
    }

    /** Holds slow connections, one after the other, until the deadline; the last one may end after it. */
    private void slow(int client, LoadTally tally) throws InterruptedException {
        long giveUpMillis = (plan.cutOffSeconds() + MixedLoad.CUT_OFF_MARGIN_SECONDS) * 1000;
        SlowClient.Kind[] kinds = SlowClient.Kind.values();
        for (int k = client; System.nanoTime() < deadline; k++) {
            try {
                SlowClient.Outcome o = SlowClient.hold(address, kinds[k % kinds.length], giveUpMillis);
                tally.record(o.cutOff() ? o.status() : LoadTally.NOT_CUT_OFF, o.nanos(), o.cutOff(), true);
            } catch (IOException e) {
                tally.record(LoadTally.FAILED, 0, false, true);
                Thread.sleep(SlowClient.PAUSE_MILLIS);
            }
        }
    }
}
