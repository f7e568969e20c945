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
            case CONV, DENSE -> weightedForward(op);
            case POOL, GLOBAL_POOL -> poolForward(op);
            case ELTWISE -> eltwiseForward(op);
            case CONCAT -> concatForward(op);
            default -> throw new UnsupportedOperationException("operation " + op + " does not train on the engine");
        }
    }

    /** @return the tensor an operation reads: its input, or its input after dropout */
    private String source(Op op) {
        return maskTensors.containsKey(op.name) ? op.name + "/dropped" : op.inputs.get(0);
    }

    /** Dropout of a dense layer's input, as DL4J's inverted dropout: input times a mask of 0 and 1/p. */
    private void dropoutForward(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        dnnl_memory_desc_t md = src.md;
        FloatPointer data = floats(md);
        dnnl_memory mask = Dnnl.wrap(md, engine, data);
        owned.add(mask);
        masks.put(op.name, data);
        maskTensors.put(op.name, new Tensor(md, src.dims, mask));
        Tensor dropped = tensor(op.name + "/dropped", src.dims);
        multiply(forward, src.md, src.value, mask, dropped.value);
    }

    private void multiply(List<Step> into, dnnl_memory_desc_t md, dnnl_memory a, dnnl_memory b, dnnl_memory dst) {
        dnnl_binary_desc_t d = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_mul, md, md, md), "dropout");
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, "dropout");
        descs.add(pd);
        step(into, pd, new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, a, b, dst);
    }

    private void weightedForward(Op op) {
        if (op.kind == Op.Kind.DENSE && dropout.containsKey(op.name)) {
            dropoutForward(op);
        }
        Tensor src = tensors.get(source(op));
        TrainableGraph.Weighted w = weighted.get(op.name);
        long[] dstDims = full(op.dims);
        Pointer desc;
        if (op.kind == Op.Kind.CONV) {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_forward_desc_init(d, dnnl_forward_training, dnnl_convolution_direct, src.md,
                    plain(w.wDims()), plain(w.bDims()), plain(dstDims), toLong(op.stride), toLong(op.padL),
                    toLong(op.padR)), "convolution " + op.name);
            desc = d;
        } else {
            dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_forward_desc_init(d, dnnl_forward_training, src.md, plain(w.wDims()),
                    plain(w.bDims()), plain(dstDims)), "dense " + op.name);
            desc = d;
        }
        dnnl_primitive_desc pd = Dnnl.describe(desc, op.post, engine, op.name);
        descs.add(pd);
        hints.put(op.name, pd);
        Tensor dst = tensor(op.name, dstDims);
        step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, src.value,
                wrap(w.wDims(), w.w()), wrap(w.bDims(), w.b()), dst.value);
        if (op.name.equals(logitsOp) && maskTensors.containsKey(op.name)) {
            Tensor plainIn = tensors.get(op.inputs.get(0));
            dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_forward_desc_init(d, dnnl_forward_inference, plainIn.md, plain(w.wDims()),
                    plain(w.bDims()), plain(dstDims)), "dense " + op.name);
            dnnl_primitive_desc cpd = Dnnl.describe(d, null, engine, op.name);
            descs.add(cpd);
            clean = tensor(op.name + "/clean", dstDims);
            step(forward, cpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, plainIn.value,
                    wrap(w.wDims(), w.w()), wrap(w.bDims(), w.b()), clean.value);
        }
    }

    private void poolForward(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        long[] dstDims = full(op.dims);
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_forward_desc_init(d, dnnl_forward_training, poolAlg(op), src.md, plain(dstDims),
                toLong(op.stride), toLong(op.kernel), new long[2], toLong(op.padL), toLong(op.padR)), "pooling " + op.name);
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, op.name);
        descs.add(pd);
        hints.put(op.name, pd);
        Tensor dst = tensor(op.name, dstDims);
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
        Tensor dst = tensor(op.name, src.dims);
        step(forward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, src.value, dst.value);
    }

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
        Tensor dst = tensor(op.name, dstDims);
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
            case CONV, DENSE -> weightedBackward(op, out);
            case POOL, GLOBAL_POOL -> poolBackward(op, out);
            case ELTWISE -> {
                Target t = target(op.inputs.get(0));
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

    private void weightedBackward(Op op, Tensor out) {
        Tensor src = tensors.get(source(op));
        TrainableGraph.Weighted w = weighted.get(op.name);
        dnnl_primitive_desc hint = hints.get(op.name);
        Pointer wd;
        if (op.kind == Op.Kind.CONV) {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_backward_weights_desc_init(d, dnnl_convolution_direct, src.md, plain(w.wDims()),
                    plain(w.bDims()), out.md, toLong(op.stride), toLong(op.padL), toLong(op.padR)), "weights gradient " + op.name);
            wd = d;
        } else {
            dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_backward_weights_desc_init(d, src.md, plain(w.wDims()), plain(w.bDims()), out.md),
                    "weights gradient " + op.name);
            wd = d;
        }
        dnnl_primitive_desc wpd = Dnnl.describeBackward(wd, engine, hint, op.name);
        descs.add(wpd);
        step(backward, wpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS},
                src.value, out.grad, wrap(w.wDims(), w.dw()), wrap(w.bDims(), w.db()));
        Target t = target(source(op));
        if (t == null) {
            return; // the network's input: no gradient needed
        }
        Pointer dd;
        if (op.kind == Op.Kind.CONV) {
            dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
            Dnnl.check(dnnl_convolution_backward_data_desc_init(d, dnnl_convolution_direct, src.md, plain(w.wDims()), out.md,
                    toLong(op.stride), toLong(op.padL), toLong(op.padR)), "input gradient " + op.name);
            dd = d;
        } else {
            dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
            Dnnl.check(dnnl_inner_product_backward_data_desc_init(d, src.md, plain(w.wDims()), out.md),
                    "input gradient " + op.name);
            dd = d;
        }
        dnnl_primitive_desc dpd = Dnnl.describeBackward(dd, engine, hint, op.name);
        descs.add(dpd);
        step(backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad,
                wrap(w.wDims(), w.w()), t.memory);
        t.finish();
        Tensor mask = maskTensors.get(op.name);
        if (mask != null) { // through the dropout: the same mask
            Target before = target(op.inputs.get(0));
            if (before != null) {
                multiply(backward, mask.md, t.tensor.grad, mask.value, before.memory);
                before.finish();
            }
        }
    }

    private void poolBackward(Op op, Tensor out) {
        Target t = target(op.inputs.get(0));
        if (t == null) {
            return;
        }
        Tensor src = tensors.get(op.inputs.get(0));
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_backward_desc_init(d, poolAlg(op), src.md, out.md, toLong(op.stride), toLong(op.kernel),
                new long[2], toLong(op.padL), toLong(op.padR)), "pooling gradient " + op.name);
        dnnl_primitive_desc pd = Dnnl.describeBackward(d, engine, hints.get(op.name), op.name);
        descs.add(pd);
        dnnl_memory ws = workspaces.get(op.name);
        if (ws != null) {
            step(backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC}, out.grad, ws, t.memory);
        } else {
            step(backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, out.grad, t.memory);
        }
        t.finish();
    }

    /** A concatenation's gradient is its output gradient's channel slices, one per input. */
    private void concatBackward(Op op, Tensor out) {
        long offset = 0;
        for (String in : op.inputs) {
            Tensor src = tensors.get(in);
            Target t = target(in);
            if (t != null) {
                dnnl_memory_desc_t sub = new dnnl_memory_desc_t();
                Dnnl.check(dnnl_memory_desc_init_submemory(sub, out.md, src.dims, new long[] {0, offset, 0, 0}),
                        "gradient slice " + op.name);
                dnnl_memory slice = Dnnl.wrap(sub, engine, out.gradData);
                owned.add(slice);
                reorder(sub, slice, src.md, t.memory);
                t.finish();
            }
            offset += src.dims[1];
        }
    }

    /** Where an operation writes the gradient of its input: the tensor's own, or a temporary added into it. */
    private final class Target {
        final dnnl_memory memory;
        final Tensor tensor;
        final boolean add;

        Target(Tensor tensor, boolean add) {
            this.tensor = tensor;
            this.add = add;
            this.memory = add ? buffer(tensor.md) : tensor.grad;
        }

        void finish() {
            if (!add) {
                return;
            }
            dnnl_binary_desc_t d = new dnnl_binary_desc_t();
            Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_add, tensor.md, tensor.md, tensor.md), "gradient sum");
            dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, "gradient sum");
            descs.add(pd);
            step(backward, pd, new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, tensor.grad, memory, tensor.grad);
        }
    }

    /** @return where to write the gradient of {@code name}, or null for the network's input (not needed) */
    private Target target(String name) {
        if (name.equals(input)) {
            return null;
        }
        Tensor t = tensors.get(name);
        gradOf(t);
        boolean add = t.written;
        t.written = true;
        return new Target(t, add);
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

    private Tensor tensor(String name, long[] dims) {
        dnnl_memory_desc_t md = plain(dims);
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

    private void reorder(dnnl_memory_desc_t fromMd, dnnl_memory from, dnnl_memory_desc_t toMd, dnnl_memory to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_reorder_primitive_desc_create(pd, fromMd, engine, toMd, engine, null), "reorder");
        descs.add(pd);
        step(backward, pd, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, from, to);
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

    private static long[] toLong(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = a[i];
        }
        return l;
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
