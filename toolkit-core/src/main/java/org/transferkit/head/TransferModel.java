package org.transferkit.head;

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
     * Builds the transfer graph. The backbone graph passed in is not changed.
     *
     * @param backboneGraph the loaded backbone graph
     * @param cut where to cut; its vertex must exist in {@code backboneGraph}
     * @param head the head's layers
     * @param numClasses classes of the output, >= 2
     * @param updater the updater (and learning rate) for the trainable layers
     * @param seed seed for the new layers' initial weights
     * @return a new graph: frozen backbone up to {@code cut}, then the head
     * @throws IllegalArgumentException if the cut vertex is not in the graph or {@code numClasses < 2}
     */
    public static ComputationGraph build(ComputationGraph backboneGraph, CutPoint cut, HeadSpec head, int numClasses,
            IUpdater updater, long seed) {
        return build(backboneGraph, cut, head, numClasses, updater, seed, null);
    }

    /**
     * Builds the transfer graph with a class-weighted cross-entropy.
     *
     * @param backboneGraph the loaded backbone graph (not changed)
     * @param cut where to cut
     * @param head the head's layers
     * @param numClasses classes, >= 2
     * @param updater the updater for the trainable layers
     * @param seed seed for the new layers' initial weights
     * @param classWeights one loss weight per class, or null for none
     * @return the new graph
     * @throws IllegalArgumentException if the cut vertex is missing, {@code numClasses < 2}, or the
     *     weights do not have one positive value per class
     */
    public static ComputationGraph build(ComputationGraph backboneGraph, CutPoint cut, HeadSpec head, int numClasses,
            IUpdater updater, long seed, double[] classWeights) {
        return build(backboneGraph, cut, head, numClasses, updater, seed, classWeights, 0);
    }

    /**
     * Builds the transfer graph with class weights and decoupled weight decay on the head's weights.
     *
     * @param backboneGraph the loaded backbone graph (not changed)
     * @param cut where to cut
     * @param head the head's layers
     * @param numClasses classes, >= 2
     * @param updater the updater for the trainable layers
     * @param seed seed for the new layers' initial weights
     * @param classWeights one loss weight per class, or null for none
     * @param weightDecay decoupled weight decay of the head's weights (not biases), 0 for none
     * @return the new graph
     * @throws IllegalArgumentException as {@link #build(ComputationGraph, CutPoint, HeadSpec, int, IUpdater, long)}
     */
    public static ComputationGraph build(ComputationGraph backboneGraph, CutPoint cut, HeadSpec head, int numClasses,
            IUpdater updater, long seed, double[] classWeights, double weightDecay) {
        return build(backboneGraph, cut, head, numClasses, updater, seed, classWeights, weightDecay, cut.vertex(), updater);
    }

    /**
     * As {@link #build(ComputationGraph, CutPoint, HeadSpec, int, IUpdater, long, double[], double)}, freezing the
     * backbone only up to {@code freezeUpTo} (that vertex and everything it depends on); the backbone layers
     * between it and the cut train with {@code backboneUpdater}.
     *
     * @param freezeUpTo the last frozen vertex, or null to train the whole backbone
     * @param backboneUpdater updater (learning rate) of the trainable backbone layers
     * @return the new graph
     * @throws IllegalArgumentException as the shorter form, or if {@code freezeUpTo} is not in the graph
     */
    public static ComputationGraph build(ComputationGraph backboneGraph, CutPoint cut, HeadSpec head, int numClasses,
            IUpdater updater, long seed, double[] classWeights, double weightDecay, String freezeUpTo,
            IUpdater backboneUpdater) {
        if (freezeUpTo != null && !backboneGraph.getConfiguration().getVertices().containsKey(freezeUpTo)) {
            throw new IllegalArgumentException("cannot freeze up to '" + freezeUpTo + "': not a vertex of this graph");
        }
        if (classWeights != null && classWeights.length != numClasses) {
            throw new IllegalArgumentException("need one class weight per class (" + numClasses + "), got "
                    + classWeights.length);
        }
        Objects.requireNonNull(head, "head");
        if (numClasses < head.task().minOutputs()) {
            throw new IllegalArgumentException("a " + head.task().id() + " head needs at least "
                    + head.task().minOutputs() + " outputs (classes, labels or targets), got " + numClasses);
        }
        ComputationGraphConfiguration conf = backboneGraph.getConfiguration();
        if (!conf.getVertices().containsKey(cut.vertex())) {
            throw new IllegalArgumentException("cut point " + cut.name() + " maps to vertex '" + cut.vertex()
                    + "', which is not in this graph; its vertices are " + conf.getVertices().keySet());
        }
        Set<String> keep = ancestors(conf.getVertexInputs(), cut.vertex());
        FineTuneConfiguration ftc = new FineTuneConfiguration.Builder().updater(backboneUpdater).seed(seed).build();
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(backboneGraph)
                .fineTuneConfiguration(ftc);
        if (freezeUpTo != null) {
            b.setFeatureExtractor(freezeUpTo);
        }
        for (String v : removable(conf, keep)) {
            b.removeVertexAndConnections(v);
        }
        String prev = cut.vertex();
        long nIn = cut.flatSize();
        boolean flattenNext = false;
        if (cut.spatial()) {
            if (head.pooling() == HeadSpec.Pooling.FLATTEN) {
                flattenNext = true;
            } else {
                PoolingType type = head.pooling() == HeadSpec.Pooling.MAX ? PoolingType.MAX : PoolingType.AVG;
                b.addLayer(POOL, new GlobalPoolingLayer.Builder(type).build(), prev);
                prev = POOL;
                nIn = cut.channels();
            }
        }
        long[] shape = cut.outputShape();
        int[] hidden = head.hidden();
        for (int i = 0; i <= hidden.length; i++) {
            boolean last = i == hidden.length;
            String name = last ? OUTPUT : "tk_dense" + i;
            // Keras-style: dropout between layers (DL4J applies it to a layer's input, as a retain probability)
            boolean drop = head.dropout() > 0 && (i > 0 || hidden.length == 0);
            org.deeplearning4j.nn.conf.layers.Layer layer;
            if (last) {
                OutputLayer.Builder ob = new OutputLayer.Builder(head.loss().function(classWeights))
                        .nIn(nIn).nOut(numClasses).activation(head.loss().activation())
                        .weightInit(WeightInit.XAVIER).updater(updater);
                if (weightDecay > 0) {
                    ob.regularization(List.of(new WeightDecay(weightDecay, true)));
                }
                if (drop) {
                    ob.dropOut(1.0 - head.dropout());
                }
                layer = ob.build();
            } else {
                DenseLayer.Builder db = new DenseLayer.Builder().nIn(nIn).nOut(hidden[i])
                        .activation(Activation.RELU).weightInit(WeightInit.RELU).updater(updater);
                if (weightDecay > 0) {
                    db.regularization(List.of(new WeightDecay(weightDecay, true)));
                }
                if (drop) {
                    db.dropOut(1.0 - head.dropout());
                }
                layer = db.build();
            }
            if (flattenNext) {
                b.addLayer(name, layer, new CnnToFeedForwardPreProcessor(shape[1], shape[2], shape[0]), prev);
                flattenNext = false;
            } else {
                b.addLayer(name, layer, prev);
            }
            prev = name;
            if (!last) {
                nIn = hidden[i];
            }
        }
        b.setOutputs(OUTPUT);
        return b.build();
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
}
