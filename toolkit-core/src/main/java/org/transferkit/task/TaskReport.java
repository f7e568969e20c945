package org.transferkit.task;

import java.util.List;
import java.util.Map;
import org.transferkit.model.SkippedFile;
/**
 * The evaluation of a model on a set of images, whatever its task: {@link EvaluationReport} (single-label),
 * {@link MultiLabelReport}, {@link RegressionReport}. Implementations are immutable.
 */
public interface TaskReport {
    /** @return the task evaluated */
    Task task();

    /** @return images evaluated */
    long total();

    /** @return the task's headline metric ({@link Task#metricName()}): accuracy, micro-F1 or mean R² */
    double headline();

    /** @return the metrics as a JSON-ready map */
    Map<String, Object> toMap();

    /** @return a console table of the metrics */
    String toTable();

    /** @return files that could not be evaluated, with reasons */
    List<SkippedFile> skipped();
}
