package org.transferkit.eval;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.data.ImagePipeline;

/** Runs a graph over a pipeline and counts its predictions. Stateless. */
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
        int n = pipeline.getLabels().size();
        long[][] confusion = new long[n][n];
        while (pipeline.hasNext()) {
            DataSet ds = pipeline.next();
            INDArray out = graph.output(false, ds.getFeatures())[0];
            INDArray pred = out.argMax(1);
            INDArray truth = ds.getLabels().argMax(1);
            for (long i = 0; i < pred.length(); i++) {
                confusion[truth.getInt((int) i)][pred.getInt((int) i)]++;
            }
        }
        return new EvaluationReport(pipeline.getLabels(), confusion, pipeline.skipped());
    }
}
