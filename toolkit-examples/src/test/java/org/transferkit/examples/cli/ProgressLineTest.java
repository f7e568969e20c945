package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
    @Test
    void showsRateAndEtaOnATerminalAndNothingElsewhere() {
        assertEquals("featurizing 100/400 images, 10.0 images/s, 30 s left", ProgressLine.featurizing(100, 400, 10));
        StringWriter tty = new StringWriter();
        ProgressLine on = new ProgressLine(new PrintWriter(tty), true);
        on.onFeaturizeProgress(32, 64, 2.0);
        on.onFeaturized(64, 0, 4.0);
        assertTrue(tty.toString().contains("\rfeaturizing 32/64 images, 16.0 images/s, 2 s left"), tty.toString());
        StringWriter log = new StringWriter();
        ProgressLine off = new ProgressLine(new PrintWriter(log), false);
        off.onFeaturizeProgress(32, 64, 2.0);
        off.onBatchEnd(1, 1, 2, 0.5);
        assertEquals("", log.toString(), "no progress line when stderr is not a terminal");
    }

    @Test
    void aTestRunIsNotATerminal() {
        assertFalse(ProgressLine.onTerminal(), "surefire's forked JVM has no terminal, on any JDK");
    }
}
