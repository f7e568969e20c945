package org.transferkit.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pools each input of a concatenation instead of the concatenation: pooling (max, average, global) works channel
 * by channel, so {@code pool(concat(a, b)) = concat(pool(a), pool(b))}. A {@link Plan} rewrites every concatenation
 * read only by a pooling this way, so the concatenation it copies holds the pooled, smaller maps, and where a 1x1
 * convolution reads that one, {@link SplitConcats} removes the copy altogether (SqueezeNet 1.1: fire3's and fire5's
 * merges, each read by a max-pooling and then fire4's and fire6's squeeze convolutions). Stateless.
 */
final class PoolConcats {
    private PoolConcats() {
    }

    /**
     * @param program a lowered program
     * @return the same program with every concatenation that only a pooling reads replaced by one pooling per input
     *     (named {@code POOL/k} for input k) and a concatenation of those, named as the pooling was; {@code program}
     *     itself when there is none
     */
    static Lowering.Program apply(Lowering.Program program) {
        Map<String, Integer> readers = new HashMap<>();
        Map<String, Op> producer = new HashMap<>();
        for (Op op : program.ops()) {
            producer.put(op.name, op);
            op.inputs.forEach(t -> readers.merge(t, 1, Integer::sum));
            if (op.sumWith() != null) {
                readers.merge(op.sumWith(), 1, Integer::sum);
            }
        }
        readers.merge(program.output(), 1, Integer::sum);
        List<Op> out = new ArrayList<>();
        boolean changed = false;
        for (Op op : program.ops()) {
            Op concat = producer.get(op.inputs.get(0));
            if ((op.kind == Op.Kind.POOL || op.kind == Op.Kind.GLOBAL_POOL) && concat != null && concat.kind == Op.Kind.CONCAT
                    && concat.shape.length == 3 && readers.get(concat.name) == 1) {
                out.remove(concat); // produced just for this pooling
                out.addAll(split(op, concat, producer, program));
                changed = true;
            } else {
                out.add(op);
            }
        }
        return changed ? new Lowering.Program(List.copyOf(out), program.input(), program.output(), program.inputShape()) : program;
    }

    /** @return one pooling per input of {@code concat}, then the concatenation of their outputs named as {@code pool} */
    private static List<Op> split(Op pool, Op concat, Map<String, Op> producer, Lowering.Program program) {
        List<Op> ops = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < concat.inputs.size(); k++) {
            String in = concat.inputs.get(k);
            long channels = in.equals(program.input()) ? program.inputShape()[0] : producer.get(in).shape[0];
            Op p = new Op(pool.name + "/" + k, pool.kind, List.of(in));
            p.kernel = pool.kernel.clone();
            p.stride = pool.stride.clone();
            p.padL = pool.padL.clone();
            p.padR = pool.padR.clone();
            p.same = pool.same;
            p.max = pool.max;
            p.includePad = pool.includePad;
            p.shape = pool.shape.clone();
            p.shape[0] = channels;
            p.dims = pool.dims.clone();
            p.dims[0] = channels;
            ops.add(p);
            parts.add(p.name);
        }
        Op merged = new Op(pool.name, Op.Kind.CONCAT, parts);
        merged.shape = pool.shape.clone();
        merged.dims = pool.dims.clone();
        ops.add(merged);
        return ops;
    }
}
