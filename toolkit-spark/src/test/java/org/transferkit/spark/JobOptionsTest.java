package org.transferkit.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.FineTune;
import org.transferkit.train.Optimizer;

/** The train-head and predict jobs' arguments, and the launcher's one-line mistakes (no Spark is started). */
class JobOptionsTest {
    @Test
    void trainHeadTakesTrainsHeadFlagsAndDefaults() {
        TrainHeadOptions o = TrainHeadOptions.parse("--features", "f.parquet", "--out", "c.zip", "--backbone",
                "squeezenet", "--hidden", "0", "--optimizer", "sgd", "--epochs", "100", "--cut", "fire9",
                "--pooling", "max", "--class-weights", "true");
        assertEquals("f.parquet", o.features());
        assertEquals(Path.of("c.zip"), o.out());
        assertEquals("squeezenet", o.backbone());
        FineTune s = o.settings();
        assertArrayEquals(new int[0], s.head().hidden());
        assertEquals(HeadSpec.Pooling.MAX, s.head().pooling());
        assertEquals(Optimizer.SGD, s.optimizer());
        assertEquals(100, s.epochs());
        assertEquals("fire9", s.cutPoint());
        assertTrue(s.classWeights());

        FineTune d = TrainHeadOptions.parse("--features", "f", "--out", "c.zip").settings();
        FineTune train = FineTune.builder().build(); // the single-machine defaults
        assertArrayEquals(train.head().hidden(), d.head().hidden());
        assertEquals(train.head().dropout(), d.head().dropout());
        assertEquals(train.epochs(), d.epochs());
        assertEquals(train.learningRate(), d.learningRate());
        assertEquals(train.batchSize(), d.batchSize());
        assertEquals(train.seed(), d.seed());
        assertEquals(train.search().mode(), d.search().mode()); // quick, as for train
    }

    @Test
    void theMemoryBudgetDecidesInMemoryOrStreaming() {
        assertEquals(512L << 20, TrainHeadOptions.parse("--features", "f", "--out", "c", "--memory-budget", "512m")
                .memoryBudget());
        assertEquals(8L << 30, TrainHeadOptions.parse("--features", "f", "--out", "c", "--memory-budget", "8G")
                .memoryBudget());
        assertEquals(TrainHeadOptions.defaultMemoryBudget(), TrainHeadOptions.parse("--features", "f", "--out", "c")
                .memoryBudget());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainHeadOptions.parse("--features", "f", "--out", "c", "--memory-budget", "lots"));
        assertTrue(e.getMessage().contains("--memory-budget") && e.getMessage().contains("'lots'"), e.getMessage());

        // 1,000,000 SqueezeNet vectors (512 values) need 16 bytes x 512 x 1M = 7.6 GB
        HeadMemory small = HeadMemory.of(1_000_000, 512, 4L << 30, 32);
        assertFalse(small.inMemory());
        assertEquals((4L << 30) / (16 * 512), small.rowsAtOnce());
        assertTrue(small.describe().startsWith("head training streams from Parquet"), small.describe());
        assertEquals(small.rowsAtOnce(), small.searchSample(1_000_000));
        assertEquals(1000, HeadMemory.of(1_000_000, 512, 1 << 20, 32).searchSample(1_000_000), "at least 1,000");
        HeadMemory big = HeadMemory.of(1_000_000, 512, 8L << 30, 32);
        assertTrue(big.inMemory());
        assertTrue(big.describe().contains("7.6 GB <= memory budget 8.0 GB"), big.describe());
        assertEquals(32, HeadMemory.of(10, 512, 1, 32).rowsAtOnce(), "at least a batch");
    }

    @Test
    void badJobArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainHeadOptions.parse("--features", "f"));
        assertTrue(e.getMessage().contains("--out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainHeadOptions.parse("--features", "f", "--out", "c", "--class-weights", "yes"));
        assertTrue(e.getMessage().contains("'yes'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainHeadOptions.parse("--features", "f", "--out", "c", "--hidden", "64,x"));
        assertTrue(e.getMessage().contains("--hidden") && e.getMessage().contains("'x'"), e.getMessage());

        PredictOptions p = PredictOptions.parse("--model", "c.zip", "--images", "dir", "--output", "p.parquet");
        assertEquals("dir", p.images());
        assertNull(p.source());
        assertEquals(32, p.batchSize());
        e = assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse("--model", "c.zip", "--images",
                "dir", "--source", "data", "--output", "p"));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PredictOptions.parse("--model", "c.zip", "--images",
                "dir", "--output", "p", "--metrics", "m.json"));
        assertTrue(e.getMessage().contains("labelled"), e.getMessage());
    }

    @Test
    void theLauncherPrintsOneLinePerMistakeBeforeSparkStarts() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SparkCli.run(stream(out), stream(err), "train-head", "--features", "f");
        assertEquals(SparkCli.EXIT_USAGE, code);
        String line = err.toString(StandardCharsets.UTF_8);
        assertTrue(line.startsWith("transferkit spark: ") && line.contains("--out"), line);

        err.reset();
        assertEquals(SparkCli.EXIT_USAGE, SparkCli.run(stream(out), stream(err), "fit"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown job 'fit'"));
        assertEquals(0, SparkCli.run(stream(out), stream(err), "--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("train-head"));
    }

    private static PrintStream stream(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
