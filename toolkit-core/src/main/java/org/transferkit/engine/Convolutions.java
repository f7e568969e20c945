package org.transferkit.engine;

import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

/** Lowers the spatial layers: convolution, batch normalization folded into it, and pooling. Stateless. */
final class Convolutions {
    private Convolutions() {
    }

    static void conv(Lowering l, String name, ConvolutionLayer c, Params p, String in) {
        Lowering.requireNchw(name, c.getCnn2dDataFormat(), c.getConvolutionMode());
        if (c.getDilation() != null && (c.getDilation()[0] != 1 || c.getDilation()[1] != 1)) {
            throw Lowering.unsupported(name, "dilated convolution");
        }
        int[] extra = l.padding(in) == null ? new int[4] : l.padding(in);
        String t = l.tensorThroughPadding(in);
        long[] s = l.shape(t);
        if (s.length != 3) {
            throw Lowering.unsupported(name, "convolution of a flat tensor");
        }
        long[] w = p.shape("W");
        if (w.length != 4 || w[1] != s[0]) {
            throw Lowering.unsupported(name, "convolution weights " + java.util.Arrays.toString(w) + " for " + s[0] + " channels");
        }
        Op op = new Op(name, Op.Kind.CONV, List.of(t));
        long[] out = geometry(name, op, c.getConvolutionMode(), new long[] {s[1] + extra[0] + extra[1], s[2] + extra[2] + extra[3]},
                c.getKernelSize(), c.getStride(), c.getPadding());
        op.foldedPadding = extra[0] + extra[1] + extra[2] + extra[3] > 0;
        op.padL[0] += extra[0];
        op.padR[0] += extra[1];
        op.padL[1] += extra[2];
        op.padR[1] += extra[3];
        op.shape = new long[] {w[0], out[0], out[1]};
        op.weights = p.floats("W", false);
        op.bias = c.hasBias() ? p.floats("b", false) : new float[(int) w[0]];
        activation(name, c, op);
        l.register(name, op);
    }

    /** Fuses a convolution's own activation into it (softmax is refused). */
    static void activation(String name, ConvolutionLayer c, Op op) {
        Act act = Act.of(c.getActivationFn(), name);
        if (act == Act.SOFTMAX) {
            throw Lowering.unsupported(name, "softmax on a convolution");
        }
        if (act != null) {
            op.post.add(new Op.Post(act, null));
        }
    }

    static void pool(Lowering l, String name, SubsamplingLayer c, String in) {
        Lowering.requireNchw(name, c.getCnn2dDataFormat(), c.getConvolutionMode());
        if (!Lowering.maxOrAvg(c.getPoolingType()) || (c.getDilation() != null && (c.getDilation()[0] != 1 || c.getDilation()[1] != 1))) {
            throw Lowering.unsupported(name, c.getPoolingType() + " subsampling" + " with dilation " + java.util.Arrays.toString(c.getDilation()));
        }
        String t = l.tensor(in, name);
        long[] s = l.shape(t);
        if (s.length != 3) {
            throw Lowering.unsupported(name, "subsampling of a flat tensor");
        }
        Op op = new Op(name, Op.Kind.POOL, List.of(t));
        long[] out = geometry(name, op, c.getConvolutionMode(), new long[] {s[1], s[2]}, c.getKernelSize(), c.getStride(), c.getPadding());
        op.max = c.getPoolingType() == PoolingType.MAX;
        op.includePad = c.isAvgPoolIncludePadInDivisor();
        op.shape = new long[] {s[0], out[0], out[1]};
        l.register(name, op);
    }

    static void globalPool(Lowering l, String name, GlobalPoolingLayer g, String in) {
        int[] dims = g.getPoolingDimensions();
        if (!Lowering.maxOrAvg(g.getPoolingType()) || (dims != null && !java.util.Arrays.equals(dims, new int[] {2, 3}))) {
            throw Lowering.unsupported(name, g.getPoolingType() + " global pooling over " + java.util.Arrays.toString(dims));
        }
        String t = l.tensor(in, name);
        long[] s = l.shape(t);
        if (s.length != 3) {
            throw Lowering.unsupported(name, "global pooling of a flat tensor");
        }
        Op op = new Op(name, Op.Kind.GLOBAL_POOL, List.of(t));
        op.kernel = new int[] {(int) s[1], (int) s[2]};
        op.stride = new int[] {1, 1};
        op.padL = new int[2];
        op.padR = new int[2];
        op.max = g.getPoolingType() == PoolingType.MAX;
        op.shape = g.isCollapseDimensions() ? new long[] {s[0]} : new long[] {s[0], 1, 1};
        l.register(name, op);
    }

    /**
     * Inference-mode batch normalization, {@code y = x * gamma / std + (beta - mean * gamma / std)}: folded into
     * the convolution before it when nothing else reads that convolution and it has no activation
     * ({@code w' = w * gamma / std}, {@code b' = b * gamma / std + beta - mean * gamma / std}), else its own
     * per-channel affine operation.
     */
    static void batchNorm(Lowering l, String name, BatchNormalization bn, Params p, String in) {
        if (l.training()) {
            normOp(l, name, in, new Op.Norm(false, (float) bn.getEps(), bn.getDecay(), p.has("log10stdev")));
            return;
        }
        Op conv = l.fusable(in);
        String t = l.tensor(in, name);
        long[] s = l.shape(t);
        int c = (int) s[0];
        BatchNormAffine affine = BatchNormAffine.of(p.layer(), bn);
        float[] scale = affine.scale();
        float[] shift = affine.shift();
        // DL4J's BatchNormalization layer never applies its configured activation (activate() returns preOutput)
        if (conv != null && conv.kind == Op.Kind.CONV && conv.bare()) {
            int per = conv.weights.length / c;
            for (int o = 0; o < c; o++) {
                for (int i = o * per; i < (o + 1) * per; i++) {
                    conv.weights[i] *= scale[o];
                }
                conv.bias[o] = conv.bias[o] * scale[o] + shift[o];
            }
            l.alias(name, conv.name);
            return;
        }
        if (s.length != 3) {
            throw Lowering.unsupported(name, "batch normalization of a flat tensor not right after a layer it can fold into");
        }
        // not foldable (the layer before has an activation, or is read elsewhere): a 1x1 depthwise convolution
        Op op = new Op(name, Op.Kind.CONV, List.of(t));
        op.kernel = new int[] {1, 1};
        op.stride = new int[] {1, 1};
        op.padL = new int[2];
        op.padR = new int[2];
        op.groups = c;
        op.shape = s.clone();
        op.weights = scale;
        op.bias = shift;
        l.register(name, op);
    }

    /**
     * @param inside the layer inside a {@code FrozenLayerWithBackprop}
     * @return whether it is the frozen affine map {@code BatchNormFreezer} makes of a batch normalization: a 1x1,
     *     stride-1, unpadded depthwise convolution with one kernel per channel, a bias and no activation
     */
    static boolean frozenAffine(org.deeplearning4j.nn.api.Layer inside) {
        if (!(inside.conf().getLayer() instanceof DepthwiseConvolution2D d)) {
            return false;
        }
        int[] k = d.getKernelSize();
        int[] st = d.getStride();
        int[] pad = d.getPadding();
        return k[0] == 1 && k[1] == 1 && st[0] == 1 && st[1] == 1 && pad[0] == 0 && pad[1] == 0 && d.getDepthMultiplier() == 1
                && d.hasBias() && (d.getActivationFn() == null || d.getActivationFn() instanceof ActivationIdentity)
                && (d.getDilation() == null || (d.getDilation()[0] == 1 && d.getDilation()[1] == 1));
    }

    /** The frozen affine map of {@link #frozenAffine}, for the training path: a fixed per-channel scale and shift. */
    static void affine(Lowering l, String name, Params p, String in) {
        Op op = normOp(l, name, in, new Op.Norm(true, 0f, 0, false));
        op.weights = p.floats("W", false);
        op.bias = p.floats("b", false);
        if (op.weights.length != op.shape[0] || op.bias.length != op.shape[0]) {
            throw Lowering.unsupported(name, "a frozen affine map of " + op.weights.length + " scales for " + op.shape[0]
                    + " channels");
        }
    }

    private static Op normOp(Lowering l, String name, String in, Op.Norm norm) {
        String t = l.tensor(in, name);
        long[] s = l.shape(t);
        if (s.length != 3) {
            throw Lowering.unsupported(name, "batch normalization of a flat tensor on the training path");
        }
        Op op = new Op(name, Op.Kind.BATCH_NORM, List.of(t));
        op.shape = s.clone();
        op.norm = norm;
        l.register(name, op);
        return op;
    }

    /** Output size and padding per spatial dimension, as DL4J computes them for {@code mode}. */
    static long[] geometry(String name, Op op, ConvolutionMode mode, long[] in, int[] k, int[] s, int[] pad) {
        op.kernel = k.clone();
        op.stride = s.clone();
        op.same = mode == ConvolutionMode.Same;
        op.padL = new int[2];
        op.padR = new int[2];
        long[] out = new long[2];
        for (int d = 0; d < 2; d++) {
            if (mode == ConvolutionMode.Same) {
                out[d] = (in[d] + s[d] - 1) / s[d];
                long total = Math.max((out[d] - 1) * s[d] + k[d] - in[d], 0);
                op.padL[d] = (int) (total / 2);
                op.padR[d] = (int) (total - total / 2);
            } else {
                out[d] = (in[d] + 2L * pad[d] - k[d]) / s[d] + 1;
                op.padL[d] = pad[d];
                op.padR[d] = pad[d];
            }
            if (out[d] < 1) {
                throw Lowering.unsupported(name, "kernel " + k[d] + " larger than its padded input " + in[d]);
            }
        }
        return out;
    }
}
