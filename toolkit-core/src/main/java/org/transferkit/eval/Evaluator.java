package org.transferkit.eval;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        List<ExamplePrediction> examples = new ArrayList<>();
        while (pipeline.hasNext()) {
            DataSet ds = pipeline.next();
            float[][] probs = graph.output(false, ds.getFeatures())[0].toFloatMatrix();
            INDArray truth = ds.getLabels().argMax(1);
            List<? extends Serializable> paths = ds.getExampleMetaData();
            for (int i = 0; i < probs.length; i++) {
                examples.add(new ExamplePrediction(Path.of(String.valueOf(paths.get(i))), truth.getInt(i), probs[i]));
            }
        }
        return EvaluationReport.fromExamples(pipeline.getLabels(), examples, pipeline.skipped());
    }
}
