package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.data.ImageSource;
import org.transferkit.eval.HtmlReport;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.TaskReport;
import org.transferkit.train.TrainedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code transferkit evaluate}: score a saved classifier on labelled images. Parsing and printing over
 * {@link ImageClassifier#evaluate}; the files are written as {@code train} writes them.
 */
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

    @Option(names = "--allow-outside-paths", description = "let a CSV manifest name images outside its own folder "
            + "('../x.jpg', absolute paths elsewhere); by default such rows are skipped and listed")
    boolean allowOutsidePaths;

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
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (threshold != null && !(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("--threshold must be in (0, 1), got " + threshold);
        }
        RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        try (ImageClassifier loaded = ImageClassifier.load(model, options)) {
            ImageClassifier classifier = threshold == null ? loaded : loaded.withThreshold(threshold);
            TaskReport report = classifier.evaluate(ImageSource.at(data, classifier.task(), allowOutsidePaths)
                    .dataset(classifier.labels()), batch);
            out.print(report.toTable());
            TaskData.printSkipped(out, report.skipped()); // the list the metrics hold
            if (this.report != null) {
                HtmlReport.write(this.report, model.getFileName() + " on " + data, report,
                        classifier.manifest().history());
                out.println("report saved to " + this.report.toAbsolutePath());
            }
            if (metrics != null) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("model", model.toAbsolutePath().toString());
                json.put("data", data.toAbsolutePath().toString());
                json.putAll(report.toMap()); // with "skipped": every file not used, with its reason
                json.put("images_skipped", report.skipped().size());
                TrainedModel.writeJson(metrics, json);
                out.println("metrics saved to " + metrics.toAbsolutePath());
            }
        }
        return 0;
    }
}
