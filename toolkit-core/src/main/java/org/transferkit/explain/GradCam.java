package org.transferkit.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grad-CAM (Selvaraju et al., 2017) at the last feature map of a graph: the gradient of one output's
 * pre-activation score (the logit for softmax and sigmoid outputs, the value for regression) with respect to
 * the feature map, averaged per channel, weights the channels; the ReLU of the weighted sum is the heat map.
 * The gradient is worked out here, exactly, through the chain of vector layers after that feature map (dense
 * and output layers, global pooling, flattening, dropout and activation layers), from the activations of one
 * inference pass; DL4J's training-mode backward pass is not involved. Stateless.
 */
final class GradCam {
    private GradCam() {
    }

    /** Where the feature map is and the vector layers after it, output first. */
    record Chain(String featureVertex, List<String> vertices) {
    }

    /**
     * @param conf a single-output graph
     * @return the last 4-d vertex feeding the output through single-input vector layers
     * @throws IllegalArgumentException if a layer on the way is of a kind Grad-CAM here cannot differentiate
     */
    static Chain chain(ComputationGraphConfiguration conf, Map<String, long[]> shapes) {
        String v = conf.getNetworkOutputs().get(0);
        List<String> chain = new ArrayList<>();
        while (true) {
            if (shapes.get(v) != null && shapes.get(v).length == 3) {
                return new Chain(v, List.copyOf(chain));
            }
            GraphVertex gv = conf.getVertices().get(v);
            List<String> in = conf.getVertexInputs().get(v);
            if (!(gv instanceof LayerVertex lv) || in == null || in.size() != 1 || !supported(unwrap(lv))) {
                throw new IllegalArgumentException("Grad-CAM follows dense, output, global pooling, dropout and "
                        + "activation layers back to the last feature map; vertex '" + v + "' ("
                        + (gv == null ? "input" : gv instanceof LayerVertex l ? l.getLayerConf().getLayer().getClass()
                                .getSimpleName() : gv.getClass().getSimpleName()) + ") is not one of them");
            }
            InputPreProcessor pp = lv.getPreProcessor();
            if (pp != null && !(pp instanceof CnnToFeedForwardPreProcessor)) {
                throw new IllegalArgumentException("Grad-CAM cannot differentiate the input preprocessor "
                        + pp.getClass().getSimpleName() + " of vertex '" + v + "'");
            }
            chain.add(v);
            v = in.get(0);
        }
    }

    /** @return the layer configuration inside a frozen wrapper (frozen layers compute the same at inference) */
    static Layer unwrap(LayerVertex lv) {
        Layer l = lv.getLayerConf().getLayer();
        if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer f) {
            return f.getLayer();
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop f) {
            return f.getUnderlying();
        }
        return l;
    }

    private static boolean supported(Layer l) {
        return l instanceof DenseLayer || l instanceof OutputLayer || l instanceof DropoutLayer
                || l instanceof ActivationLayer
                || l instanceof GlobalPoolingLayer g && g.getPoolingType() != PoolingType.PNORM;
    }

    /**
     * @param graph the graph (read only)
     * @param chain from {@link #chain}
     * @param acts activations of one image's inference pass, by vertex name
     * @param output the output unit to explain
     * @return the heat map at the feature map's resolution, {@code [h][w]}, ReLU applied, not normalised
     */
    static float[][] map(ComputationGraph graph, Chain chain, Map<String, INDArray> acts, int output) {
        INDArray a = acts.get(chain.featureVertex()); // [1, c, h, w]
        INDArray eps = gradient(graph, chain, acts, output);
        long c = a.size(1);
        long h = a.size(2);
        long w = a.size(3);
        INDArray weights = eps.reshape(c, h * w).mean(1); // alpha_k
        INDArray cam = a.reshape(c, h * w).mulColumnVector(weights).sum(0).reshape(h, w);
        float[][] out = new float[(int) h][(int) w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[y][x] = Math.max(0f, cam.getFloat(y, x));
            }
        }
        return out;
    }

    /** @return d (pre-activation score of {@code output}) / d (feature map), shaped as the feature map */
    static INDArray gradient(ComputationGraph graph, Chain chain, Map<String, INDArray> acts, int output) {
        INDArray a = acts.get(chain.featureVertex());
        // backward from the output's pre-activation: d score / d (that pre-activation) = one-hot
        INDArray eps = null;
        for (int i = 0; i < chain.vertices().size(); i++) {
            String name = chain.vertices().get(i);
            LayerVertex lv = (LayerVertex) graph.getConfiguration().getVertices().get(name);
            Layer conf = unwrap(lv);
            String inName = graph.getConfiguration().getVertexInputs().get(name).get(0);
            INDArray in = acts.get(inName);
            INDArray flatIn = in.rank() == 4 && lv.getPreProcessor() != null ? in.reshape('c', in.size(0), in.length() / in.size(0)) : in;
            if (conf instanceof BaseLayer bl && (conf instanceof DenseLayer || conf instanceof OutputLayer)) {
                INDArray w = graph.getLayer(name).getParam("W");
                if (i == 0) {
                    eps = Nd4j.zeros(w.dataType(), 1, w.size(1));
                    eps.putScalar(0, output, 1.0);
                } else {
                    INDArray pre = flatIn.mmul(w).addiRowVector(graph.getLayer(name).getParam("b"));
                    eps = activationBackprop(bl.getActivationFn(), pre, eps);
                }
                eps = eps.mmul(w.transpose());
            } else if (conf instanceof ActivationLayer al) {
                eps = i == 0 ? oneHot(in, output) : activationBackprop(al.getActivationFn(), flatIn.dup(), eps);
            } else if (conf instanceof GlobalPoolingLayer gp) {
                eps = i == 0 ? oneHot(acts.get(name), output) : eps;
                eps = poolBackprop(gp.getPoolingType(), in, eps);
            } else if (i == 0) {
                eps = oneHot(acts.get(name), output); // dropout: identity at inference
            }
            if (lv.getPreProcessor() != null && in.rank() == 4 && eps.rank() == 2) {
                eps = eps.reshape('c', in.shape());
            }
        }
        if (eps == null) {
            throw new IllegalArgumentException("the output is itself a feature map; nothing to explain");
        }
        return eps.reshape(a.shape());
    }

    private static INDArray oneHot(INDArray like, int output) {
        INDArray e = Nd4j.zeros(like.dataType(), 1, like.size(1));
        e.putScalar(0, output, 1.0);
        return e;
    }

    private static INDArray activationBackprop(IActivation fn, INDArray pre, INDArray eps) {
        return fn.backprop(pre.dup(), eps.dup()).getFirst();
    }

    /** @return the gradient with respect to the pooled feature map {@code in} [1, c, h, w] */
    private static INDArray poolBackprop(PoolingType type, INDArray in, INDArray eps) {
        long c = in.size(1);
        long hw = in.size(2) * in.size(3);
        INDArray flat = in.reshape(c, hw);
        INDArray g = Nd4j.zeros(in.dataType(), c, hw);
        for (long k = 0; k < c; k++) {
            double e = eps.getDouble(0, k);
            switch (type) {
                case AVG -> g.getRow(k).assign(e / hw);
                case SUM -> g.getRow(k).assign(e);
                case MAX -> g.putScalar(k, flat.getRow(k).argMax().getLong(0), e);
                default -> throw new IllegalArgumentException("pooling " + type + " is not supported");
            }
        }
        return g.reshape(in.shape());
    }
}
