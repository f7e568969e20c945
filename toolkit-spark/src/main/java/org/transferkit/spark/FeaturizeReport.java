package org.transferkit.spark;

import java.util.List;
import java.util.Objects;
import org.transferkit.model.SkippedFile;

/**
 * What a featurize job wrote.
 *
 * @param output where the Parquet rows are
 * @param featurized rows with features
 * @param reused of those, vectors taken from the previous run's output (same content hash and featurizing settings)
 * @param skipped the files that were listed but not featurized, with their reasons (also rows of the output)
 */
public record FeaturizeReport(String output, long featurized, long reused, List<SkippedFile> skipped) {
    /** @throws NullPointerException if output or skipped is null */
    public FeaturizeReport {
        Objects.requireNonNull(output, "output");
        skipped = List.copyOf(skipped);
    }

    /** @return a few lines for a person: counts, where the rows are, and the skipped files */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("featurized ").append(featurized).append(" image(s)");
        if (reused > 0) {
            sb.append(" (").append(reused).append(" reused from the previous run by content hash, ")
                    .append(featurized - reused).append(" computed)");
        }
        sb.append(", skipped ").append(skipped.size())
                .append("; rows in ").append(output);
        for (SkippedFile s : skipped) {
            sb.append("\n  skipped ").append(HadoopImages.shown(s));
        }
        return sb.toString();
    }
}
