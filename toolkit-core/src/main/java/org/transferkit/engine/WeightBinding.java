package org.transferkit.engine;

import java.util.Arrays;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Where a convolution's or dense operation of the training program finds its layer's parameters in the graph, and in
 * what layout they lie there, for {@link TrainableGraph}. Standard convolutions keep DL4J's OIHW ([nOut, nIn, kH, kW])
 * and dense layers its OI (the [nIn, nOut] 'f'-ordered matrix), both plain. A depthwise convolution is a grouped
 * convolution (oneDNN's goihw: {channels, multiplier, 1, kH, kW}) over DL4J's own arrays, described by strides so
 * that the optimizer updates them unchanged: {@code DepthwiseConvolution2D}'s W is [kH, kW, channels, multiplier],
 * the depthwise W of {@code SeparableConvolution2D} is [multiplier, channels, kH, kW] (its pointwise pW an ordinary
 * [nOut, channels * multiplier, 1, 1] convolution, with the layer's bias; the depthwise part has none). Stateless.
 */
final class WeightBinding {
    /** The name suffix of the depthwise half of a separable convolution ({@link Depthwise#separable}). */
    static final String DEPTHWISE = ":depthwise";

    /**
     * An operation's parameters.
     *
     * @param vertex the graph vertex they belong to
     * @param w the weights
     * @param b the bias, or null when the operation has none
     * @param wDims the weights' dimensions as oneDNN sees them (oihw, goihw or oi)
     * @param wStrides the weights' strides in the graph's array, or null for the plain row-major layout of {@code wDims}
     */
    record Bound(String vertex, Updates.Param w, Updates.Param b, long[] wDims, long[] wStrides) {
    }

    private WeightBinding() {
    }

    /**
     * @param op a convolution or dense operation of the training program
     * @param in its input's per-example dimensions
     * @param graph the graph
     * @param byName the graph's parameters by "vertex/name"
     * @return where its parameters are
     * @throws UnsupportedOperationException if the layer lacks them or they have an unexpected size
     */
    static Bound of(Op op, long[] in, ComputationGraph graph, Map<String, Updates.Param> byName) {
        boolean depthwisePart = op.name.endsWith(DEPTHWISE);
        String vertex = op.name.endsWith(":linear") ? op.name.substring(0, op.name.length() - 7)
                : depthwisePart ? op.name.substring(0, op.name.length() - DEPTHWISE.length()) : op.name;
        Layer lc = graph.getLayer(vertex).conf().getLayer();
        boolean pointwise = lc instanceof SeparableConvolution2D && !depthwisePart;
        Updates.Param w = byName.get(vertex + (pointwise ? "/pW" : "/W"));
        Updates.Param b = depthwisePart ? null : byName.get(vertex + "/b");
        boolean noBias = depthwisePart || (b == null && lc instanceof ConvolutionLayer c && !c.hasBias());
        if (w == null || (b == null && !noBias)) {
            throw new UnsupportedOperationException("vertex '" + vertex + "': a layer without trainable W and b");
        }
        long[] wDims;
        long[] strides = null;
        if (op.kind == Op.Kind.CONV && op.groups > 1) {
            long g = op.groups;
            wDims = new long[] {g, op.shape[0] / g, in[0] / g, op.kernel[0], op.kernel[1]};
            strides = groupedStrides(vertex, lc, graph.getLayer(vertex).getParam("W").shape(), wDims);
        } else if (op.kind == Op.Kind.CONV) {
            wDims = new long[] {op.shape[0], in[0], op.kernel[0], op.kernel[1]};
        } else {
            wDims = new long[in.length + 1];
            wDims[0] = op.shape[0];
            System.arraycopy(in, 0, wDims, 1, in.length);
        }
        if (Lowering.product(wDims) != w.length() || (b != null && op.shape[0] != b.length())) {
            throw new UnsupportedOperationException("vertex '" + vertex + "': parameters of unexpected size");
        }
        return new Bound(vertex, w, b, wDims, strides);
    }

    /**
     * @param shape the layer's depthwise weight array's shape
     * @param goihw {channels, multiplier, 1, kH, kW}
     * @return the strides of goihw's dimensions in DL4J's array
     */
    private static long[] groupedStrides(String vertex, Layer lc, long[] shape, long[] goihw) {
        long c = goihw[0];
        long m = goihw[1];
        long kh = goihw[3];
        long kw = goihw[4];
        if (goihw[2] != 1) {
            throw new UnsupportedOperationException("vertex '" + vertex + "': a grouped convolution other than depthwise");
        }
        if (lc instanceof SeparableConvolution2D && Arrays.equals(shape, new long[] {m, c, kh, kw})) {
            return new long[] {kh * kw, c * kh * kw, kh * kw, kw, 1}; // [m, c, kh, kw]
        }
        if (lc instanceof DepthwiseConvolution2D && Arrays.equals(shape, new long[] {kh, kw, c, m})) {
            return new long[] {m, 1, m, kw * c * m, c * m}; // [kh, kw, c, m]
        }
        throw new UnsupportedOperationException("vertex '" + vertex + "': depthwise weights " + Arrays.toString(shape)
                + " of a " + lc.getClass().getSimpleName());
    }
}
