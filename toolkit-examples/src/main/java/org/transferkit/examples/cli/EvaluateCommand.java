package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.bundle.BundleManifest;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.task.EvaluationReport;
import org.transferkit.eval.Evaluator;
import org.transferkit.eval.HtmlReport;
import org.transferkit.task.TaskReport;
import org.transferkit.task.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code transferkit evaluate}: score a saved classifier on a folder of labelled images. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a saved model on labelled images: a folder with one sub-folder per class or a CSV "
            + "manifest (single-label), or a CSV of the model's task (multi-label, regression), names as in training.")
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a classifier saved by 'train'")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", required = true, description = "folder of class sub-folders, or a CSV manifest 'path,label[,split]'")
    Path data;

    @Option(names = "--metrics", paramLabel = "FILE", description = "also write the metrics as JSON to FILE")
    Path metrics;

    @Option(names = "--report", paramLabel = "FILE", description = "also write an HTML report (opens offline) to FILE")
    Path report;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--threshold", paramLabel = "P", description = "multi-label decision threshold (default: the one "
            + "saved in the model)")
    Double threshold;

    @Override
    public Integer call() throws TransferKitException {
        Environment.announce(spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        try (ClassifierBundle bundle = ClassifierBundle.load(model)) {
            BundleManifest m = bundle.manifest();
            Task task = m.taskType();
            ImageDataset set = ImageDataset.from(data, m.labels(), task);
            double t = threshold != null ? threshold : m.decisionThreshold();
            if (!(t > 0 && t < 1)) {
                throw new IllegalArgumentException("--threshold must be in (0, 1), got " + t);
            }
            TaskReport report;
            try (ImagePipeline p = ImagePipeline.builder(set).shape(m.inputShape())
                    .preprocessing(m.preprocessing().toPreprocessing()).batchSize(batch).build()) {
                report = Evaluator.evaluate(bundle.graph(), p, task, t);
            }
            out.print(report.toTable());
            if (!report.skipped().isEmpty()) {
                out.println("skipped " + report.skipped().size() + " file(s):");
                report.skipped().forEach(s -> out.println("  " + s));
            }
            if (this.report != null) {
                if (!(report instanceof EvaluationReport single)) {
                    throw new IllegalArgumentException("--report (HTML) is made for single-label models; this one is "
                            + task.id() + ": use --metrics FILE");
                }
                HtmlReport.write(this.report, model.getFileName() + " on " + data, single, m.history());
                out.println("report saved to " + this.report.toAbsolutePath());
            }
            if (metrics != null) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("model", model.toAbsolutePath().toString());
                json.put("data", data.toAbsolutePath().toString());
                json.putAll(report.toMap());
                json.put("images_skipped", report.skipped().size());
                Json.write(metrics, json);
                out.println("metrics saved to " + metrics.toAbsolutePath());
            }
        }
        return 0;
    }
}
