package org.transferkit.examples.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.engine.Runner;
import org.transferkit.engine.TrainableGraph;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.train.BatchNormFreezer;
import org.transferkit.train.GraphCut;

/**
 * The {@code partial_step} mode of {@link ModelBenchmark}: one training step with the top {@code blocks} published
 * blocks of the backbone and the head trainable, timed the way phase 2 of fine-tuning ({@code --unfreeze N}) runs
 * it: the graph is frozen up to the boundary (the end of the highest frozen block), batch normalization above it
 * becomes its frozen affine map ({@link BatchNormFreezer}), and {@link GraphCut} cuts the graph there (DL4J's
 * {@code TransferLearningHelper}, or the configuration cut where DL4J cannot copy a frozen affine map above the
 * boundary, as in ResNet50); the frozen part runs forward on the compiled engine ({@link Runner}) and the part above
 * it trains on the engine's training path ({@link TrainableGraph}) where it covers it, else on DL4J. Where the graph
 * cannot be cut (a skip connection across the boundary), phase 2 trains the whole graph with the part below frozen,
 * and so does this. Stateless.
 */
final class PartialStep {
    /** What one measurement found: images/s of frozen forward + trainable step, and of the trainable step alone. */
    record Timing(double imagesPerSecond, double trainableOnlyImagesPerSecond, String frozenOn, String trainedOn,
            String boundary, List<String> trainable) {
        /** @return the extra key=value pairs of the result line */
        String detail() {
            return String.format(Locale.ROOT, "boundary=%s frozen_part=%s trainable_part=%s trainable_only_images_per_s=%s "
                    + "trainable=%s", boundary, frozenOn, trainedOn, Double.isNaN(trainableOnlyImagesPerSecond) ? "-"
                            : String.format(Locale.ROOT, "%.2f", trainableOnlyImagesPerSecond), String.join(",", trainable));
        }
    }

    private PartialStep() {
    }

    /**
     * The default number of top blocks made trainable, per model: SqueezeNet fire8 and fire9; ResNet50 its last
     * stage (stage 5, torchvision's {@code layer4}: the finest block TransferKit publishes for it); VGG16 its last
     * convolution block (block 5). {@code bench/torch_models.py} uses the same table.
     *
     * @param model catalogue name, with or without {@code -untrained}
     * @return blocks to unfreeze
     */
    static int defaultBlocks(String model) {
        return model.startsWith("squeezenet") ? 2 : 1;
    }

    /**
     * As phase 2 picks it ({@code EndToEnd.boundary}): the end of block {@code k - blocks - 1} among the k published
     * blocks below the cut.
     *
     * @param backbone the backbone
     * @param graph its graph
     * @param cut the cut point
     * @param blocks blocks to unfreeze, >= 1
     * @return the last frozen vertex
     * @throws IllegalArgumentException if the backbone publishes too few blocks below the cut
     */
    static String boundary(Backbone backbone, ComputationGraph graph, CutPoint cut, int blocks) {
        Set<String> below = TransferModel.ancestors(graph.getConfiguration().getVertexInputs(), cut.vertex());
        List<CutPoint> usable = backbone.blocks().stream().filter(b -> below.contains(b.vertex())).toList();
        if (blocks < 1 || blocks >= usable.size()) {
            throw new IllegalArgumentException("partial_step: " + backbone.id() + " publishes " + usable.size()
                    + " blocks below " + cut.name() + "; unfreeze between 1 and " + (usable.size() - 1) + ", got " + blocks);
        }
        return usable.get(usable.size() - blocks - 1).vertex();
    }

    /**
     * @param backbone the backbone
     * @param blocks top blocks made trainable
     * @param options run-time options
     * @return the whole graph (head over the default cut, 1000 outputs, SGD 1e-3, He-normal weights) frozen up to
     *     the boundary, with batch normalization above it frozen as phase 2 has it
     * @throws TransferKitException if the backbone's graph cannot be built
     */
    static ComputationGraph build(Backbone backbone, int blocks, RuntimeOptions options) throws TransferKitException {
        CutPoint cut = backbone.defaultCutPoint();
        ComputationGraph plain = backbone.loadGraph();
        String boundary = boundary(backbone, plain, cut, blocks);
        HeadSpec head = HeadSpec.builder().hidden(new int[0]).dropout(0).build();
        ComputationGraph g = TransferModel.surgery(plain, cut, head, 1000).updater(new Sgd(1e-3)).seed(1)
                .freezeUpTo(boundary).build();
        ModelBenchmark.heInit(g);
        g = BatchNormFreezer.freeze(g);
        CpuHelpers.apply(g, options);
        return g;
    }

    /** @return the layers with parameters that train in {@code graph}, in topological order */
    static List<String> trainable(ComputationGraph graph) {
        List<String> out = new ArrayList<>();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[i];
            if (v.hasLayer() && v.getLayer().numParams() > 0 && !(v.getLayer() instanceof FrozenLayer)
                    && !(v.getLayer() instanceof FrozenLayerWithBackprop)) {
                out.add(v.getVertexName());
            }
        }
        return out;
    }

    /**
     * Times {@code warmup + iterations} steps on {@code ds}; the medians of the timed ones.
     *
     * @param backbone the backbone
     * @param blocks top blocks made trainable
     * @param ds one batch
     * @param warmup untimed iterations
     * @param iterations timed iterations, >= 1
     * @param options run-time options (engine mode, CPU helpers)
     * @return the timing
     * @throws TransferKitException if the backbone's graph cannot be built
     */
    static Timing time(Backbone backbone, int blocks, DataSet ds, int warmup, int iterations, RuntimeOptions options)
            throws TransferKitException {
        ComputationGraph g = build(backbone, blocks, options);
        String boundary = boundary(backbone, g, backbone.defaultCutPoint(), blocks);
        List<String> trainable = trainable(g);
        ComputationGraph part = split(g, boundary, options);
        int batch = ds.numExamples();
        double[] all = new double[iterations];
        double[] trainOnly = new double[iterations];
        int index = g.getVertex(boundary).getVertexIndex();
        TrainableGraph onEngine = null;
        try (Runner frozen = part == null ? null : new Runner(g, boundary,
                x -> g.feedForward(new INDArray[] {x}, index, false).get(boundary), options.engine())) {
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                long t1 = t0;
                if (frozen == null) {
                    g.fit(ds);
                } else {
                    INDArray features = frozen.output(ds.getFeatures());
                    t1 = System.nanoTime();
                    if (i == 0) {
                        onEngine = ModelBenchmark.tryTrain(part, features.shape(), options);
                    }
                    if (onEngine != null) {
                        onEngine.fit(features, ds.getLabels());
                    } else {
                        part.fit(new DataSet(features, ds.getLabels()));
                    }
                }
                long t2 = System.nanoTime();
                if (i >= warmup) {
                    all[i - warmup] = batch / ((t2 - t0) / 1e9);
                    trainOnly[i - warmup] = frozen == null ? Double.NaN : batch / ((t2 - t1) / 1e9);
                }
            }
            String on = frozen == null ? "dl4j-whole-graph" : frozen.compiled() ? "engine" : "dl4j";
            return new Timing(median(all), median(trainOnly), on, onEngine != null ? "engine" : "dl4j", boundary, trainable);
        } finally {
            if (onEngine != null) {
                onEngine.close();
            }
            g.close();
        }
    }

    /** @return the trainable part above {@code boundary}, or null where phase 2 would not split (same rules) */
    private static ComputationGraph split(ComputationGraph g, String boundary, RuntimeOptions options) {
        ComputationGraph part;
        try {
            part = GraphCut.above(g, boundary); // as phase 2 cuts it (DL4J's cut, or the configuration's)
        } catch (RuntimeException e) {
            return null; // a skip connection across the boundary: phase 2 trains the whole graph
        }
        if (part.getNumInputArrays() != 1) {
            return null;
        }
        CpuHelpers.apply(part, options);
        return part;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
