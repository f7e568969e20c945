package org.transferkit.eval;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.transferkit.model.Task;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.engine.Runner;
import org.transferkit.data.ImagePipeline;

/** Runs a graph over a pipeline and measures its predictions against the targets. Stateless. */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * Evaluates {@code graph} on every image of {@code pipeline} (from its current position; reset it
     * first to evaluate all). Files that fail to decode are reported in the result, not thrown.
     *
     * @param graph a single-output classifier graph; used read-only, but not thread-safe
     * @param pipeline the labelled images; consumed
     * @return the report
     */
    public static EvaluationReport evaluate(ComputationGraph graph, ImagePipeline pipeline) {
        List<ExamplePrediction> examples = new ArrayList<>();
        try (Runner runner = Runner.ofOutput(graph)) {
            while (pipeline.hasNext()) {
                DataSet ds = pipeline.next();
                float[][] probs = runner.output(ds.getFeatures()).toFloatMatrix();
                INDArray truth = ds.getLabels().argMax(1);
                List<? extends Serializable> paths = ds.getExampleMetaData();
                for (int i = 0; i < probs.length; i++) {
                    examples.add(new ExamplePrediction(Path.of(String.valueOf(paths.get(i))), truth.getInt(i), probs[i]));
                }
            }
        }
        return EvaluationReport.fromExamples(pipeline.getLabels(), examples, pipeline.skipped());
    }

    /**
     * Evaluates a model of any task on every image of {@code pipeline} (from its current position).
     *
     * @param graph a single-output graph of that task; used read-only, but not thread-safe
     * @param pipeline the images with their targets; consumed
     * @param task what the graph predicts
     * @param threshold the multi-label decision threshold in (0, 1) (ignored for other tasks)
     * @return an {@link EvaluationReport}, {@link MultiLabelReport} or {@link RegressionReport}
     */
    public static TaskReport evaluate(ComputationGraph graph, ImagePipeline pipeline, Task task, double threshold) {
        if (task == Task.SINGLE_LABEL) {
            return evaluate(graph, pipeline);
        }
        List<float[]> outs = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        try (Runner runner = Runner.ofOutput(graph)) {
            while (pipeline.hasNext()) {
                DataSet ds = pipeline.next();
                outs.addAll(List.of(runner.output(ds.getFeatures()).toFloatMatrix()));
                targets.addAll(List.of(ds.getLabels().toFloatMatrix()));
            }
        }
        float[][] o = outs.toArray(new float[0][]);
        float[][] t = targets.toArray(new float[0][]);
        return task == Task.MULTI_LABEL
                ? new MultiLabelReport(pipeline.getLabels(), o, t, threshold, pipeline.skipped())
                : new RegressionReport(pipeline.getLabels(), o, t, pipeline.skipped());
    }
}
