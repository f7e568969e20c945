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
 * Downloads a weights file safely: connect and read timeouts, retries with exponential backoff,
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
     * @param url where from (http or https)
     * @param fileName the name it gets in the target folder
     * @param sha256 expected SHA-256 in hex, or null
     * @param adler32 expected Adler32, or null
     */
    public record Spec(URI url, String fileName, String sha256, Long adler32) {
    }

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int attempts;
    private final Duration backoff;

    /**
     * @param connectTimeout connect timeout, > 0
     * @param readTimeout timeout of each read, > 0
     * @param attempts tries in all, >= 1 (a 4xx answer is not retried)
     * @param backoff wait before the second try; doubled before each later one
     * @throws IllegalArgumentException if a value is out of range
     */
    public WeightsDownloader(Duration connectTimeout, Duration readTimeout, int attempts, Duration backoff) {
        if (connectTimeout.isNegative() || connectTimeout.isZero() || readTimeout.isNegative() || readTimeout.isZero()
                || attempts < 1 || backoff.isNegative()) {
            throw new IllegalArgumentException("timeouts must be > 0, attempts >= 1, backoff >= 0; got " + connectTimeout
                    + ", " + readTimeout + ", " + attempts + ", " + backoff);
        }
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.attempts = attempts;
        this.backoff = backoff;
    }

    /** @return 10 s connect, 60 s read, 4 attempts, 1 s first backoff */
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
     * @throws WeightsException on a 4xx/5xx answer, an unresolvable host, timeouts or truncation after every
     *     attempt, or a checksum mismatch; the message names the URL, the file and what to do
     */
    public Path fetch(Spec spec, Path dir, Progress progress) throws WeightsException {
        Path target = dir.resolve(spec.fileName());
        Path part = dir.resolve(spec.fileName() + ".part");
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
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                sleep(backoff.multipliedBy(1L << Math.min(20, attempt - 2)));
            }
            try {
                if (transfer(spec, part, progress)) {
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
            } catch (IOException e) {
                lastProblem = e.toString();
            }
        }
        throw new WeightsException("download of " + spec.url() + " failed after " + attempts + " attempt(s): " + lastProblem
                + ". The partial file " + part.toAbsolutePath() + " is kept and resumed next time; or fetch "
                + spec.fileName() + " by hand and put it at " + target.toAbsolutePath());
    }

    /** @return true if the part file is complete */
    private boolean transfer(Spec spec, Path part, Progress progress) throws IOException, WeightsException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpURLConnection c = (HttpURLConnection) spec.url().toURL().openConnection();
        try {
            c.setConnectTimeout((int) connectTimeout.toMillis());
            c.setReadTimeout((int) readTimeout.toMillis());
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
            try (InputStream in = c.getInputStream();
                    OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0;) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.update(done, total);
                }
            } catch (IOException e) {
                if (e instanceof SocketTimeoutException) {
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
