package org.transferkit.engine;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;

/**
 * What the training path covers, checked on a DL4J graph and on its lowered program: the layers and vertices
 * {@link TrainableGraph} lists (depthwise and separable convolutions included; their grouped convolutions' weights are
 * checked when bound, by {@link WeightBinding}), the output layers {@link Losses} computes, the updaters and
 * regularization {@link Updates} applies (Adam, Nesterovs, RmsProp, Sgd; L1, L2, weight decay). Stateless.
 */
final class TrainChecks {
    private TrainChecks() {
    }

    /**
     * @return the graph's output vertex
     * @throws UnsupportedOperationException naming the first vertex or setting the training path does not cover
     */
    static String check(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            throw new UnsupportedOperationException("the training path runs graphs with one input and one output");
        }
        String output = conf.getNetworkOutputs().get(0);
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            String name = e.getKey();
            GraphVertex v = e.getValue();
            if (v instanceof MergeVertex) {
                continue;
            }
            if (v instanceof ElementWiseVertex ew) {
                if (ew.getOp() != ElementWiseVertex.Op.Add || conf.getVertexInputs().get(name).size() != 2) {
                    throw unsupported(name, "element-wise " + ew.getOp() + " of " + conf.getVertexInputs().get(name).size()
                            + " inputs (the training path adds two)");
                }
                continue;
            }
            if (!(v instanceof LayerVertex)) {
                throw unsupported(name, v.getClass().getSimpleName());
            }
            org.deeplearning4j.nn.api.Layer l = graph.getLayer(name);
            if (l instanceof FrozenLayerWithBackprop f && Convolutions.frozenAffine(f.getInsideLayer())) {
                continue; // a batch normalization frozen as its affine map: fixed, passes gradients through
            }
            if (l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop) {
                throw unsupported(name, "a frozen layer other than a frozen batch-norm affine map");
            }
            layer(name, l.conf().getLayer(), l, name.equals(output));
        }
        return output;
    }

    private static void layer(String name, Layer lc, org.deeplearning4j.nn.api.Layer l, boolean isOutput) {
        Class<?> c = lc.getClass();
        boolean known = c == ConvolutionLayer.class || c == Convolution2D.class || c == SubsamplingLayer.class
                || c == DenseLayer.class || c == OutputLayer.class || c == GlobalPoolingLayer.class
                || c == ActivationLayer.class || c == ZeroPaddingLayer.class || c == BatchNormalization.class
                || c == DepthwiseConvolution2D.class || c == SeparableConvolution2D.class;
        if (!known) {
            throw unsupported(name, c.getSimpleName());
        }
        if (lc instanceof BatchNormalization bn && (bn.isLockGammaBeta() || !bn.isMinibatch()
                || bn.getCnn2DFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NCHW)) {
            throw unsupported(name, "batch normalization with locked gamma/beta, full-batch statistics or NHWC");
        }
        if (lc.getIDropout() != null && dropout(lc) == null) {
            throw unsupported(name, "dropout other than plain dropout on a dense layer's input");
        }
        if (lc instanceof BaseLayer b && b.getGradientNormalization() != null
                && b.getGradientNormalization() != GradientNormalization.None) {
            throw unsupported(name, "gradient normalization " + b.getGradientNormalization());
        }
        for (String key : l.paramTable().keySet()) {
            if (lc instanceof BatchNormalization && !key.equals("gamma") && !key.equals("beta")) {
                continue; // running statistics: moved by the training path itself, as DL4J moves them
            }
            String why = Updates.unsupported(l.getConfig().getUpdaterByParam(key), l.getConfig().getRegularizationByParam(key));
            if (why != null) {
                throw unsupported(name, why);
            }
        }
        if (lc instanceof OutputLayer o) {
            if (!isOutput) {
                throw unsupported(name, "an output layer that is not the graph's output");
            }
            Losses.of(name, o); // refuses an activation and loss it does not cover
        } else if (isOutput) {
            throw unsupported(name, "an output that is not a dense output layer");
        }
    }

    /** @return the retain probability of a dense layer's plain (inverted) dropout, or null if it has none */
    static Double dropout(Layer lc) {
        boolean dense = lc.getClass() == DenseLayer.class || lc.getClass() == OutputLayer.class;
        if (dense && lc.getIDropout() instanceof Dropout d && d.getPSchedule() == null && d.getP() > 0 && d.getP() < 1) {
            return d.getP();
        }
        return null;
    }

    /**
     * @return the tensor of the logits (the output layer's linear part) in the lowered program
     * @throws UnsupportedOperationException if an operation does not train on the engine
     */
    static String logits(Lowering.Program p, String output) {
        List<Op> ops = p.ops();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            boolean ok = switch (op.kind) {
                case CONV -> op.sumWith() == null; // grouped only as depthwise (WeightBinding checks the weights)
                case DENSE, POOL, GLOBAL_POOL, CONCAT, ELTWISE, ADD, BATCH_NORM -> op.sumWith() == null;
                case SOFTMAX -> i == ops.size() - 1;
                default -> false;
            };
            if (!ok) {
                throw unsupported(op.name, "operation " + op);
            }
        }
        Op last = ops.get(ops.size() - 1);
        String logits = output + ":linear";
        boolean softmax = last.kind == Op.Kind.SOFTMAX && last.inputs.get(0).equals(logits);
        boolean linear = last.kind == Op.Kind.DENSE && last.name.equals(logits) && last.post.isEmpty();
        if (!softmax && !linear) { // the output layer's activation is left to its loss (Losses)
            throw unsupported(output, "an output other than a dense output layer");
        }
        return logits;
    }

    static UnsupportedOperationException unsupported(String vertex, String what) {
        return new UnsupportedOperationException("vertex '" + vertex + "': " + what + " does not train on the engine");
    }
}
