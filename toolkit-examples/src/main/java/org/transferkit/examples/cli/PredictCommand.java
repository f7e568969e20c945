package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.model.SkippedFile;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit predict}: predict image files with a saved model, whatever its task. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Predict images with a saved model: the top classes (single-label), the labels at or above the "
            + "threshold (multi-label) or the values (regression), one line per image. An image that cannot be used "
            + "(unreadable, not decodable, partly decodable, over the pixel cap) is listed with the reason on stderr "
            + "(in --json, as the image's \"error\") and the others are still predicted; the exit code is 1 if any "
            + "was skipped.")
public final class PredictCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a classifier saved by 'train'")
    Path model;

    @Option(names = "--top", paramLabel = "K", defaultValue = "3",
            description = "classes per image for a single-label model (default: ${DEFAULT-VALUE})")
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
        RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        List<SkippedFile> skipped = new ArrayList<>();
        List<Map<String, Object>> results = new ArrayList<>();
        try (ImageClassifier loaded = ImageClassifier.load(model, options)) {
            ImageClassifier classifier = threshold == null ? loaded : loaded.withThreshold(threshold);
            for (Path img : images) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("image", img.toString());
                try {
                    Prediction p = classifier.predict(img, top);
                    r.put("task", p.task().id());
                    r.putAll(p.toMap());
                    if (!json) {
                        out.println(img + ": " + p.summary());
                    }
                } catch (TransferKitException e) {
                    // the decoder's reason, as train and evaluate list it (the message also names the file)
                    skipped.add(new SkippedFile(img, e.getCause() != null && e.getCause().getMessage() != null
                            ? e.getCause().getMessage() : e.getMessage()));
                    r.put("error", e.getMessage());
                }
                results.add(r);
            }
        }
        if (json) {
            out.println(Json.text(results));
        } else {
            TaskData.printSkipped(spec.commandLine().getErr(), skipped); // stdout stays one line per prediction
        }
        return skipped.isEmpty() ? 0 : TransferKitCli.EXIT_FAILURE;
    }
}
