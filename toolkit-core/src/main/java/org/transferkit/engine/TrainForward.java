package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.transferkit.engine.TrainMemory.plain;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_inner_product_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.transferkit.engine.TrainMemory.Step;
import org.transferkit.engine.TrainMemory.Tensor;

/**
 * The forward half of a {@link TrainPlan}'s lowering: each operation's training-mode forward primitive (keeping
 * every activation and each max pooling's workspace for the backward pass), added to its {@link TrainMemory}'s
 * forward steps, and what the backward lowering reuses from it: the forward primitive descriptors (backward hints),
 * each convolution's input and blocked weights, the workspaces, the dropout masks, and the output layer's logits
 * without its input dropout.
 *
 * <p>Contract: it owns no native object itself: everything it creates is registered with (and closed by) the
 * {@link TrainMemory} it is given, so it needs no closing and must not be used after that memory is closed. Not
 * thread-safe; used only while its plan is built and run.
 */
final class TrainForward {
    /** What a convolution's backward pass reuses from its forward pass. */
    record ConvState(Tensor src, dnnl_memory_desc_t wMd, dnnl_memory weights) {
    }

    private final TrainMemory mem;
    private final Map<String, TrainableGraph.Weighted> weighted;
    private final Map<String, Normed> norms;
    private final Map<String, Double> dropout;
    private final String logitsOp;
    private final Map<String, ConvState> convs = new HashMap<>();
    private final Map<String, dnnl_primitive_desc> hints = new HashMap<>();
    private final Map<String, dnnl_memory> workspaces = new HashMap<>();
    /** Each batch normalization's mean and variance memories: the batch's (written) or the fixed ones (read). */
    private final Map<String, dnnl_memory[]> normStats = new HashMap<>();
    /** Each training-mode batch normalization's batch mean and (biased) variance buffers, filled by the forward pass. */
    private final Map<String, FloatPointer[]> batchStats = new LinkedHashMap<>();
    /** Dropout on a dense layer's input: the masks (filled per step), in operation order. */
    private final Map<String, FloatPointer> masks = new LinkedHashMap<>();
    private final Map<String, Tensor> maskTensors = new HashMap<>();
    /** The output layer's logits without its input dropout (the training metric, as DL4J's path reports it). */
    private Tensor clean;

    TrainForward(TrainMemory mem, Map<String, TrainableGraph.Weighted> weighted, Map<String, Normed> norms,
            Map<String, Double> dropout, String logitsOp) {
        this.mem = mem;
        this.weighted = weighted;
        this.norms = norms;
        this.dropout = dropout;
        this.logitsOp = logitsOp;
    }

    /** Adds the forward steps of {@code op}. */
    void lower(Op op) {
        switch (op.kind) {
            case CONV -> convForward(op);
            case DENSE -> denseForward(op);
            case POOL, GLOBAL_POOL -> poolForward(op);
            case ELTWISE -> eltwiseForward(op);
            case CONCAT -> concatForward(op);
            case ADD -> addForward(op);
            case BATCH_NORM -> normForward(op);
            default -> throw new UnsupportedOperationException("operation " + op + " does not train on the engine");
        }
    }

    ConvState conv(String op) {
        return convs.get(op);
    }

    /** @return the forward primitive descriptor of {@code op}, the hint of its backward primitives */
    dnnl_primitive_desc hint(String op) {
        return hints.get(op);
    }

    /** @return the mean and variance memories of batch normalization {@code op} */
    dnnl_memory[] normStats(String op) {
        return normStats.get(op);
    }

    /** @return each training-mode batch normalization's batch mean and variance buffers, by operation */
    Map<String, FloatPointer[]> batchStats() {
        return batchStats;
    }

    /** @return the batch normalization flags of {@code op}: scale and shift, and the fixed statistics when frozen */
    static int normFlags(Op op) {
        return dnnl_use_scale | dnnl_use_shift | (op.norm.frozen() ? dnnl_use_global_stats : 0);
    }

    /** @return the workspace of pooling {@code op}, or null when it has none */
    dnnl_memory workspace(String op) {
        return workspaces.get(op);
    }

    /** @return the dropout mask on the input of dense {@code op}, or null when it has none */
    Tensor mask(String op) {
        return maskTensors.get(op);
    }

    /** @return the mask buffers, in operation order (that of {@link #maskSizes()}) */
    Collection<FloatPointer> maskData() {
        return masks.values();
    }

    /** @return the dense operations whose input is dropped out, in execution order, with their mask sizes */
    Map<String, Long> maskSizes() {
        Map<String, Long> m = new LinkedHashMap<>();
        maskTensors.forEach((k, t) -> m.put(k, Lowering.product(t.dims)));
        return m;
    }

    /** @return the output layer's logits without its input dropout, or null when it has none */
    Tensor clean() {
        return clean;
    }

    /** @return the tensor a dense operation reads: its input (in plain layout), or that after dropout */
    String source(Op op) {
        return maskTensors.containsKey(op.name) ? op.name + "/dropped" : op.name + "/plain";
    }

    /**
     * A convolution in the layouts oneDNN picks (blocked): its input reordered when it was produced in another, its
     * weights reordered from the plain parameters before every forward pass (they change after every step).
     */
    private void convForward(Op op) {
        Tensor src = mem.get(op.inputs.get(0));
        TrainableGraph.Weighted w = weighted.get(op.name);
        long[] dstDims = mem.full(op.dims);
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_forward_desc_init(d, dnnl_forward_training, dnnl_convolution_direct,
                Dnnl.md(src.dims, dnnl_format_tag_any), Dnnl.md(w.wDims(), dnnl_format_tag_any), plain(w.bDims()),
                Dnnl.md(dstDims, dnnl_format_tag_any), Plan.toLong(op.stride), Plan.toLong(op.padL), Plan.toLong(op.padR)),
                "convolution " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describe(d, op.post, mem.engine, op.name));
        hints.put(op.name, pd);
        Tensor in = convert(src, Dnnl.query(pd, dnnl_query_src_md), op.name + "/src");
        dnnl_memory_desc_t wMd = Dnnl.query(pd, dnnl_query_weights_md);
        dnnl_memory weights = blockedWeights(mem.forward, w, wMd);
        Tensor dst = mem.tensor(op.name, Dnnl.query(pd, dnnl_query_dst_md), dstDims);
        convs.put(op.name, new ConvState(in, wMd, weights));
        mem.step(mem.forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, in.value,
                weights, mem.wrap(w.bDims(), w.b()), dst.value);
    }

    /** @return a buffer in layout {@code md} that a reorder added to {@code into} fills from the plain weights */
    dnnl_memory blockedWeights(List<Step> into, TrainableGraph.Weighted w, dnnl_memory_desc_t md) {
        dnnl_memory_desc_t ownMd = w.wMd();
        dnnl_memory plainW = mem.own(ownMd, w.w());
        if (Dnnl.same(md, ownMd)) {
            return plainW;
        }
        dnnl_memory m = mem.buffer(md);
        mem.reorder(into, ownMd, plainW, md, m);
        return m;
    }

    /** @return {@code t}, or a copy of it in layout {@code want} made by a reorder in the forward pass */
    private Tensor convert(Tensor t, dnnl_memory_desc_t want, String name) {
        if (Dnnl.same(t.md, want)) {
            return t;
        }
        Tensor c = mem.tensor(name, want, t.dims);
        mem.reorder(mem.forward, t.md, t.value, want, c.value);
        return c;
    }

    /** A dense layer, in plain layouts throughout (its input reordered to plain when produced blocked). */
    private void denseForward(Op op) {
        Tensor orig = mem.get(op.inputs.get(0));
        Tensor src = convert(orig, plain(orig.dims), op.name + "/plain");
        mem.put(op.name + "/plain", src);
        if (dropout.containsKey(op.name)) {
            FloatPointer data = mem.floats(src.md);
            dnnl_memory mask = mem.own(src.md, data);
            masks.put(op.name, data);
            maskTensors.put(op.name, new Tensor(src.md, src.dims, mask));
            Tensor dropped = mem.tensor(op.name + "/dropped", src.md, src.dims);
            mem.binary(mem.forward, dnnl_binary_mul, src.md, src.value, mask, dropped.value, "dropout");
        }
        Tensor in = mem.get(source(op));
        TrainableGraph.Weighted w = weighted.get(op.name);
        long[] dstDims = mem.full(op.dims);
        dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_forward_desc_init(d, dnnl_forward_training, in.md, plain(w.wDims()),
                plain(w.bDims()), plain(dstDims)), "dense " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describe(d, op.post, mem.engine, op.name));
        hints.put(op.name, pd);
        Tensor dst = mem.tensor(op.name, plain(dstDims), dstDims);
        mem.step(mem.forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, in.value,
                mem.wrap(w.wDims(), w.w()), mem.wrap(w.bDims(), w.b()), dst.value);
        if (op.name.equals(logitsOp) && maskTensors.containsKey(op.name)) {
            dnnl_inner_product_desc_t c = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_forward_desc_init(c, dnnl_forward_inference, src.md, plain(w.wDims()),
                    plain(w.bDims()), plain(dstDims)), "dense " + op.name);
            dnnl_primitive_desc cpd = mem.own(Dnnl.describe(c, null, mem.engine, op.name));
            clean = mem.tensor(op.name + "/clean", plain(dstDims), dstDims);
            mem.step(mem.forward, cpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST},
                    src.value, mem.wrap(w.wDims(), w.w()), mem.wrap(w.bDims(), w.b()), clean.value);
        }
    }

    private void poolForward(Op op) {
        Tensor src = mem.get(op.inputs.get(0));
        long[] dstDims = mem.full(op.dims);
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_forward_desc_init(d, dnnl_forward_training, poolAlg(op), src.md,
                Dnnl.md(dstDims, dnnl_format_tag_any), Plan.toLong(op.stride), Plan.toLong(op.kernel), new long[2], Plan.toLong(op.padL),
                Plan.toLong(op.padR)), "pooling " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describe(d, null, mem.engine, op.name));
        hints.put(op.name, pd);
        Tensor dst = mem.tensor(op.name, Dnnl.query(pd, dnnl_query_dst_md), dstDims);
        dnnl_memory_desc_t ws = dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0);
        if (ws != null && !ws.isNull() && dnnl_memory_desc_get_size(ws) > 0) {
            dnnl_memory wsMem = mem.buffer(Dnnl.copy(ws));
            workspaces.put(op.name, wsMem);
            mem.step(mem.forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE}, src.value, dst.value,
                    wsMem);
        } else {
            mem.step(mem.forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, src.value, dst.value);
        }
    }

    private void eltwiseForward(Op op) {
        Tensor src = mem.get(op.inputs.get(0));
        dnnl_eltwise_desc_t d = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(d, dnnl_forward_training, op.act.alg(), src.md, op.act.alpha(),
                op.act.beta()), "activation " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describe(d, null, mem.engine, op.name));
        Tensor dst = mem.tensor(op.name, Dnnl.copy(src.md), src.dims);
        mem.step(mem.forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, src.value, dst.value);
    }

    /** The sum of two tensors, in the first one's layout (the second reordered to it when produced in another). */
    private void addForward(Op op) {
        Tensor a = mem.get(op.inputs.get(0));
        Tensor b = convert(mem.get(op.inputs.get(1)), a.md, op.name + "/second");
        Tensor dst = mem.tensor(op.name, Dnnl.copy(a.md), a.dims);
        mem.binary(mem.forward, dnnl_binary_add, a.md, a.value, b.value, dst.value, "add " + op.name);
    }

    /**
     * A batch normalization in the layout of its input: in training mode (the batch's statistics, written to buffers
     * the running statistics are moved from), or a frozen affine map (fixed mean 0 and variance 1, epsilon 0).
     */
    private void normForward(Op op) {
        Tensor src = mem.get(op.inputs.get(0));
        Normed n = norms.get(op.name);
        dnnl_batch_normalization_desc_t d = new dnnl_batch_normalization_desc_t();
        Dnnl.check(dnnl_batch_normalization_forward_desc_init(d, dnnl_forward_training, src.md, op.norm.eps(),
                normFlags(op)), "batch normalization " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describe(d, null, mem.engine, op.name));
        hints.put(op.name, pd);
        long[] c = {src.dims[1]};
        dnnl_memory mean;
        dnnl_memory var;
        if (op.norm.frozen()) {
            mean = mem.wrap(c, n.mean());
            var = mem.wrap(c, n.var());
        } else {
            FloatPointer bm = mem.floats(plain(c));
            FloatPointer bv = mem.floats(plain(c));
            batchStats.put(op.name, new FloatPointer[] {bm, bv});
            mean = mem.own(plain(c), bm);
            var = mem.own(plain(c), bv);
        }
        normStats.put(op.name, new dnnl_memory[] {mean, var});
        Tensor dst = mem.tensor(op.name, Dnnl.query(pd, dnnl_query_dst_md), src.dims);
        mem.step(mem.forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_SCALE, DNNL_ARG_SHIFT,
            DNNL_ARG_DST}, src.value, mean, var, mem.wrap(c, n.scale()), mem.wrap(c, n.shift()), dst.value);
    }

    /** A concatenation into a plain NCHW output, so that its gradient's channel slices are plain views. */
    private void concatForward(Op op) {
        int n = op.inputs.size();
        dnnl_memory_desc_t srcs = new dnnl_memory_desc_t(n);
        dnnl_memory[] mems = new dnnl_memory[n + 1];
        int[] args = new int[n + 1];
        for (int i = 0; i < n; i++) {
            Tensor t = mem.get(op.inputs.get(i));
            Pointer.memcpy(srcs.getPointer(i), t.md, t.md.sizeof());
            mems[i] = t.value;
            args[i] = DNNL_ARG_MULTIPLE_SRC + i;
        }
        long[] dstDims = mem.full(op.dims);
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_concat_primitive_desc_create(pd, plain(dstDims), n, 1, srcs, null, mem.engine),
                "merge " + op.name);
        mem.own(pd);
        Tensor dst = mem.tensor(op.name, plain(dstDims), dstDims);
        mems[n] = dst.value;
        args[n] = DNNL_ARG_DST;
        mem.step(mem.forward, pd, args, mems);
    }

    static int poolAlg(Op op) {
        return op.max ? dnnl_pooling_max : op.includePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding;
    }
}
