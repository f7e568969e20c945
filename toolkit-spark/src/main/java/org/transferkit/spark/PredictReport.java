package org.transferkit.spark;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.TaskReport;

/**
 * What a predict job wrote and, for labelled images, measured.
 *
 * @param output where the Parquet predictions are
 * @param predicted images predicted
 * @param skipped files listed but not predicted, with reasons (also rows of the output)
 * @param evaluation the task's report on labelled images, or null for unlabelled ones
 */
public record PredictReport(String output, long predicted, List<SkippedFile> skipped, TaskReport evaluation) {
    /** @throws NullPointerException if output or skipped is null */
    public PredictReport {
        Objects.requireNonNull(output, "output");
        skipped = List.copyOf(skipped);
    }

    /** @return a few lines for a person: counts, the evaluation's table, the skipped files */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("predicted ").append(predicted).append(" image(s), skipped ").append(skipped.size())
                .append("; rows in ").append(output);
        if (evaluation != null) {
            sb.append('\n').append(evaluation.toTable().stripTrailing()).append('\n').append(String.format(Locale.ROOT,
                    "headline %.4f on %d images", evaluation.headline(), evaluation.total()));
        }
        for (SkippedFile s : skipped) {
            sb.append("\n  skipped ").append(HadoopImages.shown(s));
        }
        return sb.toString();
    }
}
