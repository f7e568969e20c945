package org.transferkit.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Concatenations a {@link Plan} need not copy: those read only by a 1x1 convolution (stride 1, no padding, no fused
 * add), such as a SqueezeNet fire module's merge read by the next module's squeeze convolution. A 1x1 convolution
 * of a concatenation is the sum of one 1x1 convolution per input over that input's channels, so the plan runs
 * those instead, each adding into the previous one's output (oneDNN's sum post-op), the bias with the first and the
 * activations after the last. Immutable.
 */
final class SplitConcats {
    private final Map<String, Op> concatReadBy;

    private SplitConcats(Map<String, Op> concatReadBy) {
        this.concatReadBy = Map.copyOf(concatReadBy);
    }

    /** @return the concatenations of {@code program} that can be split into their reader, by reader */
    static SplitConcats of(Lowering.Program program) {
        List<Op> ops = program.ops();
        Map<String, Integer> readers = new HashMap<>();
        Map<String, Op> producer = new HashMap<>();
        for (Op op : ops) {
            producer.put(op.name, op);
            op.inputs.forEach(t -> readers.merge(t, 1, Integer::sum));
            if (op.sumWith() != null) {
                readers.merge(op.sumWith(), 1, Integer::sum);
            }
        }
        readers.merge(program.output(), 1, Integer::sum);
        Map<String, Op> split = new HashMap<>();
        for (Op op : ops) {
            Op concat = producer.get(op.inputs.get(0));
            if (op.kind == Op.Kind.CONV && op.groups == 1 && op.sumWith() == null && pointwise(op) && concat != null
                    && concat.kind == Op.Kind.CONCAT && concat.shape.length == 3 && readers.get(concat.name) == 1) {
                split.put(op.name, concat);
            }
        }
        return new SplitConcats(split);
    }

    private static boolean pointwise(Op op) {
        for (int d = 0; d < 2; d++) {
            if (op.kernel[d] != 1 || op.stride[d] != 1 || op.padL[d] != 0 || op.padR[d] != 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the concatenation {@code conv} reads as split inputs, or null */
    Op concatReadBy(Op conv) {
        return concatReadBy.get(conv.name);
    }

    /** @return true if {@code op} is a concatenation its reader takes apart (the plan makes no step for it) */
    boolean skipped(Op op) {
        return op.kind == Op.Kind.CONCAT && concatReadBy.values().stream().anyMatch(c -> c.name.equals(op.name));
    }

    /**
     * @param weights a 1x1 convolution's weights, {@code out} x {@code in} (oihw)
     * @return the weights of input channels {@code [from, from + count)}, {@code out} x {@code count}
     */
    static float[] channels(float[] weights, int out, int in, int from, int count) {
        float[] w = new float[out * count];
        for (int o = 0; o < out; o++) {
            System.arraycopy(weights, o * in + from, w, o * count, count);
        }
        return w;
    }
}
