package org.transferkit.head;

import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.transferkit.backbone.CutPoint;
/**
 * Puts a new head on a backbone graph: keeps the cut vertex and everything it depends on, removes every
 * other vertex (the old classifier), freezes what is kept, and adds the head's layers with their
 * {@code nIn} and any input preprocessor worked out from the cut point's shape. Stateless.
 *
 * <p>The new vertices are named {@value #POOL}, {@code tk_dense0..}, and {@value #OUTPUT}.
 */
public final class TransferModel {
    /** Name of the pooling vertex added for spatial cut points. */
    public static final String POOL = "tk_pool";
    /** Name of the output vertex (softmax, sigmoid or linear by the head's task). */
    public static final String OUTPUT = "tk_output";

    private TransferModel() {
    }

    /**
     * Starts the surgery on a backbone graph: by default the whole backbone up to {@code cut} is frozen, there are
     * no class weights and no weight decay, and the seed is 0. {@link Surgery#updater} must be set before
     * {@link Surgery#build}.
     *
     * @param backboneGraph the loaded backbone graph; not changed
     * @param cut where to cut; its vertex must exist in {@code backboneGraph}
     * @param head the head's layers (its task decides the output activation and loss)
     * @param outputs units of the output layer (classes, labels or targets), at least the head's task's minimum
     * @return the surgery's settings, to complete fluently
     */
    public static Surgery surgery(ComputationGraph backboneGraph, CutPoint cut, HeadSpec head, int outputs) {
        return new Surgery(Objects.requireNonNull(backboneGraph, "backboneGraph"), Objects.requireNonNull(cut, "cut"),
                Objects.requireNonNull(head, "head"), outputs);
    }

    /**
     * What a transfer graph is built from: a backbone graph, where to cut it, the new head and how its layers (and any
     * unfrozen backbone layers) train. Fluent and single-use; {@link #build()} makes the graph.
     */
    public static final class Surgery {
        private final ComputationGraph backboneGraph;
        private final CutPoint cut;
        private final HeadSpec head;
        private final int outputs;
        private IUpdater updater;
        private IUpdater backboneUpdater;
        private long seed;
        private double[] classWeights;
        private double weightDecay;
        private String freezeUpTo;

        private Surgery(ComputationGraph backboneGraph, CutPoint cut, HeadSpec head, int outputs) {
            this.backboneGraph = backboneGraph;
            this.cut = cut;
            this.head = head;
            this.outputs = outputs;
            this.freezeUpTo = cut.vertex();
        }

        /** @param u the updater (and learning rate) of the head's layers; required @return this */
        public Surgery updater(IUpdater u) {
            this.updater = Objects.requireNonNull(u, "updater");
            return this;
        }

        /** @param s seed of the new layers' initial weights (default 0) @return this */
        public Surgery seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * @param weights one positive loss weight per output of a single-label head, or null for none (default)
         * @return this
         */
        public Surgery classWeights(double[] weights) {
            this.classWeights = weights == null ? null : weights.clone();
            return this;
        }

        /**
         * @param decay decoupled weight decay of the head's weights (not biases), >= 0; 0 for none (default)
         * @return this
         * @throws IllegalArgumentException if negative
         */
        public Surgery weightDecay(double decay) {
            if (!(decay >= 0)) {
                throw new IllegalArgumentException("weight decay must be >= 0, got " + decay);
            }
            this.weightDecay = decay;
            return this;
        }

        /**
         * Freezes the backbone only up to {@code vertex} (it and everything it depends on); the backbone layers
         * between it and the cut train with {@link #backboneUpdater}.
         *
         * @param vertex the last frozen vertex, or null to train the whole backbone (default: the cut's vertex)
         * @return this
         */
        public Surgery freezeUpTo(String vertex) {
            this.freezeUpTo = vertex;
            return this;
        }

        /** @param u updater of the trainable backbone layers (default: the head's) @return this */
        public Surgery backboneUpdater(IUpdater u) {
            this.backboneUpdater = Objects.requireNonNull(u, "backboneUpdater");
            return this;
        }

        /**
         * @return a new graph: the backbone up to the cut (frozen up to {@link #freezeUpTo}), then the head
         * @throws IllegalArgumentException if the cut or freeze vertex is not in the graph, there are fewer outputs
         *     than the head's task needs, or the class weights do not have one value per output
         * @throws IllegalStateException if no {@link #updater} was set
         */
        public ComputationGraph build() {
            if (updater == null) {
                throw new IllegalStateException("set the head's updater before building the transfer graph");
            }
            return TransferModel.build(this);
        }
    }

    private static ComputationGraph build(Surgery s) {
        check(s);
        ComputationGraphConfiguration conf = s.backboneGraph.getConfiguration();
        CutPoint cut = s.cut;
        IUpdater backboneUpdater = s.backboneUpdater != null ? s.backboneUpdater : s.updater;
        FineTuneConfiguration ftc = new FineTuneConfiguration.Builder().updater(backboneUpdater).seed(s.seed).build();
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(s.backboneGraph)
                .fineTuneConfiguration(ftc);
        if (s.freezeUpTo != null) {
            b.setFeatureExtractor(s.freezeUpTo);
        }
        for (String v : removable(conf, ancestors(conf.getVertexInputs(), cut.vertex()))) {
            b.removeVertexAndConnections(v);
        }
        String prev = cut.vertex();
        long nIn = cut.flatSize();
        boolean flattenNext = false;
        if (cut.spatial()) {
            if (s.head.pooling() == HeadSpec.Pooling.FLATTEN) {
                flattenNext = true;
            } else {
                PoolingType type = s.head.pooling() == HeadSpec.Pooling.MAX ? PoolingType.MAX : PoolingType.AVG;
                b.addLayer(POOL, new GlobalPoolingLayer.Builder(type).build(), prev);
                prev = POOL;
                nIn = cut.channels();
            }
        }
        long[] shape = cut.outputShape();
        int[] hidden = s.head.hidden();
        for (int i = 0; i <= hidden.length; i++) {
            String name = i == hidden.length ? OUTPUT : "tk_dense" + i;
            org.deeplearning4j.nn.conf.layers.Layer layer = headLayer(s.head, s.outputs, s.updater, s.weightDecay, s.classWeights, i, nIn);
            if (flattenNext) {
                b.addLayer(name, layer, new CnnToFeedForwardPreProcessor(shape[1], shape[2], shape[0]), prev);
                flattenNext = false;
            } else {
                b.addLayer(name, layer, prev);
            }
            prev = name;
            if (i < hidden.length) {
                nIn = hidden[i];
            }
        }
        b.setOutputs(OUTPUT);
        return b.build();
    }

    /**
     * A head alone, on features a backbone already computed: the same layers {@link #surgery} puts on the cut, with
     * input {@code features} (for the head search's cross-validation, which trains many heads on cached features).
     *
     * @param head the head's layers (its pooling is taken as already applied when {@code featureShape} is a vector)
     * @param featureShape one example's features: {@code [n]}, or {@code [c, h, w]} for a flattened feature map
     * @param outputs output units
     * @param updater the head's updater
     * @param seed weight-init seed
     * @param weightDecay decoupled weight decay, >= 0
     * @param classWeights single-label loss weights, or null
     * @return an initialized network
     */
    public static ComputationGraph headOnly(HeadSpec head, long[] featureShape, int outputs, IUpdater updater, long seed,
            double weightDecay, double[] classWeights) {
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder g =
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                        .graphBuilder().addInputs("features");
        String prev = "features";
        long nIn = 1;
        for (long d : featureShape) {
            nIn *= d;
        }
        boolean flattenNext = featureShape.length == 3;
        int[] hidden = head.hidden();
        for (int i = 0; i <= hidden.length; i++) {
            String name = i == hidden.length ? OUTPUT : "tk_dense" + i;
            org.deeplearning4j.nn.conf.layers.Layer layer = headLayer(head, outputs, updater, weightDecay, classWeights,
                    i, nIn);
            if (flattenNext) {
                g.addLayer(name, layer, new CnnToFeedForwardPreProcessor(featureShape[1], featureShape[2],
                        featureShape[0]), prev);
                flattenNext = false;
            } else {
                g.addLayer(name, layer, prev);
            }
            prev = name;
            if (i < hidden.length) {
                nIn = hidden[i];
            }
        }
        g.setOutputs(OUTPUT);
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static void check(Surgery s) {
        ComputationGraphConfiguration conf = s.backboneGraph.getConfiguration();
        if (s.freezeUpTo != null && !conf.getVertices().containsKey(s.freezeUpTo)) {
            throw new IllegalArgumentException("cannot freeze up to '" + s.freezeUpTo + "': not a vertex of this graph");
        }
        if (s.classWeights != null && s.classWeights.length != s.outputs) {
            throw new IllegalArgumentException("need one class weight per class (" + s.outputs + "), got "
                    + s.classWeights.length);
        }
        if (s.outputs < s.head.task().minOutputs()) {
            throw new IllegalArgumentException("a " + s.head.task().id() + " head needs at least "
                    + s.head.task().minOutputs() + " outputs (classes, labels or targets), got " + s.outputs);
        }
        if (!conf.getVertices().containsKey(s.cut.vertex())) {
            throw new IllegalArgumentException("cut point " + s.cut.name() + " maps to vertex '" + s.cut.vertex()
                    + "', which is not in this graph; its vertices are " + conf.getVertices().keySet());
        }
    }

    /** @return the head's layer {@code i}: a hidden dense layer, or the output layer after the last one */
    private static org.deeplearning4j.nn.conf.layers.Layer headLayer(HeadSpec head, int outputs, IUpdater updater,
            double weightDecay, double[] classWeights, int i, long nIn) {
        int[] hidden = head.hidden();
        // Keras-style: dropout between layers (DL4J applies it to a layer's input, as a retain probability)
        boolean drop = head.dropout() > 0 && (i > 0 || hidden.length == 0);
        List<org.nd4j.linalg.learning.regularization.Regularization> decay = weightDecay > 0
                ? List.of(new WeightDecay(weightDecay, true)) : List.of();
        if (i == hidden.length) {
            OutputLayer.Builder ob = new OutputLayer.Builder(head.loss().function(classWeights))
                    .nIn(nIn).nOut(outputs).activation(head.loss().activation())
                    .weightInit(WeightInit.XAVIER).updater(updater);
            if (!decay.isEmpty()) {
                ob.regularization(decay);
            }
            if (drop) {
                ob.dropOut(1.0 - head.dropout());
            }
            return ob.build();
        }
        DenseLayer.Builder db = new DenseLayer.Builder().nIn(nIn).nOut(hidden[i])
                .activation(Activation.RELU).weightInit(WeightInit.RELU).updater(updater);
        if (!decay.isEmpty()) {
            db.regularization(decay);
        }
        if (drop) {
            db.dropOut(1.0 - head.dropout());
        }
        return db.build();
    }

    /**
     * @param inputs a graph's vertex inputs ({@code ComputationGraphConfiguration.getVertexInputs()})
     * @param vertex a vertex
     * @return {@code vertex} and every vertex it depends on, transitively
     */
    public static Set<String> ancestors(Map<String, List<String>> inputs, String vertex) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(vertex);
        while (!todo.isEmpty()) {
            String v = todo.poll();
            if (seen.add(v)) {
                List<String> in = inputs.get(v);
                if (in != null) {
                    todo.addAll(in);
                }
            }
        }
        return seen;
    }

    private static List<String> removable(ComputationGraphConfiguration conf, Set<String> keep) {
        List<String> out = new ArrayList<>();
        for (String v : conf.getVertices().keySet()) {
            if (!keep.contains(v) && !conf.getNetworkInputs().contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * @return names of the backbone layers kept frozen in {@code graph}, in topological order (the head's
     *     own parameter-free vertices, such as its pooling, are not listed even when featurizing wraps them)
     */
    public static List<String> frozenLayers(ComputationGraph graph) {
        List<String> names = new ArrayList<>();
        for (int i : graph.topologicalSortOrder()) {
            GraphVertex v = graph.getVertices()[i];
            if (v.hasLayer() && (v.getLayer() instanceof FrozenLayer
                    || v.getLayer() instanceof org.deeplearning4j.nn.layers.FrozenLayerWithBackprop)
                    && !v.getVertexName().startsWith("tk_")) {
                names.add(v.getVertexName());
            }
        }
        return List.copyOf(names);
    }
}
