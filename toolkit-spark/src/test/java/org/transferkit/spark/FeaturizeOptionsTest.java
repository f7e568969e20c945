package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.transferkit.engine.EngineMode;
import org.transferkit.head.HeadSpec;

/** The job's command-line options: values read, defaults kept, bad values named. */
class FeaturizeOptionsTest {
    @Test
    void optionsParseAndNameBadValues() {
        FeaturizeOptions o = FeaturizeOptions.parse("--source", "in", "--output", "out", "--pooling", "max",
                "--batch", "8", "--engine", "dl4j");
        assertEquals(HeadSpec.Pooling.MAX, o.pooling());
        assertEquals(8, o.batchSize());
        assertEquals(EngineMode.DL4J, o.engine());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeaturizeOptions.parse("--source", "in", "--output", "out", "--pooling", "mean"));
        assertTrue(e.getMessage().contains("'mean'") && e.getMessage().contains("flatten"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeaturizeOptions.parse("--source", "in"));
        assertTrue(e.getMessage().contains("--output"), e.getMessage());
    }

    @Test
    void defaultsAreTrainsAndRangesAreChecked() {
        FeaturizeOptions o = FeaturizeOptions.parse("--output", "out", "--source", "in");
        assertEquals("in", o.source());
        assertEquals("demo", o.backbone());
        assertEquals(0.2, o.valFraction());
        assertEquals(42, o.seed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeaturizeOptions.parse("--source", "in", "--output", "out", "--val-fraction", "0.6",
                        "--test-fraction", "0.5"));
        assertTrue(e.getMessage().contains("0.6") && e.getMessage().contains("0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeaturizeOptions.parse("--source", "in", "--output", "out", "--batch", "many"));
        assertTrue(e.getMessage().contains("--batch") && e.getMessage().contains("'many'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeaturizeOptions.parse("--source", "in", "--output", "out", "--gpu", "1"));
        assertTrue(e.getMessage().contains("'--gpu'"), e.getMessage());
    }
}
