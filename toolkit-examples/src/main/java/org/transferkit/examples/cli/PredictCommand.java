package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.task.Task;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.ScoredLabel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit predict}: classify image files with a saved classifier. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Classify images with a saved model: top classes (single-label), labels above the threshold "
            + "plus the top probabilities (multi-label), or values (regression). An image that cannot be read is reported and the "
            + "others are still classified; the exit code is 1 if any failed.")
public final class PredictCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a classifier saved by 'train'")
    Path model;

    @Option(names = "--top", paramLabel = "K", defaultValue = "3", description = "classes per image (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--threshold", paramLabel = "P", description = "multi-label decision threshold (default: the one "
            + "saved in the model)")
    Double threshold;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "image files")
    List<Path> images;

    @Override
    public Integer call() throws TransferKitException {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be >= 1, got " + top);
        }
        Environment.announce(spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        int failures = 0;
        List<Map<String, Object>> results = new ArrayList<>();
        try (ImageClassifier classifier = ImageClassifier.load(model)) {
            for (Path img : images) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("image", img.toString());
                try {
                    if (classifier.task() == Task.REGRESSION) {
                        Map<String, Double> v = classifier.predictValues(img);
                        r.put("values", v);
                        if (!json) {
                            StringBuilder sb = new StringBuilder(img.toString()).append(':');
                            v.forEach((k, x) -> sb.append(String.format(Locale.ROOT, "  %s %.4f", k, x)));
                            out.println(sb);
                        }
                        results.add(r);
                        continue;
                    }
                    if (classifier.task() == Task.MULTI_LABEL) {
                        double t = threshold != null ? threshold : classifier.threshold();
                        List<String> labels = classifier.predictLabels(img, t).stream().map(ScoredLabel::label).toList();
                        r.put("labels", labels);
                        r.put("threshold", t);
                        if (!json) {
                            out.println(img + ": labels " + labels + String.format(Locale.ROOT, " (threshold %.2f)", t));
                        }
                    }
                    List<ScoredLabel> preds = classifier.predict(img, top);
                    r.put("predictions", preds.stream().map(p -> Map.of("label", p.label(), "probability",
                            p.probability())).toList());
                    if (!json) {
                        StringBuilder sb = new StringBuilder(img.toString()).append(':');
                        for (ScoredLabel p : preds) {
                            sb.append(String.format(Locale.ROOT, "  %s %.4f", p.label(), p.probability()));
                        }
                        out.println(sb);
                    }
                } catch (TransferKitException e) {
                    failures++;
                    r.put("error", e.getMessage());
                    if (!json) {
                        spec.commandLine().getErr().println("transferkit: " + e.getMessage());
                    }
                }
                results.add(r);
            }
        }
        if (json) {
            out.println(Json.text(results));
        }
        return failures == 0 ? 0 : TransferKitCli.EXIT_FAILURE;
    }
}
