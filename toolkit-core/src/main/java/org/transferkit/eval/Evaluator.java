package org.transferkit.eval;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.data.ImagePipeline;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.Runner;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;

/**
 * The one evaluation path, internal to the library: runs a network over every image of a pipeline (on the compiled
 * engine where it covers the network, else on DL4J) and hands the outputs to the task's {@link Task#report report}.
 * Users evaluate through {@code TrainedModel.evaluate} and {@code ImageClassifier.evaluate}, which both come here;
 * it is public only because they live in other packages. Stateless.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /**
     * Evaluates a model of any task on every image of {@code pipeline} (from its current position). Files that fail
     * to decode are listed in the report, not thrown.
     *
     * @param graph a single-output graph of that task; used read-only, but not thread-safe
     * @param pipeline the images with their targets; consumed
     * @param task what the graph predicts
     * @param threshold the decision threshold in (0, 1) of tasks that {@link Task#usesThreshold() use one}
     * @return the task's report
     */
    public static TaskReport evaluate(ComputationGraph graph, ImagePipeline pipeline, Task task, double threshold) {
        return evaluate(graph, pipeline, task, threshold, EngineMode.AUTO);
    }

    /**
     * As {@link #evaluate(ComputationGraph, ImagePipeline, Task, double)}, on the given engine.
     *
     * @param graph a single-output graph of that task; used read-only, but not thread-safe
     * @param pipeline the images with their targets; consumed
     * @param task what the graph predicts
     * @param threshold the decision threshold of tasks that use one
     * @param engine what runs the network
     * @return the task's report
     */
    public static TaskReport evaluate(ComputationGraph graph, ImagePipeline pipeline, Task task, double threshold,
            EngineMode engine) {
        List<float[]> outs = new ArrayList<>();
        List<float[]> targets = new ArrayList<>();
        List<Path> paths = new ArrayList<>();
        try (Runner runner = Runner.ofOutput(graph, engine)) {
            while (pipeline.hasNext()) {
                DataSet ds = pipeline.next();
                outs.addAll(List.of(runner.output(ds.getFeatures()).toFloatMatrix()));
                targets.addAll(List.of(ds.getLabels().toFloatMatrix()));
                List<? extends Serializable> meta = ds.getExampleMetaData();
                for (int i = 0; i < ds.numExamples(); i++) {
                    paths.add(Path.of(String.valueOf(meta.get(i))));
                }
            }
        }
        return task.report(pipeline.getLabels(), outs.toArray(new float[0][]), targets.toArray(new float[0][]), paths,
                threshold, pipeline.skipped());
    }
}
