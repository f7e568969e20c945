package org.transferkit.train;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.engine.BatchNormAffine;

/**
 * Keeps batch normalization in inference mode while the layers around it train (Keras' transfer-learning
 * advice): each trainable {@code BatchNormalization} becomes the per-channel affine map it computes at
 * inference, {@code y = x * gamma / std + (beta - mean * gamma / std)}, as a 1x1 depthwise convolution that
 * is frozen but passes gradients through. Its statistics never move and its outputs equal the original
 * layer's inference outputs.
 *
 * <p>Why not DL4J's own wrapper: in 1.0.0-M2.1 a {@code BatchNormalization} inside
 * {@code FrozenLayerWithBackprop} runs its forward pass with the running statistics but back-propagates
 * with the mini-batch formula, so the gradients of every layer below it are wrong (a finite-difference
 * check gives the opposite sign), and it fails with workspaces on. Stateless.
 */
public final class BatchNormFreezer {
    private BatchNormFreezer() {
    }

    /**
     * @param graph a graph; not modified
     * @return a new graph with the same parameters in which every batch normalization layer that is not
     *     already frozen is a frozen affine map; the same graph object if there is none
     */
    public static ComputationGraph freeze(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        List<String> replaced = new ArrayList<>();
        for (var e : conf.getVertices().entrySet()) {
            GraphVertex gv = e.getValue();
            if (gv instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn
                    && bn.getCnn2DFormat() != null) { // over feature maps (a dense input's BN is left as it is)
                long c = bn.getNOut();
                DepthwiseConvolution2D affine = new DepthwiseConvolution2D.Builder(1, 1).nIn(c).depthMultiplier(1)
                        .activation(Activation.IDENTITY).hasBias(true).weightInit(WeightInit.ONES).biasInit(0)
                        .updater(new NoOp()).biasUpdater(new NoOp()).build();
                affine.setLayerName(e.getKey());
                FrozenLayerWithBackprop frozen = new FrozenLayerWithBackprop(affine);
                frozen.setLayerName(e.getKey()); // DL4J finds a restored graph's layers by this name
                lv.getLayerConf().setLayer(frozen);
                replaced.add(e.getKey());
            }
        }
        if (replaced.isEmpty()) {
            return graph;
        }
        ComputationGraph out = new ComputationGraph(conf);
        out.init();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : graph.getVertices()) { // runtime vertices
            if (!v.hasLayer() || v.getLayer().numParams() == 0) {
                continue;
            }
            String name = v.getVertexName();
            Layer target = out.getLayer(name);
            if (replaced.contains(name)) {
                Layer bn = v.getLayer();
                var bnConf = (BatchNormalization) ((LayerVertex) graph.getConfiguration().getVertices().get(name))
                        .getLayerConf().getLayer();
                BatchNormAffine affine = BatchNormAffine.of(bn, bnConf);
                INDArray scale = Nd4j.createFromArray(affine.scale());
                INDArray shift = Nd4j.createFromArray(affine.shift());
                INDArray w = target.getParam("W");
                target.setParam("W", scale.reshape(w.shape()).castTo(w.dataType()));
                INDArray bias = target.getParam("b");
                target.setParam("b", shift.reshape(bias.shape()).castTo(bias.dataType()));
            } else {
                target.setParams(v.getLayer().params().dup());
            }
        }
        return out;
    }
}
