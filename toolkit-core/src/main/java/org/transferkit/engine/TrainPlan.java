package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_inner_product_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One training step of a lowered program for one batch size, as oneDNN primitives: the forward pass in training
 * mode (keeping every activation and each max pooling's workspace for the backward pass), then backward-data and
 * backward-weights in reverse order, with gradients of a tensor read by several operations summed. Everything is
 * in plain layouts (NCHW activations, OIHW / OI weights), so the parameters and their gradients are the same
 * arrays the optimizer updates in place. Used under its {@link TrainableGraph}'s control; not thread-safe.
 */
final class TrainPlan implements AutoCloseable {
    private record Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count) {
    }

    /** A tensor: its value and, once something sends a gradient to it, its gradient. */
    private static final class Tensor {
        final dnnl_memory_desc_t md;
        final long[] dims;
        final dnnl_memory value;
        FloatPointer gradData;
        dnnl_memory grad;
        boolean written;

        Tensor(dnnl_memory_desc_t md, long[] dims, dnnl_memory value) {
            this.md = md;
            this.dims = dims;
            this.value = value;
        }
    }

    private final dnnl_engine engine;
    private final dnnl_stream stream;
    private final int batch;
    private final Map<String, TrainableGraph.Weighted> weighted;
    private final List<Step> forward = new ArrayList<>();
    private final List<Step> backward = new ArrayList<>();
    private final List<dnnl_primitive_desc> descs = new ArrayList<>();
    private final List<dnnl_memory> owned = new ArrayList<>();
    private final List<Pointer> buffers = new ArrayList<>();
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final Map<String, dnnl_primitive_desc> hints = new HashMap<>();
    private final Map<String, dnnl_memory> workspaces = new HashMap<>();
    private final Map<String, Double> dropout;
    private final String logitsOp;
    /** Dropout on a dense layer's input: the masks (filled per step), in operation order. */
    private final Map<String, FloatPointer> masks = new LinkedHashMap<>();
    private final Map<String, Tensor> maskTensors = new HashMap<>();
    /** The output layer's logits without its input dropout (the training metric, as DL4J's path reports it). */
    private Tensor clean;
    private final String input;
    private final dnnl_memory in;
    private final Tensor logits;

    TrainPlan(Lowering.Program program, String logitsTensor, Map<String, TrainableGraph.Weighted> weighted,
            Map<String, Double> dropout, int batch, dnnl_engine engine, dnnl_stream stream) {
        this.dropout = dropout;
        this.logitsOp = logitsTensor;
        this.engine = engine;
        this.stream = stream;
        this.batch = batch;
        this.weighted = weighted;
        this.input = program.input();
        long[] inDims = full(program.inputShape());
        dnnl_memory_desc_t inMd = plain(inDims);
        in = Dnnl.wrap(inMd, engine, null);
        owned.add(in);
        tensors.put(input, new Tensor(inMd, inDims, in));
        try {
            List<Op> ops = new ArrayList<>();
            for (Op op : program.ops()) {
                if (op.kind != Op.Kind.SOFTMAX) {
                    ops.add(op);
                    forward(op);
                }
            }
            logits = tensors.get(logitsTensor);
            gradOf(logits); // the loss writes it
            for (int i = ops.size() - 1; i >= 0; i--) {
                backward(ops.get(i));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    int batch() {
        return batch;
    }

    /** @return the dense operations whose input is dropped out, in execution order, with their mask sizes */
    Map<String, Long> masks() {
        Map<String, Long> m = new LinkedHashMap<>();
        maskTensors.forEach((k, t) -> m.put(k, Lowering.product(t.dims)));
        return m;
    }

    /**
     * Runs the forward pass on {@code images} (batch x C x H x W floats).
     *
     * @param masks the dropout mask of each operation {@link #masks()} names (0 or 1/p per value), in that order
     * @return the logits, batch x classes, and (second) the output layer's logits without its input's dropout, or
     *     null when it has none
     */
    float[][] forward(Pointer images, List<float[]> masks) {
        Dnnl.check(dnnl_memory_set_data_handle(in, images), "input");
        int i = 0;
        for (FloatPointer m : this.masks.values()) {
            m.put(masks.get(i++));
        }
        run(forward);
        float[] z = new float[(int) (logits.dims[0] * logits.dims[1])];
        new FloatPointer(handle(logits.value)).get(z);
        float[] c = null;
        if (clean != null) {
            c = new float[z.length];
            new FloatPointer(handle(clean.value)).get(c);
        }
        return new float[][] {z, c};
    }

    /** Runs the backward pass from the loss's gradient with respect to the logits; fills every weight gradient. */
    void backward(float[] gradLogits) {
        logits.gradData.put(gradLogits);
        run(backward);
    }

    private void run(List<Step> steps) {
        for (Step s : steps) {
            Dnnl.check(dnnl_primitive_execute(s.primitive(), stream, s.count(), s.args()), "execute");
        }
        Dnnl.check(dnnl_stream_wait(stream), "wait");
    }

    private static Pointer handle(dnnl_memory m) {
        org.bytedeco.javacpp.PointerPointer<Pointer> p = new org.bytedeco.javacpp.PointerPointer<>(1);
        Dnnl.check(dnnl_memory_get_data_handle(m, p), "data handle");
        return p.get(0);
    }

    // ---- forward -------------------------------------------------------------------------------------------

    private void forward(Op op) {
        switch (op.kind) {
            case CONV -> convForward(op);
            case DENSE -> denseForward(op);
            case POOL, GLOBAL_POOL -> poolForward(op);
            case ELTWISE -> eltwiseForward(op);
            case CONCAT -> concatForward(op);
            default -> throw new UnsupportedOperationException("operation " + op + " does not train on the engine");
        }
    }

    /** What a convolution's backward pass reuses from its forward pass. */
    private record ConvState(Tensor src, dnnl_memory_desc_t wMd, dnnl_memory weights) {
    }

    private final Map<String, ConvState> convs = new HashMap<>();

    /**
     * A convolution in the layouts oneDNN picks (blocked): its input reordered when it was produced in another, its
     * weights reordered from the plain parameters before every forward pass (they change after every step).
     */
    private void convForward(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        TrainableGraph.Weighted w = weighted.get(op.name);
        long[] dstDims = full(op.dims);
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_forward_desc_init(d, dnnl_forward_training, dnnl_convolution_direct,
                Dnnl.md(src.dims, dnnl_format_tag_any), Dnnl.md(w.wDims(), dnnl_format_tag_any), plain(w.bDims()),
                Dnnl.md(dstDims, dnnl_format_tag_any), Plan.toLong(op.stride), Plan.toLong(op.padL), Plan.toLong(op.padR)),
                "convolution " + op.name);
        dnnl_primitive_desc pd = Dnnl.describe(d, op.post, engine, op.name);
        descs.add(pd);
        hints.put(op.name, pd);
        Tensor in = convert(src, Dnnl.query(pd, dnnl_query_src_md), op.name + "/src");
        dnnl_memory_desc_t wMd = Dnnl.query(pd, dnnl_query_weights_md);
        dnnl_memory weights = blockedWeights(forward, w, wMd);
        Tensor dst = tensor(op.name, Dnnl.query(pd, dnnl_query_dst_md), dstDims);
        convs.put(op.name, new ConvState(in, wMd, weights));
        step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, in.value, weights,
                wrap(w.bDims(), w.b()), dst.value);
    }

    /** @return a buffer in layout {@code md} that a reorder added to {@code into} fills from the plain weights */
    private dnnl_memory blockedWeights(List<Step> into, TrainableGraph.Weighted w, dnnl_memory_desc_t md) {
        dnnl_memory plainW = wrap(w.wDims(), w.w());
        if (Dnnl.same(md, plain(w.wDims()))) {
            return plainW;
        }
        dnnl_memory m = buffer(md);
        reorder(into, plain(w.wDims()), plainW, md, m);
        return m;
    }

    /** @return {@code t}, or a copy of it in layout {@code want} made by a reorder in the forward pass */
    private Tensor convert(Tensor t, dnnl_memory_desc_t want, String name) {
        if (Dnnl.same(t.md, want)) {
            return t;
        }
        Tensor c = tensor(name, want, t.dims);
        reorder(forward, t.md, t.value, want, c.value);
        return c;
    }

    /** @return the tensor a dense operation reads: its input (in plain layout), or that after dropout */
    private String source(Op op) {
        return maskTensors.containsKey(op.name) ? op.name + "/dropped" : op.name + "/plain";
    }

    /** A dense layer, in plain layouts throughout (its input reordered to plain when produced blocked). */
    private void denseForward(Op op) {
        Tensor orig = tensors.get(op.inputs.get(0));
        Tensor src = convert(orig, plain(orig.dims), op.name + "/plain");
        tensors.put(op.name + "/plain", src);
        if (dropout.containsKey(op.name)) {
            FloatPointer data = floats(src.md);
            dnnl_memory mask = Dnnl.wrap(src.md, engine, data);
            owned.add(mask);
            masks.put(op.name, data);
            maskTensors.put(op.name, new Tensor(src.md, src.dims, mask));
            Tensor dropped = tensor(op.name + "/dropped", src.md, src.dims);
            multiply(forward, src.md, src.value, mask, dropped.value);
        }
        Tensor in = tensors.get(source(op));
        TrainableGraph.Weighted w = weighted.get(op.name);
        long[] dstDims = full(op.dims);
        dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_forward_desc_init(d, dnnl_forward_training, in.md, plain(w.wDims()),
                plain(w.bDims()), plain(dstDims)), "dense " + op.name);
        dnnl_primitive_desc pd = Dnnl.describe(d, op.post, engine, op.name);
        descs.add(pd);
        hints.put(op.name, pd);
        Tensor dst = tensor(op.name, plain(dstDims), dstDims);
        step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, in.value,
                wrap(w.wDims(), w.w()), wrap(w.bDims(), w.b()), dst.value);
        if (op.name.equals(logitsOp) && maskTensors.containsKey(op.name)) {
            dnnl_inner_product_desc_t c = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_forward_desc_init(c, dnnl_forward_inference, src.md, plain(w.wDims()),
                    plain(w.bDims()), plain(dstDims)), "dense " + op.name);
            dnnl_primitive_desc cpd = Dnnl.describe(c, null, engine, op.name);
            descs.add(cpd);
            clean = tensor(op.name + "/clean", plain(dstDims), dstDims);
            step(forward, cpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, src.value,
                    wrap(w.wDims(), w.w()), wrap(w.bDims(), w.b()), clean.value);
        }
    }

    private void multiply(List<Step> into, dnnl_memory_desc_t md, dnnl_memory a, dnnl_memory b, dnnl_memory dst) {
        dnnl_binary_desc_t d = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_mul, md, md, md), "dropout");
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, "dropout");
        descs.add(pd);
        step(into, pd, new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, a, b, dst);
    }

    private void poolForward(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        long[] dstDims = full(op.dims);
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_forward_desc_init(d, dnnl_forward_training, poolAlg(op), src.md,
                Dnnl.md(dstDims, dnnl_format_tag_any), Plan.toLong(op.stride), Plan.toLong(op.kernel), new long[2], Plan.toLong(op.padL),
                Plan.toLong(op.padR)), "pooling " + op.name);
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, op.name);
        descs.add(pd);
        hints.put(op.name, pd);
        Tensor dst = tensor(op.name, Dnnl.query(pd, dnnl_query_dst_md), dstDims);
        dnnl_memory_desc_t ws = dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0);
        if (ws != null && !ws.isNull() && dnnl_memory_desc_get_size(ws) > 0) {
            dnnl_memory wsMem = buffer(Dnnl.copy(ws));
            workspaces.put(op.name, wsMem);
            step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST, DNNL_ARG_WORKSPACE}, src.value, dst.value, wsMem);
        } else {
            step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, src.value, dst.value);
        }
    }

    private void eltwiseForward(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        dnnl_eltwise_desc_t d = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(d, dnnl_forward_training, op.act.alg(), src.md, op.act.alpha(),
                op.act.beta()), "activation " + op.name);
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, op.name);
        descs.add(pd);
        Tensor dst = tensor(op.name, Dnnl.copy(src.md), src.dims);
        step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, src.value, dst.value);
    }

    /** A concatenation into a plain NCHW output, so that its gradient's channel slices are plain views. */
    private void concatForward(Op op) {
        int n = op.inputs.size();
        dnnl_memory_desc_t srcs = new dnnl_memory_desc_t(n);
        dnnl_memory[] mems = new dnnl_memory[n + 1];
        int[] args = new int[n + 1];
        for (int i = 0; i < n; i++) {
            Tensor t = tensors.get(op.inputs.get(i));
            Pointer.memcpy(srcs.getPointer(i), t.md, t.md.sizeof());
            mems[i] = t.value;
            args[i] = DNNL_ARG_MULTIPLE_SRC + i;
        }
        long[] dstDims = full(op.dims);
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_concat_primitive_desc_create(pd, plain(dstDims), n, 1, srcs, null, engine), "merge " + op.name);
        descs.add(pd);
        Tensor dst = tensor(op.name, plain(dstDims), dstDims);
        mems[n] = dst.value;
        args[n] = DNNL_ARG_DST;
        step(forward, pd, args, mems);
    }

    // ---- backward ------------------------------------------------------------------------------------------

    private void backward(Op op) {
        Tensor out = tensors.get(op.name);
        gradOf(out);
        for (Op.Post p : op.post) { // a fused ReLU: its gradient from its output, in place
            eltwiseBackward(op.name + "/act", p.act(), out, out.grad);
        }
        switch (op.kind) {
            case CONV -> convBackward(op, out);
            case DENSE -> denseBackward(op, out);
            case POOL, GLOBAL_POOL -> poolBackward(op, out);
            case ELTWISE -> {
                Target t = target(op.inputs.get(0), out.md);
                if (t != null) {
                    eltwiseBackward(op.name, op.act, out, t.memory);
                    t.finish();
                }
            }
            case CONCAT -> concatBackward(op, out);
            default -> throw new UnsupportedOperationException("operation " + op + " does not train on the engine");
        }
    }

    private void eltwiseBackward(String name, Act act, Tensor out, dnnl_memory gradIn) {
        if (act.alg() != dnnl_eltwise_relu || act.alpha() != 0) {
            throw new UnsupportedOperationException("activation " + name + " does not train on the engine (ReLU only)");
        }
        dnnl_eltwise_desc_t d = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_backward_desc_init(d, dnnl_eltwise_relu_use_dst_for_bwd, out.md, out.md, 0f, 0f),
                "activation gradient " + name);
        dnnl_eltwise_desc_t f = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(f, dnnl_forward_training, dnnl_eltwise_relu_use_dst_for_bwd, out.md,
                0f, 0f), "activation " + name);
        dnnl_primitive_desc hint = Dnnl.describe(f, null, engine, name);
        descs.add(hint);
        dnnl_primitive_desc pd = Dnnl.describeBackward(d, engine, hint, name);
        descs.add(pd);
        step(backward, pd, new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, out.value, out.grad, gradIn);
    }

    private void convBackward(Op op, Tensor out) {
        ConvState st = convs.get(op.name);
        TrainableGraph.Weighted w = weighted.get(op.name);
        dnnl_primitive_desc hint = hints.get(op.name);
        dnnl_convolution_desc_t wd = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_backward_weights_desc_init(wd, dnnl_convolution_direct, st.src().md,
                Dnnl.md(w.wDims(), dnnl_format_tag_any), plain(w.bDims()), out.md, Plan.toLong(op.stride), Plan.toLong(op.padL),
                Plan.toLong(op.padR)), "weights gradient " + op.name);
        dnnl_primitive_desc wpd = Dnnl.describeBackward(wd, engine, hint, op.name);
        descs.add(wpd);
        dnnl_memory_desc_t dwMd = Dnnl.query(wpd, dnnl_query_diff_weights_md);
        dnnl_memory plainDw = wrap(w.wDims(), w.dw());
        boolean direct = Dnnl.same(dwMd, plain(w.wDims()));
        dnnl_memory dw = direct ? plainDw : buffer(dwMd);
        step(backward, wpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                st.src().value, out.grad, dw, wrap(w.bDims(), w.db()));
        if (!direct) {
            reorder(backward, dwMd, dw, plain(w.wDims()), plainDw);
        }
        if (op.inputs.get(0).equals(input)) {
            return; // the network's input: no gradient needed
        }
        dnnl_convolution_desc_t dd = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_backward_data_desc_init(dd, dnnl_convolution_direct,
                Dnnl.md(st.src().dims, dnnl_format_tag_any), Dnnl.md(w.wDims(), dnnl_format_tag_any), out.md,
                Plan.toLong(op.stride), Plan.toLong(op.padL), Plan.toLong(op.padR)), "input gradient " + op.name);
        dnnl_primitive_desc dpd = Dnnl.describeBackward(dd, engine, hint, op.name);
        descs.add(dpd);
        dnnl_memory_desc_t bwMd = Dnnl.query(dpd, dnnl_query_weights_md);
        dnnl_memory weights = Dnnl.same(bwMd, st.wMd()) ? st.weights() : blockedWeights(backward, w, bwMd);
        Target t = target(op.inputs.get(0), Dnnl.query(dpd, dnnl_query_diff_src_md));
        step(backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad, weights,
                t.memory);
        t.finish();
    }

    private void denseBackward(Op op, Tensor out) {
        Tensor src = tensors.get(source(op));
        TrainableGraph.Weighted w = weighted.get(op.name);
        dnnl_primitive_desc hint = hints.get(op.name);
        dnnl_inner_product_desc_t wd = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_backward_weights_desc_init(wd, src.md, plain(w.wDims()), plain(w.bDims()), out.md),
                "weights gradient " + op.name);
        dnnl_primitive_desc wpd = Dnnl.describeBackward(wd, engine, hint, op.name);
        descs.add(wpd);
        step(backward, wpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                src.value, out.grad, wrap(w.wDims(), w.dw()), wrap(w.bDims(), w.db()));
        if (op.inputs.get(0).equals(input)) {
            return;
        }
        dnnl_inner_product_desc_t dd = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_backward_data_desc_init(dd, src.md, plain(w.wDims()), out.md),
                "input gradient " + op.name);
        dnnl_primitive_desc dpd = Dnnl.describeBackward(dd, engine, hint, op.name);
        descs.add(dpd);
        Tensor mask = maskTensors.get(op.name);
        if (mask == null) {
            Target t = target(op.inputs.get(0), src.md);
            step(backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad,
                    wrap(w.wDims(), w.w()), t.memory);
            t.finish();
            return;
        }
        gradOf(src); // through the dropout: the gradient of the dropped input, times the same mask
        step(backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad,
                wrap(w.wDims(), w.w()), src.grad);
        Target t = target(op.inputs.get(0), src.md);
        multiply(backward, src.md, src.grad, mask.value, t.memory);
        t.finish();
    }

    private void poolBackward(Op op, Tensor out) {
        Tensor src = tensors.get(op.inputs.get(0));
        if (op.inputs.get(0).equals(input)) {
            return;
        }
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_backward_desc_init(d, poolAlg(op), src.md, out.md, Plan.toLong(op.stride), Plan.toLong(op.kernel),
                new long[2], Plan.toLong(op.padL), Plan.toLong(op.padR)), "pooling gradient " + op.name);
        dnnl_primitive_desc pd = Dnnl.describeBackward(d, engine, hints.get(op.name), op.name);
        descs.add(pd);
        Target t = target(op.inputs.get(0), src.md);
        dnnl_memory ws = workspaces.get(op.name);
        if (ws != null) {
            step(backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC}, out.grad, ws, t.memory);
        } else {
            step(backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, out.grad, t.memory);
        }
        t.finish();
    }

    /** A concatenation's gradient is its (plain) output gradient's channel slices, one per input. */
    private void concatBackward(Op op, Tensor out) {
        long offset = 0;
        for (String in : op.inputs) {
            Tensor src = tensors.get(in);
            if (!in.equals(input)) {
                dnnl_memory_desc_t sub = new dnnl_memory_desc_t();
                Dnnl.check(dnnl_memory_desc_init_submemory(sub, out.md, src.dims, new long[] {0, offset, 0, 0}),
                        "gradient slice " + op.name);
                dnnl_memory slice = Dnnl.wrap(sub, engine, out.gradData);
                owned.add(slice);
                Target t = target(in, plain(src.dims));
                reorder(backward, sub, slice, plain(src.dims), t.memory);
                t.finish();
            }
            offset += src.dims[1];
        }
    }

    /**
     * Where an operation writes the gradient of its input, in the layout {@code md} it writes: the tensor's own
     * gradient buffer when it is the first writer and the layouts agree, else a temporary that is reordered and/or
     * added into it.
     */
    private final class Target {
        final dnnl_memory memory;
        final dnnl_memory_desc_t md;
        final Tensor tensor;
        final boolean add;
        final boolean direct;

        Target(Tensor tensor, dnnl_memory_desc_t md, boolean add) {
            this.tensor = tensor;
            this.md = md;
            this.add = add;
            this.direct = !add && Dnnl.same(md, tensor.md);
            this.memory = direct ? tensor.grad : buffer(md);
        }

        void finish() {
            if (direct) {
                return;
            }
            dnnl_memory same = memory;
            if (!Dnnl.same(md, tensor.md)) {
                same = add ? buffer(tensor.md) : tensor.grad;
                reorder(backward, md, memory, tensor.md, same);
            }
            if (!add) {
                return;
            }
            dnnl_binary_desc_t d = new dnnl_binary_desc_t();
            Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_add, tensor.md, tensor.md, tensor.md), "gradient sum");
            dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, "gradient sum");
            descs.add(pd);
            step(backward, pd, new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, tensor.grad, same, tensor.grad);
        }
    }

    /** @return where to write the gradient of {@code name} in layout {@code md}, or null for the network's input */
    private Target target(String name, dnnl_memory_desc_t md) {
        if (name.equals(input)) {
            return null;
        }
        Tensor t = tensors.get(name);
        gradOf(t);
        boolean add = t.written;
        t.written = true;
        return new Target(t, md, add);
    }

    private final Set<Tensor> withGrad = new HashSet<>();

    private void gradOf(Tensor t) {
        if (withGrad.add(t)) {
            t.gradData = floats(t.md);
            t.grad = Dnnl.wrap(t.md, engine, t.gradData);
            owned.add(t.grad);
        }
    }

    // ---- memory --------------------------------------------------------------------------------------------

    private Tensor tensor(String name, dnnl_memory_desc_t md, long[] dims) {
        Tensor t = new Tensor(md, dims, buffer(md));
        tensors.put(name, t);
        return t;
    }

    private FloatPointer floats(dnnl_memory_desc_t md) {
        long n = dnnl_memory_desc_get_size(md) / Float.BYTES;
        FloatPointer p = new FloatPointer(Math.max(1, n));
        p.zero();
        buffers.add(p);
        return p;
    }

    private dnnl_memory buffer(dnnl_memory_desc_t md) {
        dnnl_memory m = Dnnl.wrap(md, engine, floats(md));
        owned.add(m);
        return m;
    }

    private dnnl_memory wrap(long[] dims, FloatPointer data) {
        dnnl_memory m = Dnnl.wrap(plain(dims), engine, data);
        owned.add(m);
        return m;
    }

    private void reorder(List<Step> into, dnnl_memory_desc_t fromMd, dnnl_memory from, dnnl_memory_desc_t toMd,
            dnnl_memory to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_reorder_primitive_desc_create(pd, fromMd, engine, toMd, engine, null), "reorder");
        descs.add(pd);
        step(into, pd, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, from, to);
    }

    private void step(List<Step> into, dnnl_primitive_desc pd, int[] kinds, dnnl_memory... memories) {
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(kinds.length);
        for (int i = 0; i < kinds.length; i++) {
            args.position(i).arg(kinds[i]).memory(memories[i]);
        }
        into.add(new Step(Dnnl.primitive(pd, "training step"), args.position(0), kinds.length));
    }

    /** @return a plain (row-major) descriptor: nchw / oihw for 4 dimensions, nc / oi for 2, x for 1 */
    static dnnl_memory_desc_t plain(long[] dims) {
        int tag = switch (dims.length) {
            case 1 -> dnnl_a;
            case 2 -> dnnl_ab;
            case 3 -> dnnl_abc;
            case 4 -> dnnl_abcd;
            default -> throw new IllegalArgumentException("tensor of rank " + dims.length);
        };
        return Dnnl.md(dims, tag);
    }

    private static int poolAlg(Op op) {
        return op.max ? dnnl_pooling_max : op.includePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding;
    }

    private long[] full(long[] perExample) {
        long[] d = new long[perExample.length + 1];
        d[0] = batch;
        System.arraycopy(perExample, 0, d, 1, perExample.length);
        return d;
    }

    @Override
    public void close() {
        for (List<Step> steps : List.of(forward, backward)) {
            for (Step s : steps) {
                dnnl_primitive_destroy(s.primitive());
                s.args().close();
            }
            steps.clear();
        }
        descs.forEach(org.bytedeco.dnnl.global.dnnl::dnnl_primitive_desc_destroy);
        descs.clear();
        owned.forEach(org.bytedeco.dnnl.global.dnnl::dnnl_memory_destroy);
        owned.clear();
        buffers.forEach(Pointer::deallocate);
        buffers.clear();
    }
}
