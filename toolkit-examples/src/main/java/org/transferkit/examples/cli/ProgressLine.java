package org.transferkit.examples.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import org.transferkit.train.TrainingListener;

/**
 * A one-line progress display on stderr, redrawn in place: images/s and ETA while featurizing, epoch,
 * batch and loss while training. Drawn only on a terminal (so logs and tests stay clean); at most ten
 * redraws a second.
 */
final class ProgressLine implements TrainingListener {
    private final PrintWriter err;
    private final boolean enabled;
    private long lastDraw;
    private boolean drawn;

    ProgressLine(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /**
     * Returns whether the JVM runs on an interactive terminal. {@code System.console() != null} says so up to
     * JDK 21; from JDK 22 the console is never null and {@code Console.isTerminal()} (JDK 22+, so called
     * reflectively: we compile for 17) says it. Logs and redirected output get no progress line.
     */
    @SuppressWarnings("SystemConsoleNull") // the null test is for JDK 17-21; JDK 22+ is asked isTerminal() below
    static boolean onTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 17-21: a console exists only on a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** The text for featurizing progress (public to the package for tests). */
    static String featurizing(int done, int total, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        String eta = rate > 0 ? String.format(Locale.ROOT, "%.0f s left", (total - done) / rate) : "";
        return String.format(Locale.ROOT, "featurizing %d/%d images, %.1f images/s, %s", done, total, rate, eta);
    }

    @Override
    public void onFeaturizeProgress(int done, int total, double seconds) {
        draw(featurizing(done, total, seconds), done == total);
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batches, double loss) {
        draw(String.format(Locale.ROOT, "epoch %d, batch %d/%d, loss %.4f", epoch, batch, batches, loss), false);
    }

    @Override
    public void onEpochEnd(org.transferkit.model.EpochStats stats) {
        clear();
    }

    @Override
    public void onFeaturized(int trainImages, int valImages, double seconds) {
        clear();
    }

    private void draw(String text, boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < 100_000_000L) {
            return;
        }
        lastDraw = now;
        err.print("\r" + text + "\u001b[K");
        err.flush();
        drawn = true;
    }

    private void clear() {
        if (enabled && drawn) {
            err.print("\r\u001b[K");
            err.flush();
            drawn = false;
        }
    }
}
