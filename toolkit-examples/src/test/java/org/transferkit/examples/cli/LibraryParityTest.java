package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.task.EvaluationReport;
import org.transferkit.train.FineTune;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;
import picocli.CommandLine;

/** The command line is a shell over the library: same defaults, and the same metrics for the same settings and seed. */
class LibraryParityTest {
    @TempDir
    Path tmp;

    @Test
    void theCommandLineDefaultsAreTheLibrarys() throws Exception {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs();
        FineTune.Builder b = FineTune.builder();
        cmd.configure(b, BackboneCatalog.open("demo", null, 42));
        assertEquals(FineTune.builder().build().toMap(), b.build().toMap());
    }

    @Test
    void cliAndLibraryGiveTheSameMetrics() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("data"), DemoShapes.Task.TARGET, 15, 4);
        Path out = tmp.resolve("cli/c.zip");
        CliTest.Run run = CliTest.cli("train", "--data", data.toString(), "--epochs", "6", "--seed", "7",
                "--no-feature-cache", "--no-baseline", "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        JsonNode cli = new ObjectMapper().readTree(out.resolveSibling("metrics.json").toFile());

        DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(data), 0.2, 0.3, 7); // the CLI's fractions
        Backbone backbone = BackboneCatalog.open("demo", null, 7);
        try (TrainedModel model = FineTuner.builder(backbone).epochs(6).seed(7).build().fit(split)) {
            EvaluationReport report = (EvaluationReport) model.evaluate(split.test());
            assertEquals(cli.get("accuracy").asDouble(), report.accuracy(), 1e-12);
            assertEquals(cli.get("macro_f1").asDouble(), report.macroF1(), 1e-12);
            assertEquals(cli.get("best_epoch").asInt(), model.bestEpoch());
            assertEquals(cli.get("images_used").get("test").asLong(), report.total());
        }
    }
}
