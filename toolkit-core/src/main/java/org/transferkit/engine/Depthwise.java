package org.transferkit.engine;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;

/**
 * Lowers depthwise convolutions (a grouped convolution, one group per input channel) and separable
 * convolutions (that, then a 1x1 convolution). Output channel {@code c * multiplier + m} is input channel
 * {@code c} under kernel {@code m}, as in DL4J. Zero padding right before one is folded into its padding, as for
 * a standard convolution. Stateless.
 */
final class Depthwise {
    private Depthwise() {
    }

    static void depthwise(Lowering l, String name, DepthwiseConvolution2D c, Params p, String in) {
        Op op = grouped(l, name, name, c, c.getDepthMultiplier(), p, in);
        op.bias = c.hasBias() ? p.floats("b", false) : new float[(int) op.shape[0]];
        Convolutions.activation(name, c, op);
        l.register(name, op);
    }

    static void separable(Lowering l, String name, SeparableConvolution2D c, Params p, String in) {
        Op dw = grouped(l, name, name + ":depthwise", c, c.getDepthMultiplier(), p, in);
        dw.bias = new float[(int) dw.shape[0]];
        l.register(null, dw);
        long[] pw = p.shape("pW");
        if (pw.length != 4 || pw[1] != dw.shape[0] || pw[2] != 1 || pw[3] != 1) {
            throw Lowering.unsupported(name, "pointwise weights " + Arrays.toString(pw) + " after " + dw.shape[0] + " channels");
        }
        Op op = new Op(name, Op.Kind.CONV, List.of(dw.name));
        op.kernel = new int[] {1, 1};
        op.stride = new int[] {1, 1};
        op.padL = new int[2];
        op.padR = new int[2];
        op.shape = new long[] {pw[0], dw.shape[1], dw.shape[2]};
        op.weights = p.floats("pW", false);
        op.bias = c.hasBias() ? p.floats("b", false) : new float[(int) pw[0]];
        Convolutions.activation(name, c, op);
        l.register(name, op);
    }

    /** The depthwise part: geometry as for any convolution, weights rearranged to oneDNN's goihw. */
    private static Op grouped(Lowering l, String vertex, String opName, ConvolutionLayer c, int multiplier, Params p, String in) {
        Lowering.requireNchw(vertex, c.getCnn2dDataFormat(), c.getConvolutionMode());
        if (c.getDilation() != null && (c.getDilation()[0] != 1 || c.getDilation()[1] != 1)) {
            throw Lowering.unsupported(vertex, "dilated convolution");
        }
        int[] extra = l.padding(in) == null ? new int[4] : l.padding(in); // zero padding before it, folded in
        String t = l.tensorThroughPadding(in);
        long[] s = l.shape(t);
        if (s.length != 3) {
            throw Lowering.unsupported(vertex, "convolution of a flat tensor");
        }
        int ch = (int) s[0];
        int kh = c.getKernelSize()[0];
        int kw = c.getKernelSize()[1];
        Op op = new Op(opName, Op.Kind.CONV, List.of(t));
        long[] out = Convolutions.geometry(vertex, op, c.getConvolutionMode(),
                new long[] {s[1] + extra[0] + extra[1], s[2] + extra[2] + extra[3]}, c.getKernelSize(), c.getStride(),
                c.getPadding());
        op.foldedPadding = extra[0] + extra[1] + extra[2] + extra[3] > 0;
        op.padL[0] += extra[0];
        op.padR[0] += extra[1];
        op.padL[1] += extra[2];
        op.padR[1] += extra[3];
        op.groups = ch;
        op.shape = new long[] {(long) ch * multiplier, out[0], out[1]};
        float[] w = p.floats("W", false);
        long[] ws = p.shape("W");
        float[] g = new float[w.length];
        boolean mFirst = Arrays.equals(ws, new long[] {multiplier, ch, kh, kw}); // [m, c, kh, kw]
        boolean hwFirst = Arrays.equals(ws, new long[] {kh, kw, ch, multiplier}); // [kh, kw, c, m]
        if (!mFirst && !hwFirst) {
            throw Lowering.unsupported(vertex, "depthwise weights " + Arrays.toString(ws));
        }
        int i = 0;
        for (int cc = 0; cc < ch; cc++) {
            for (int m = 0; m < multiplier; m++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        g[i++] = mFirst ? w[((m * ch + cc) * kh + y) * kw + x] : w[((y * kw + x) * ch + cc) * multiplier + m];
                    }
                }
            }
        }
        op.weights = g;
        return op;
    }
}
