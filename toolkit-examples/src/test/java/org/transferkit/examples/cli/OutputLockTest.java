package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.TransferKitException;

/** Issue 18, problems 6 and 8: the output lock, stale .part files, and one-line environment errors. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OutputLockTest {
    @TempDir
    Path tmp;

    /** Holds the lock on args[0] until killed: a second train run in another process. */
    public static void main(String[] args) throws Exception {
        try (OutputLock lock = OutputLock.acquire(Path.of(args[0]), null, false, new PrintWriter(System.out, true))) {
            System.out.println("locked");
            System.out.flush();
            Thread.sleep(60_000);
        }
    }

    static String log(StringWriter w) {
        return w.toString();
    }

    @Test
    void aSecondRunInThisOrAnotherProcessFailsAtOnceAndADeadRunsLockIsFree() throws Exception {
        Path out = tmp.resolve("out/classifier.zip");
        StringWriter w = new StringWriter();
        try (OutputLock first = OutputLock.acquire(out, null, false, new PrintWriter(w, true))) {
            TransferKitException e = assertThrows(TransferKitException.class,
                    () -> OutputLock.acquire(out, null, false, new PrintWriter(w, true)));
            assertTrue(e.getMessage().contains("another train run is writing " + out.getParent().toAbsolutePath()),
                    e.getMessage());
            assertTrue(e.getMessage().contains("classifier.zip.lock"), e.getMessage());
        }
        Process other = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OutputLockTest.class.getName(), out.toString()))
                .redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = r.readLine();
            } while (line != null && !line.equals("locked"));
            assertEquals("locked", line, "the other process took the lock");
            long t0 = System.nanoTime();
            TransferKitException e = assertThrows(TransferKitException.class,
                    () -> OutputLock.acquire(out, null, false, new PrintWriter(w, true)));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 2_000, "fails at once");
            assertTrue(e.getMessage().contains("by process " + other.pid()), e.getMessage());
        } finally {
            other.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // as kill -9: the OS drops its lock
        }
        OutputLock.acquire(out, null, false, new PrintWriter(w, true)).close();
    }

    @Test
    void staleDotPartFilesOfADeadRunAreRemovedAndNothingElse() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Path out = dir.resolve("classifier.zip");
        Path stale = Files.writeString(dir.resolve("classifier.zip.17a3f.part"), "half");
        Path ckpt = Files.createDirectories(dir.resolve("checkpoint"));
        Path staleCkpt = Files.writeString(ckpt.resolve("head-3.zip.part"), "half");
        Path foreign = Files.writeString(dir.resolve("holiday-video.mp4.part"), "someone else's download");
        StringWriter w = new StringWriter();
        OutputLock.acquire(out, null, true, new PrintWriter(w, true)).close();
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(staleCkpt));
        assertTrue(Files.exists(foreign), "only this output's .part files are removed");
        assertTrue(log(w).contains("removed 2 stale .part file(s)"), log(w));
        assertTrue(log(w).contains("--resume: no checkpoint in " + ckpt + ", starting fresh"), log(w));
    }

    @Test
    void environmentFailuresAreOneLineNamingThePath() {
        assertEquals("/data/out/metrics.json: permission denied", TransferKitCli.environmentMessage(
                new UncheckedIOException("cannot write", new AccessDeniedException("/data/out/metrics.json"))));
        assertEquals("cannot write log: No space left on device", TransferKitCli.environmentMessage(
                new IllegalStateException("cannot write log", new java.io.IOException("No space left on device"))));
        assertNull(TransferKitCli.environmentMessage(new ArrayIndexOutOfBoundsException(3)), "a bug stays a bug");
    }

    @Test
    void anOutputUnderAFileIsOneLineExitOne() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-folder"), "x");
        CliTest.Run r = CliTest.cli("train", "--epochs", "1", "--out", file.resolve("sub/classifier.zip").toString());
        assertEquals(TransferKitCli.EXIT_FAILURE, r.code(), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("transferkit:")).count(), r.err());
        assertTrue(r.err().contains(file.toString()), r.err());
    }

    @Test
    void aNonHttpWeightsUrlIsOneLineExitOne() {
        for (String url : List.of("file:///etc/passwd", "ftp://127.0.0.1/w.h5", "jar:file:/x.jar!/w.h5")) {
            CliTest.Run r = CliTest.cli("models", "fetch", "squeezenet", "--url", url, "--dir", tmp.toString());
            assertEquals(TransferKitCli.EXIT_FAILURE, r.code(), r.err());
            assertFalse(r.err().contains("internal error") || r.err().contains("ClassCastException"), r.err());
            assertTrue(r.err().contains("only http and https URLs") && r.err().contains(url), r.err());
        }
    }
}
