package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_softmax_desc_t;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * A lowered program made executable for one batch size: every primitive created, every activation
 * buffer allocated, in the {@link Layout} given or the layouts the primitives chose, with reorders only where a
 * layout changes.
 * Used under its {@link CompiledGraph}'s lock.
 */
final class Plan implements AutoCloseable {
    private record Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count) {
    }

    private record Tensor(dnnl_memory memory, dnnl_memory_desc_t md, long[] dims) {
    }

    private final dnnl_engine engine;
    private final dnnl_stream stream;
    private final Weights weights;
    private final int batch;
    private final Layout layout;
    /** 3x3 stride-1 convolutions run oneDNN's Winograd algorithm where it has one ({@link #winograd}). */
    private final boolean winograd;
    private final SplitConcats split;
    private final List<Step> steps = new ArrayList<>();
    private final List<dnnl_memory> owned = new ArrayList<>();
    private final List<dnnl_primitive_desc> descs = new ArrayList<>();
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final Map<String, Integer> lastUse = new HashMap<>();
    private final List<String> implementations = new ArrayList<>();
    private final Arena arena = new Arena();
    private final Map<dnnl_memory, Arena.Block> blockOf = new java.util.IdentityHashMap<>();
    /** Copies of a tensor's memory in other layouts, made for one reader and shared by its later ones. */
    private final Map<dnnl_memory, List<Tensor>> converted = new java.util.IdentityHashMap<>();
    /** Bytes of the largest scratchpad a step asks for. */
    private long scratchBytes;
    private dnnl_memory in;
    private dnnl_memory out;

    Plan(Lowering.Program lowered, int batch, Layout layout, boolean winograd, dnnl_engine engine, dnnl_stream stream,
            Weights weights) {
        this.layout = layout;
        this.winograd = winograd;
        this.engine = engine;
        this.stream = stream;
        this.weights = weights;
        this.batch = batch;
        Lowering.Program program = PoolConcats.apply(lowered); // first: the pooled parts' merge may then be split too
        this.split = SplitConcats.of(program);
        List<Op> ops = program.ops();
        for (int i = 0; i < ops.size(); i++) {
            for (String t : ops.get(i).inputs) {
                lastUse.put(t, i);
            }
            Op parts = split.concatReadBy(ops.get(i));
            if (parts != null) { // the concatenation's inputs are read here instead
                for (String t : parts.inputs) {
                    lastUse.put(t, i);
                }
            }
            if (ops.get(i).sumWith() != null) {
                lastUse.put(ops.get(i).sumWith(), i);
            }
        }
        lastUse.put(program.output(), Integer.MAX_VALUE);
        try {
            build(program);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void build(Lowering.Program program) {
        List<Op> ops = program.ops();
        long[] inDims = full(program.inputShape());
        dnnl_memory_desc_t inMd = Dnnl.md(inDims, dnnl_nchw);
        in = Dnnl.wrap(inMd, engine, null);
        owned.add(in);
        tensors.put(program.input(), new Tensor(in, inMd, inDims));
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (split.skipped(op)) {
                continue; // its reader takes its inputs apart
            }
            add(op, i);
            release(op, i);
        }
        Tensor last = tensors.get(program.output());
        dnnl_memory_desc_t outMd = Dnnl.md(last.dims(), last.dims().length == 2 ? dnnl_ab : dnnl_abcd);
        out = Dnnl.wrap(outMd, engine, null);
        owned.add(out);
        reorder(last.memory(), last.md(), out, outMd);
        scratchpad();
    }

    /**
     * Gives every step that needs one the plan's scratchpad: one buffer of the largest size asked, as the steps run one
     * after the other. The plan's own, not oneDNN's per-thread one, so the plan can run on any thread.
     */
    private void scratchpad() {
        if (scratchBytes == 0) {
            return;
        }
        dnnl_memory_desc_t md = new dnnl_memory_desc_t();
        Dnnl.check(dnnl_memory_desc_init_by_tag(md, 1, new long[] {scratchBytes}, dnnl_u8, dnnl_a), "scratchpad");
        dnnl_memory m = Dnnl.allocate(md, engine);
        owned.add(m);
        for (Step s : steps) {
            if (s.args().position(s.count() - 1).arg() == DNNL_ARG_SCRATCHPAD) {
                s.args().memory(m);
            }
            s.args().position(0);
        }
    }

    /** Runs the program: {@code input} holds batch x C x H x W floats (NCHW), {@code output} receives the result. */
    void run(Pointer input, Pointer output) {
        Dnnl.check(dnnl_memory_set_data_handle(in, input), "input");
        Dnnl.check(dnnl_memory_set_data_handle(out, output), "output");
        for (Step s : steps) {
            Dnnl.check(dnnl_primitive_execute(s.primitive(), stream, s.count(), s.args()), "execute");
        }
        Dnnl.check(dnnl_stream_wait(stream), "wait");
    }

    int batch() {
        return batch;
    }

    /** @return one line per primitive: operation and implementation */
    List<String> implementations() {
        return List.copyOf(implementations);
    }

    /** @return bytes of activation buffers this plan allocated */
    long activationBytes() {
        return arena.bytes();
    }

    /** Gives back the buffers of the tensors {@code op} read last, and of their copies in other layouts. */
    private void release(Op op, int index) {
        dnnl_memory produced = tensors.get(op.name).memory();
        Op parts = split.concatReadBy(op);
        List<String> read = new ArrayList<>(parts != null ? parts.inputs : op.inputs);
        if (op.sumWith() != null) {
            read.add(op.sumWith());
        }
        for (String t : new java.util.LinkedHashSet<>(read)) {
            dnnl_memory m = tensors.get(t).memory();
            if (lastUse.get(t) != index) {
                continue;
            }
            for (Tensor c : converted.getOrDefault(m, List.of())) {
                arena.give(blockOf.remove(c.memory()));
            }
            converted.remove(m);
            if (m != produced && blockOf.containsKey(m)) {
                arena.give(blockOf.remove(m));
            }
        }
    }

    private long[] full(long[] perExample) {
        long[] d = new long[perExample.length + 1];
        d[0] = batch;
        System.arraycopy(perExample, 0, d, 1, perExample.length);
        return d;
    }

    private void add(Op op, int index) {
        switch (op.kind) {
            case CONV -> conv(op, index);
            case DENSE -> dense(op, index);
            case POOL, GLOBAL_POOL -> pool(op);
            case CONCAT -> concat(op);
            case ADD -> binary(op);
            case ELTWISE, SOFTMAX -> elementwise(op);
            default -> throw new IllegalStateException("unknown operation " + op);
        }
    }

    private void conv(Op op, int index) {
        Op parts = split.concatReadBy(op);
        if (parts != null) {
            splitConv(op, parts);
            return;
        }
        Tensor src = tensors.get(op.inputs.get(0));
        int g = op.groups;
        long[] wDims = g == 1 ? new long[] {op.shape[0], src.dims()[1], op.kernel[0], op.kernel[1]}
                : new long[] {g, op.shape[0] / g, src.dims()[1] / g, op.kernel[0], op.kernel[1]};
        String sum = op.sumWith();
        dnnl_memory_desc_t dstMd = sum != null ? tensors.get(sum).md() : Dnnl.md(full(op.dims), layout.tag(op.shape[0]));
        dnnl_primitive_desc pd = winograd(op, src, wDims, sum != null ? dstMd : null);
        if (pd == null) {
            pd = Dnnl.describe(convDesc(op, src, wDims, dstMd), op.post, engine, op.name, true);
        }
        weighted(op, index, pd, src, wDims, g == 1 ? dnnl_abcd : dnnl_goihw);
    }

    /**
     * oneDNN's Winograd convolution (F(4x4, 3x3) or F(2x2, 3x3) on 16-channel blocks, AVX-512 only): the same output
     * as the direct algorithm within float rounding, with 2-4x fewer multiplications (ResNet50's 3x3 convolutions
     * 2.2x faster, docs/benchmarks.md). Used for a 3x3 stride-1 convolution of whole 16-channel blocks in and out.
     *
     * @param sumMd the layout of the output the convolution adds into, or null
     * @return its primitive descriptor, or null if this plan does not use Winograd, the convolution does not qualify or
     *     oneDNN has no implementation of it here
     */
    private dnnl_primitive_desc winograd(Op op, Tensor src, long[] wDims, dnnl_memory_desc_t sumMd) {
        if (!winograd || op.groups != 1 || op.kernel[0] != 3 || op.kernel[1] != 3 || op.stride[0] != 1 || op.stride[1] != 1
                || src.dims()[1] % 16 != 0 || op.shape[0] % 16 != 0) {
            return null;
        }
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        int status = dnnl_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_winograd,
                Dnnl.md(src.dims(), dnnl_aBcd16b), Dnnl.md(wDims, dnnl_format_tag_any), Dnnl.md(new long[] {op.shape[0]}, dnnl_x),
                sumMd != null ? sumMd : Dnnl.md(full(op.dims), dnnl_aBcd16b), toLong(op.stride), toLong(op.padL), toLong(op.padR));
        // a build of oneDNN that does not know the algorithm refuses it here: the direct one then runs
        return status == dnnl_success ? Dnnl.describeIfImplemented(d, op.post, engine, op.name) : null;
    }

    private dnnl_convolution_desc_t convDesc(Op op, Tensor src, long[] wDims, dnnl_memory_desc_t dstMd) {
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_forward_desc_init(d, dnnl_forward_inference, dnnl_convolution_direct,
                Dnnl.md(src.dims(), layout.tag(src.dims()[1])), Dnnl.md(wDims, dnnl_format_tag_any), Dnnl.md(new long[] {op.shape[0]}, dnnl_x),
                dstMd, toLong(op.stride), toLong(op.padL), toLong(op.padR)), "convolution " + op.name);
        return d;
    }

    /**
     * A 1x1 convolution of a concatenation nothing else reads ({@link SplitConcats}): one convolution per input
     * over its channels, each after the first adding into the output; bias with the first, activations after the last.
     */
    private void splitConv(Op op, Op concat) {
        int out = (int) op.shape[0];
        int in = (int) concat.shape[0];
        long[] dims = full(op.dims);
        dnnl_memory_desc_t dstMd = Dnnl.md(dims, layout.tag(out));
        dnnl_memory dst = null;
        int from = 0;
        for (int k = 0; k < concat.inputs.size(); k++) {
            Tensor src = tensors.get(concat.inputs.get(k));
            int c = (int) src.dims()[1];
            long[] wDims = {out, c, 1, 1};
            List<Op.Post> post = new ArrayList<>();
            if (k > 0) {
                post.add(new Op.Post(null, concat.name));
            }
            if (k == concat.inputs.size() - 1) {
                post.addAll(op.post);
            }
            dnnl_primitive_desc pd = Dnnl.describe(convDesc(op, src, wDims, dstMd), post, engine, op.name, true);
            descs.add(pd);
            if (k == 0) {
                dstMd = Dnnl.query(pd, dnnl_query_dst_md); // the later parts add into the first one's layout
                dst = buffer(dstMd);
            }
            dnnl_memory s = convert(src, Dnnl.query(pd, dnnl_query_src_md));
            dnnl_memory w = weights.get(op.name + "/W" + k, SplitConcats.channels(op.weights, out, in, from, c), wDims, dnnl_abcd,
                    Dnnl.query(pd, dnnl_query_weights_md));
            dnnl_memory b = weights.get(op.name + "/b" + k, k == 0 ? op.bias : new float[out], new long[] {out}, dnnl_x,
                    Dnnl.md(new long[] {out}, dnnl_x));
            step(pd, op.name, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, s, w, b, dst);
            from += c;
        }
        tensors.put(op.name, new Tensor(dst, dstMd, dims));
    }

    private void dense(Op op, int index) {
        Tensor src = tensors.get(op.inputs.get(0));
        long[] wDims = src.dims().clone();
        wDims[0] = op.shape[0];
        String sum = op.sumWith();
        dnnl_memory_desc_t dstMd = sum != null ? tensors.get(sum).md() : Dnnl.md(full(op.dims), dnnl_format_tag_any);
        dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_forward_desc_init(d, dnnl_forward_inference, Dnnl.md(src.dims(), dnnl_format_tag_any),
                Dnnl.md(wDims, dnnl_format_tag_any), Dnnl.md(new long[] {op.shape[0]}, dnnl_x), dstMd), "dense " + op.name);
        weighted(op, index, d, src, wDims, wDims.length == 2 ? dnnl_ab : dnnl_abcd);
    }

    /** Convolution or dense: source reordered if needed, weights from the cache, optional in-place sum. */
    private void weighted(Op op, int index, Pointer desc, Tensor src, long[] wDims, int plainTag) {
        weighted(op, index, Dnnl.describe(desc, op.post, engine, op.name, true), src, wDims, plainTag);
    }

    private void weighted(Op op, int index, dnnl_primitive_desc pd, Tensor src, long[] wDims, int plainTag) {
        descs.add(pd);
        dnnl_memory s = convert(src, Dnnl.query(pd, dnnl_query_src_md));
        dnnl_memory w = weights.get(op.name + "/W", op.weights, wDims, plainTag, Dnnl.query(pd, dnnl_query_weights_md));
        dnnl_memory b = weights.get(op.name + "/b", op.bias, new long[] {op.shape[0]}, dnnl_x, Dnnl.md(new long[] {op.shape[0]}, dnnl_x));
        dnnl_memory_desc_t dstMd = Dnnl.query(pd, dnnl_query_dst_md);
        dnnl_memory dst;
        String sum = op.sumWith();
        if (sum != null && lastUse.get(sum) == index) {
            dst = tensors.get(sum).memory(); // the addend's last reader: add in place
        } else {
            dst = buffer(dstMd);
            if (sum != null) {
                reorder(tensors.get(sum).memory(), tensors.get(sum).md(), dst, dstMd);
            }
        }
        step(pd, op.name, new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST}, s, w, b, dst);
        tensors.put(op.name, new Tensor(dst, dstMd, full(op.dims)));
    }

    private void pool(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        int alg = op.max ? dnnl_pooling_max : op.includePad ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding;
        Dnnl.check(dnnl_pooling_v2_forward_desc_init(d, dnnl_forward_inference, alg, src.md(), Dnnl.md(full(op.dims), dnnl_format_tag_any),
                toLong(op.stride), toLong(op.kernel), new long[2], toLong(op.padL), toLong(op.padR)), "pooling " + op.name);
        simple(op, d, src);
    }

    private void elementwise(Op op) {
        Tensor src = tensors.get(op.inputs.get(0));
        Pointer d;
        if (op.kind == Op.Kind.SOFTMAX) {
            dnnl_softmax_desc_t s = new dnnl_softmax_desc_t();
            Dnnl.check(dnnl_softmax_forward_desc_init(s, dnnl_forward_inference, src.md(), 1), "softmax " + op.name);
            d = s;
        } else {
            dnnl_eltwise_desc_t e = new dnnl_eltwise_desc_t();
            Dnnl.check(dnnl_eltwise_forward_desc_init(e, dnnl_forward_inference, op.act.alg(), src.md(), op.act.alpha(), op.act.beta()),
                    "activation " + op.name);
            d = e;
        }
        simple(op, d, src);
    }

    private void binary(Op op) {
        Tensor a = tensors.get(op.inputs.get(0));
        Tensor b = tensors.get(op.inputs.get(1));
        dnnl_binary_desc_t d = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(d, dnnl_binary_add, a.md(), b.md(), a.md()), "add " + op.name);
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, op.name, true);
        descs.add(pd);
        dnnl_memory dst = buffer(a.md());
        step(pd, op.name, new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, a.memory(), b.memory(), dst);
        tensors.put(op.name, new Tensor(dst, Dnnl.copy(a.md()), a.dims()));
    }

    private void concat(Op op) {
        int n = op.inputs.size();
        dnnl_memory_desc_t srcs = new dnnl_memory_desc_t(n);
        dnnl_memory[] mems = new dnnl_memory[n + 1];
        int[] args = new int[n + 1];
        for (int i = 0; i < n; i++) {
            Tensor t = tensors.get(op.inputs.get(i));
            Pointer.memcpy(srcs.getPointer(i), t.md(), t.md().sizeof());
            mems[i] = t.memory();
            args[i] = DNNL_ARG_MULTIPLE_SRC + i;
        }
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        dnnl_primitive_attr attr = Dnnl.userScratchpad();
        try {
            Dnnl.check(dnnl_concat_primitive_desc_create(pd, null, n, 1, srcs, attr, engine), "merge " + op.name);
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
        descs.add(pd);
        dnnl_memory_desc_t dstMd = Dnnl.query(pd, dnnl_query_dst_md);
        mems[n] = buffer(dstMd);
        args[n] = DNNL_ARG_DST;
        step(pd, op.name, args, mems);
        tensors.put(op.name, new Tensor(mems[n], dstMd, full(op.dims)));
    }

    /** One source, one destination in the layout the primitive picks. */
    private void simple(Op op, Pointer desc, Tensor src) {
        dnnl_primitive_desc pd = Dnnl.describe(desc, null, engine, op.name, true);
        descs.add(pd);
        dnnl_memory_desc_t dstMd = Dnnl.query(pd, dnnl_query_dst_md);
        dnnl_memory dst = buffer(dstMd);
        step(pd, op.name, new int[] {DNNL_ARG_SRC, DNNL_ARG_DST}, src.memory(), dst);
        tensors.put(op.name, new Tensor(dst, dstMd, full(op.dims)));
    }

    /**
     * @return {@code t}'s memory in layout {@code want}: its own, or a copy reordered into that layout, made once and
     *     kept for later readers until {@code t} is read for the last time
     */
    private dnnl_memory convert(Tensor t, dnnl_memory_desc_t want) {
        if (Dnnl.same(t.md(), want)) {
            return t.memory();
        }
        List<Tensor> copies = converted.computeIfAbsent(t.memory(), k -> new ArrayList<>());
        for (Tensor c : copies) {
            if (Dnnl.same(c.md(), want)) {
                return c.memory();
            }
        }
        dnnl_memory m = buffer(want);
        copies.add(new Tensor(m, want, t.dims()));
        reorder(t.memory(), t.md(), m, want);
        return m;
    }

    private void reorder(dnnl_memory from, dnnl_memory_desc_t fromMd, dnnl_memory to, dnnl_memory_desc_t toMd) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        dnnl_primitive_attr attr = Dnnl.userScratchpad();
        try {
            Dnnl.check(dnnl_reorder_primitive_desc_create(pd, fromMd, engine, toMd, engine, attr), "reorder");
        } finally {
            dnnl_primitive_attr_destroy(attr);
        }
        descs.add(pd);
        step(pd, "reorder", new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, from, to);
    }

    private dnnl_memory buffer(dnnl_memory_desc_t md) {
        Arena.Block b = arena.take(dnnl_memory_desc_get_size(md));
        dnnl_memory m = Dnnl.wrap(md, engine, b.start());
        owned.add(m);
        blockOf.put(m, b);
        return m;
    }

    private void step(dnnl_primitive_desc pd, String name, int[] kinds, dnnl_memory... memories) {
        long scratch = dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(kinds.length + (scratch > 0 ? 1 : 0));
        for (int i = 0; i < kinds.length; i++) {
            args.position(i).arg(kinds[i]).memory(memories[i]);
        }
        if (scratch > 0) { // given the plan's scratchpad once every step is known (scratchpad())
            args.position(kinds.length).arg(DNNL_ARG_SCRATCHPAD);
            scratchBytes = Math.max(scratchBytes, scratch);
        }
        steps.add(new Step(Dnnl.primitive(pd, name), args.position(0), kinds.length + (scratch > 0 ? 1 : 0)));
        implementations.add(name + ": " + Dnnl.implementation(pd));
    }

    /** @return {@code a} widened to longs (oneDNN's dimensions) */
    static long[] toLong(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = a[i];
        }
        return l;
    }

    @Override
    public void close() {
        for (Step s : steps) {
            dnnl_primitive_destroy(s.primitive());
            s.args().close();
        }
        for (dnnl_primitive_desc pd : descs) {
            dnnl_primitive_desc_destroy(pd);
        }
        for (dnnl_memory m : owned) {
            dnnl_memory_destroy(m);
        }
        steps.clear();
        descs.clear();
        owned.clear();
        arena.close();
    }
}
