package org.transferkit.zoo;

import org.transferkit.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.Adler32;
import org.transferkit.WeightsException;

/**
 * Downloads a weights file safely: http(s) only, connect and read timeouts, an overall deadline, a size cap
 * (the expected size where known), retries with exponential backoff,
 * resume of a partial file ({@code Range} requests into {@code NAME.part}), a size check, SHA-256 and/or
 * Adler32 checksums (DL4J publishes Adler32 for its zoo zips), and an atomic move into place. A file
 * that fails its checksum is moved aside to {@code NAME.corrupt}; nothing unverified ever sits at the
 * final name. Immutable and thread-safe for different target files.
 */
public final class WeightsDownloader {
    /** Progress of one download. */
    @FunctionalInterface
    public interface Progress {
        /**
         * @param bytes bytes on disk so far
         * @param total expected bytes, or -1 when the server did not say
         */
        void update(long bytes, long total);

        /** A progress sink that ignores updates. */
        Progress NONE = (b, t) -> { };
    }

    /**
     * What to fetch.
     *
     * @param url where from (http or https; other schemes are refused by {@link #fetch})
     * @param fileName the name it gets in the target folder
     * @param sha256 expected SHA-256 in hex, or null
     * @param adler32 expected Adler32, or null
     * @param expectedBytes the file's exact size, or -1 when unknown (the downloader's cap applies then)
     */
    public record Spec(URI url, String fileName, String sha256, Long adler32, long expectedBytes) {
        /**
         * A spec of unknown size.
         *
         * @param url where from
         * @param fileName the name it gets in the target folder
         * @param sha256 expected SHA-256 in hex, or null
         * @param adler32 expected Adler32, or null
         */
        public Spec(URI url, String fileName, String sha256, Long adler32) {
            this(url, fileName, sha256, adler32, -1);
        }
    }

    /** The default overall deadline of one fetch, retries included. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(30);
    /** The default size cap of a file whose size is not known in advance: 2 GiB. */
    public static final long DEFAULT_MAX_BYTES = 2L << 30;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int attempts;
    private final Duration backoff;
    private final Duration deadline;
    private final long maxBytes;

    /**
     * With {@link #DEFAULT_DEADLINE} and {@link #DEFAULT_MAX_BYTES}.
     *
     * @param connectTimeout connect timeout, > 0
     * @param readTimeout timeout of each read, > 0
     * @param attempts tries in all, >= 1 (a 4xx answer is not retried)
     * @param backoff wait before the second try; doubled before each later one
     * @throws IllegalArgumentException if a value is out of range
     */
    public WeightsDownloader(Duration connectTimeout, Duration readTimeout, int attempts, Duration backoff) {
        this(connectTimeout, readTimeout, attempts, backoff, DEFAULT_DEADLINE, DEFAULT_MAX_BYTES);
    }

    /**
     * @param connectTimeout connect timeout, > 0
     * @param readTimeout timeout of each read, > 0
     * @param attempts tries in all, >= 1 (a 4xx answer is not retried)
     * @param backoff wait before the second try; doubled before each later one
     * @param deadline the longest one fetch may take, retries and backoff included, > 0
     * @param maxBytes the largest file accepted when its spec gives no expected size, >= 1
     * @throws IllegalArgumentException if a value is out of range
     */
    public WeightsDownloader(Duration connectTimeout, Duration readTimeout, int attempts, Duration backoff,
            Duration deadline, long maxBytes) {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()
                || attempts < 1 || backoff.isNegative() || deadline.isNegative() || deadline.isZero() || maxBytes < 1) {
            throw new IllegalArgumentException("timeouts and deadline must be > 0, attempts >= 1, backoff >= 0, max bytes"
                    + " >= 1; got " + connectTimeout + ", " + readTimeout + ", " + attempts + ", " + backoff + ", "
                    + deadline + ", " + maxBytes);
        }
        this.deadline = deadline;
        this.maxBytes = maxBytes;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.attempts = attempts;
        this.backoff = backoff;
    }

    /** @return 10 s connect, 60 s read, 4 attempts, 1 s first backoff, 30 min deadline, 2 GiB cap */
    public static WeightsDownloader defaults() {
        return new WeightsDownloader(Duration.ofSeconds(10), Duration.ofSeconds(60), 4, Duration.ofSeconds(1));
    }

    /**
     * Fetches {@code spec} into {@code dir}, or returns the file there if it is already complete and verified.
     *
     * @param spec what to fetch
     * @param dir target folder (created)
     * @param progress progress sink
     * @return the verified file
     * @throws WeightsException on a URL that is not http or https, a 4xx/5xx answer, an unresolvable host,
     *     timeouts or truncation after every attempt, the deadline passing, a file larger than the expected size
     *     or the cap (nothing is kept then), or a checksum mismatch; the message names the URL, the file and
     *     what to do, and says whether a partial file is kept
     */
    public Path fetch(Spec spec, Path dir, Progress progress) throws WeightsException {
        String scheme = spec.url().getScheme() == null ? "" : spec.url().getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new WeightsException("cannot download " + spec.url() + ": only http and https URLs are fetched, not '"
                    + scheme + ":'; copy the file by hand to " + dir.resolve(spec.fileName()).toAbsolutePath());
        }
        Path target = dir.resolve(spec.fileName());
        Path part = dir.resolve(spec.fileName() + ".part");
        long endNanos = System.nanoTime() + deadline.toNanos();
        try {
            Files.createDirectories(dir);
            if (Files.isRegularFile(target)) {
                verify(spec, target);
                return target;
            }
        } catch (IOException e) {
            throw new WeightsException("cannot use weights folder " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        String lastProblem = "";
        int tried = 0;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                sleep(backoff.multipliedBy(1L << Math.min(20, attempt - 2)));
            }
            if (System.nanoTime() >= endNanos) {
                lastProblem = "the deadline of " + deadline.toSeconds() + " s passed";
                break;
            }
            tried = attempt;
            try {
                if (transfer(spec, part, progress, endNanos)) {
                    verify(spec, part);
                    move(part, target);
                    return target;
                }
                lastProblem = "the connection closed early (truncated download)";
            } catch (UnknownHostException e) {
                throw new WeightsException("cannot resolve host '" + spec.url().getHost() + "' (offline?) for " + spec.url()
                        + ". Fetch it by hand and put it at " + target.toAbsolutePath(), e);
            } catch (SocketTimeoutException e) {
                lastProblem = "timed out (" + e.getMessage() + "; connect " + connectTimeout.toMillis() + " ms, read "
                        + readTimeout.toMillis() + " ms)";
            } catch (HttpStatusException e) {
                if (e.status < 500) {
                    throw new WeightsException("HTTP " + e.status + " for " + spec.url() + ": the file is not there. Fetch "
                            + spec.fileName() + " by hand and put it at " + target.toAbsolutePath(), e);
                }
                lastProblem = "HTTP " + e.status;
            } catch (DeadlineException e) {
                lastProblem = "the deadline of " + deadline.toSeconds() + " s passed";
                break;
            } catch (IOException e) {
                lastProblem = e.toString();
            }
        }
        throw new WeightsException("download of " + spec.url() + " failed after " + tried + " attempt(s): " + lastProblem
                + ". " + partNote(part)
                + "; or fetch " + spec.fileName() + " by hand and put it at " + target.toAbsolutePath());
    }

    /** @return what is true of the partial file now */
    private static String partNote(Path part) {
        try {
            long n = Files.isRegularFile(part) ? Files.size(part) : 0;
            return n > 0 ? "The partial file " + part.toAbsolutePath() + " (" + n + " bytes) is kept and resumed next time"
                    : "No partial file is kept";
        } catch (IOException e) {
            return "The partial file " + part.toAbsolutePath() + " cannot be read (" + e.getMessage() + ")";
        }
    }

    /** @return the size cap of this spec: its expected size where known, else the downloader's cap */
    private long cap(Spec spec) {
        return spec.expectedBytes() > 0 ? spec.expectedBytes() : maxBytes;
    }

    private WeightsException tooLarge(Spec spec, Path part, long bytes) throws IOException {
        Files.deleteIfExists(part);
        return new WeightsException("download of " + spec.url() + " refused: the file is larger than "
                + (spec.expectedBytes() > 0 ? "its expected size of " : "the cap of ") + cap(spec) + " bytes (" + bytes
                + " bytes declared or received); nothing is kept. Check the URL or the mirror");
    }

    /** @return true if the part file is complete */
    private boolean transfer(Spec spec, Path part, Progress progress, long endNanos) throws IOException, WeightsException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpURLConnection c = (HttpURLConnection) spec.url().toURL().openConnection(); // http(s): checked in fetch
        try {
            int left = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (endNanos - System.nanoTime()) / 1_000_000));
            c.setConnectTimeout(Math.min((int) connectTimeout.toMillis(), left));
            c.setReadTimeout(Math.min((int) readTimeout.toMillis(), left));
            c.setInstanceFollowRedirects(true);
            if (have > 0) {
                c.setRequestProperty("Range", "bytes=" + have + "-");
            }
            int status = c.getResponseCode();
            if (status == 416) { // asked for bytes past the end: the part is whole, or junk; start again
                Files.deleteIfExists(part);
                return false;
            }
            if (status != 200 && status != 206) {
                throw new HttpStatusException(status);
            }
            boolean append = status == 206 && have > 0;
            long length = c.getContentLengthLong();
            long total = length < 0 ? -1 : (append ? have + length : length);
            long done = append ? have : 0;
            if (total > cap(spec)) {
                throw tooLarge(spec, part, total);
            }
            try (InputStream in = c.getInputStream();
                    OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0;) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.update(done, total);
                    if (done > cap(spec)) {
                        out.close();
                        throw tooLarge(spec, part, done);
                    }
                    if (System.nanoTime() >= endNanos) {
                        throw new DeadlineException();
                    }
                }
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException || e instanceof DeadlineException) {
                    throw e;
                }
                return false; // connection cut: resume on the next attempt
            }
            return total < 0 || done >= total;
        } finally {
            c.disconnect();
        }
    }

    private static void verify(Spec spec, Path file) throws WeightsException {
        try {
            if (spec.sha256() != null) {
                String actual = Checksums.sha256(file);
                if (!actual.equalsIgnoreCase(spec.sha256())) {
                    throw mismatch(spec, file, "SHA-256", spec.sha256().toLowerCase(Locale.ROOT), actual);
                }
            }
            if (spec.adler32() != null) {
                long actual = adler32Unchecked(file);
                if (actual != spec.adler32()) {
                    throw mismatch(spec, file, "Adler32", Long.toString(spec.adler32()), Long.toString(actual));
                }
            }
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file.toAbsolutePath() + " to verify it: " + e.getMessage(), e);
        }
    }

    private static WeightsException mismatch(Spec spec, Path file, String kind, String expected, String actual)
            throws IOException {
        Path aside = file.resolveSibling(spec.fileName() + ".corrupt");
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        return new WeightsException(kind + " mismatch for " + spec.fileName() + " from " + spec.url() + ": expected "
                + expected + ", got " + actual + ". The file was moved aside to " + aside.toAbsolutePath()
                + " and will not be used; fetch again or check the mirror.");
    }

    /**
     * @param file a file
     * @return its Adler32 checksum (DL4J's checksum for zoo zips)
     * @throws WeightsException if it cannot be read
     */
    public static long adler32(Path file) throws WeightsException {
        try {
            return adler32Unchecked(file);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static long adler32Unchecked(Path file) throws IOException {
        Adler32 a = new Adler32();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0;) {
                a.update(buf, 0, n);
            }
        }
        return a.getValue();
    }

    private static void move(Path part, Path target) throws IOException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void sleep(Duration d) throws WeightsException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WeightsException("download interrupted", e);
        }
    }

    /** The overall deadline passed mid-transfer (what was received stays in the part file). */
    private static final class DeadlineException extends IOException {
        private static final long serialVersionUID = 1L;

        DeadlineException() {
            super("deadline passed");
        }
    }

    /** A non-success HTTP status. */
    private static final class HttpStatusException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        HttpStatusException(int status) {
            super("HTTP " + status);
            this.status = status;
        }
    }
}
