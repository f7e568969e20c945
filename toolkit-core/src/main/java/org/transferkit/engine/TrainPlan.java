package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.transferkit.engine.TrainMemory.plain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_eltwise_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_inner_product_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.engine.TrainMemory.Target;
import org.transferkit.engine.TrainMemory.Tensor;

/**
 * One training step of a lowered program for one batch size, as oneDNN primitives: the forward pass in training
 * mode (keeping every activation and each max pooling's workspace for the backward pass; lowered by
 * {@link TrainForward}), then backward-data and backward-weights in reverse order (lowered here), with gradients of a
 * tensor read by several operations summed. Everything is in plain layouts (NCHW activations, OIHW / OI weights), so
 * the parameters and their gradients are the same arrays the optimizer updates in place. The buffers of
 * activations and gradients are placed by liveness over the whole step once it is built ({@link TrainBuffers}), so
 * one that no later step reads is reused.
 *
 * <p>Contract: every native object of the plan is owned by its one {@link TrainMemory}, which {@link #close()}
 * closes (a plan that fails to build closes it before throwing); the parameters, their gradients and the input
 * images are borrowed. Used under its {@link TrainableGraph}'s control (its {@link PlanCache} closes it); not
 * thread-safe.
 */
final class TrainPlan implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainPlan.class);
    /**
     * Test seam, never set by the product: the batch sizes whose plans fail to allocate their buffers, with the
     * {@link OutOfMemoryError} JavaCPP throws when native memory is refused (by asking it for an impossible buffer
     * right before the plan's own buffers are placed). Default: none.
     */
    static volatile IntPredicate nativeMemoryExhaustedForTests = batch -> false;
    private final TrainMemory mem;
    private final TrainForward fwd;
    private final Map<String, TrainableGraph.Weighted> weighted;
    private final Map<String, Normed> norms;
    private final dnnl_engine engine;
    private final dnnl_memory in;
    private final Tensor logits;

    TrainPlan(Lowering.Program program, String logitsTensor, Map<String, TrainableGraph.Weighted> weighted,
            Map<String, Normed> norms, Map<String, Double> dropout, int batch, dnnl_engine engine,
            dnnl_stream stream) {
        this.engine = engine;
        this.weighted = weighted;
        this.norms = norms;
        this.mem = new TrainMemory(engine, stream, batch);
        this.fwd = new TrainForward(mem, weighted, norms, dropout, logitsTensor);
        try {
            in = mem.input(program.input(), mem.full(program.inputShape())).value;
            List<Op> ops = new ArrayList<>();
            for (Op op : program.ops()) {
                if (op.kind != Op.Kind.SOFTMAX) {
                    ops.add(op);
                    fwd.lower(op);
                }
            }
            logits = mem.get(logitsTensor);
            mem.gradOf(logits); // the loss writes it
            for (int i = ops.size() - 1; i >= 0; i--) {
                backward(ops.get(i));
            }
            mem.pin(logits.value); // read after the forward pass,
            mem.pin(logits.grad); // written before the backward pass
            if (fwd.clean() != null) {
                mem.pin(fwd.clean().value);
            }
            if (nativeMemoryExhaustedForTests.test(batch)) {
                new BytePointer(Long.MAX_VALUE / 4).close(); // JavaCPP's own OutOfMemoryError: no allocator has this
            }
            mem.place();
            LOG.debug("training plan for batch {}: {}", batch, mem.report());
        } catch (RuntimeException | OutOfMemoryError e) { // native memory refused: what was allocated is freed too
            close();
            throw e;
        }
    }

    int batch() {
        return mem.batch();
    }

    /** @return bytes of the plan's activation, gradient and temporary buffers as placed, and each on its own */
    long[] bytes() {
        return mem.bytes();
    }

    /**
     * @return each training-mode batch normalization's batch mean and (biased) variance of the latest forward pass,
     *     by operation
     */
    Map<String, FloatPointer[]> batchStats() {
        return fwd.batchStats();
    }

    /** @return the dense operations whose input is dropped out, in execution order, with their mask sizes */
    Map<String, Long> masks() {
        return fwd.maskSizes();
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
        for (FloatPointer m : fwd.maskData()) {
            m.put(masks.get(i++));
        }
        mem.run(mem.forward);
        float[] z = new float[(int) (logits.dims[0] * logits.dims[1])];
        new FloatPointer(TrainMemory.handle(logits.value)).get(z);
        float[] c = null;
        Tensor clean = fwd.clean();
        if (clean != null) {
            c = new float[z.length];
            new FloatPointer(TrainMemory.handle(clean.value)).get(c);
        }
        return new float[][] {z, c};
    }

    /** Runs the backward pass from the loss's gradient with respect to the logits; fills every weight gradient. */
    void backward(float[] gradLogits) {
        new FloatPointer(TrainMemory.handle(logits.grad)).put(gradLogits);
        mem.run(mem.backward);
    }

    // ---- backward lowering ---------------------------------------------------------------------------------

    private void backward(Op op) {
        Tensor out = mem.get(op.name);
        mem.gradOf(out);
        for (Op.Post p : op.post) { // a fused ReLU: its gradient from its output, in place
            eltwiseBackward(op.name + "/act", p.act(), out, out.grad);
        }
        switch (op.kind) {
            case CONV -> convBackward(op, out);
            case DENSE -> denseBackward(op, out);
            case POOL, GLOBAL_POOL -> poolBackward(op, out);
            case ELTWISE -> {
                String in = op.inputs.get(0);
                if (!mem.isInput(in) && mem.shareGradient(mem.get(in), out)) { // in place: the input's is the output's
                    eltwiseBackward(op.name, op.act, out, out.grad);
                    return;
                }
                Target t = mem.target(in, out.md);
                if (t != null) {
                    eltwiseBackward(op.name, op.act, out, t.memory);
                    t.finish();
                }
            }
            case CONCAT -> concatBackward(op, out);
            case ADD -> addBackward(op, out);
            case BATCH_NORM -> normBackward(op, out);
            default -> throw new UnsupportedOperationException("operation " + op + " does not train on the engine");
        }
    }

    private void eltwiseBackward(String name, Act act, Tensor out, dnnl_memory gradIn) {
        int alg = act.fromOutput();
        if (alg < 0) {
            throw new UnsupportedOperationException("activation " + name + " does not train on the engine (ReLU, leaky "
                    + "ReLU, sigmoid, tanh and ELU do)");
        }
        dnnl_eltwise_desc_t d = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_backward_desc_init(d, alg, out.md, out.md, act.alpha(), act.beta()),
                "activation gradient " + name);
        dnnl_eltwise_desc_t f = new dnnl_eltwise_desc_t();
        Dnnl.check(dnnl_eltwise_forward_desc_init(f, dnnl_forward_training, alg, out.md, act.alpha(), act.beta()),
                "activation " + name);
        dnnl_primitive_desc hint = mem.own(Dnnl.describe(f, null, engine, name));
        dnnl_primitive_desc pd = mem.own(Dnnl.describeBackward(d, engine, hint, name));
        mem.step(mem.backward, pd, new int[] {DNNL_ARG_DST, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, out.value, out.grad,
                gradIn);
    }

    private void convBackward(Op op, Tensor out) {
        TrainForward.ConvState st = fwd.conv(op.name);
        TrainableGraph.Weighted w = weighted.get(op.name);
        dnnl_primitive_desc hint = fwd.hint(op.name);
        dnnl_convolution_desc_t wd = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_backward_weights_desc_init(wd, dnnl_convolution_direct, st.src().md,
                Dnnl.md(w.wDims(), dnnl_format_tag_any), plain(w.bDims()), out.md, Plan.toLong(op.stride), Plan.toLong(op.padL),
                Plan.toLong(op.padR)), "weights gradient " + op.name);
        dnnl_primitive_desc wpd = mem.own(Dnnl.describeBackward(wd, engine, hint, op.name));
        dnnl_memory_desc_t dwMd = Dnnl.query(wpd, dnnl_query_diff_weights_md);
        dnnl_memory_desc_t ownMd = w.wMd();
        dnnl_memory plainDw = mem.own(ownMd, w.dw());
        boolean direct = Dnnl.same(dwMd, ownMd);
        dnnl_memory dw = direct ? plainDw : mem.buffer(dwMd);
        mem.step(mem.backward, wpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
            DNNL_ARG_DIFF_BIAS}, st.src().value, out.grad, dw, mem.wrap(w.bDims(), w.db()));
        if (!direct) {
            mem.reorder(mem.backward, dwMd, dw, ownMd, plainDw);
        }
        if (mem.isInput(op.inputs.get(0))) {
            return; // the network's input: no gradient needed
        }
        dnnl_convolution_desc_t dd = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_backward_data_desc_init(dd, dnnl_convolution_direct,
                Dnnl.md(st.src().dims, dnnl_format_tag_any), Dnnl.md(w.wDims(), dnnl_format_tag_any), out.md,
                Plan.toLong(op.stride), Plan.toLong(op.padL), Plan.toLong(op.padR)), "input gradient " + op.name);
        dnnl_primitive_desc dpd = mem.own(Dnnl.describeBackward(dd, engine, hint, op.name));
        dnnl_memory_desc_t bwMd = Dnnl.query(dpd, dnnl_query_weights_md);
        dnnl_memory weights = Dnnl.same(bwMd, st.wMd()) ? st.weights() : fwd.blockedWeights(mem.backward, w, bwMd);
        Target t = mem.target(op.inputs.get(0), Dnnl.query(dpd, dnnl_query_diff_src_md));
        mem.step(mem.backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad,
                weights, t.memory);
        t.finish();
    }

    private void denseBackward(Op op, Tensor out) {
        Tensor src = mem.get(fwd.source(op));
        TrainableGraph.Weighted w = weighted.get(op.name);
        dnnl_primitive_desc hint = fwd.hint(op.name);
        dnnl_inner_product_desc_t wd = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_backward_weights_desc_init(wd, src.md, plain(w.wDims()), plain(w.bDims()), out.md),
                "weights gradient " + op.name);
        dnnl_primitive_desc wpd = mem.own(Dnnl.describeBackward(wd, engine, hint, op.name));
        mem.step(mem.backward, wpd, new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS,
            DNNL_ARG_DIFF_BIAS}, src.value, out.grad, mem.wrap(w.wDims(), w.dw()), mem.wrap(w.bDims(), w.db()));
        if (mem.isInput(op.inputs.get(0))) {
            return;
        }
        dnnl_inner_product_desc_t dd = new dnnl_inner_product_desc_t();
        Dnnl.check(dnnl_inner_product_backward_data_desc_init(dd, src.md, plain(w.wDims()), out.md),
                "input gradient " + op.name);
        dnnl_primitive_desc dpd = mem.own(Dnnl.describeBackward(dd, engine, hint, op.name));
        Tensor mask = fwd.mask(op.name);
        if (mask == null) {
            Target t = mem.target(op.inputs.get(0), src.md);
            mem.step(mem.backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad,
                    mem.wrap(w.wDims(), w.w()), t.memory);
            t.finish();
            return;
        }
        mem.gradOf(src); // through the dropout: the gradient of the dropped input, times the same mask
        mem.step(mem.backward, dpd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad,
                mem.wrap(w.wDims(), w.w()), src.grad);
        Target t = mem.target(op.inputs.get(0), src.md);
        mem.binary(mem.backward, dnnl_binary_mul, src.md, src.grad, mask.value, t.memory, "dropout");
        t.finish();
    }

    private void poolBackward(Op op, Tensor out) {
        Tensor src = mem.get(op.inputs.get(0));
        if (mem.isInput(op.inputs.get(0))) {
            return;
        }
        dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
        Dnnl.check(dnnl_pooling_v2_backward_desc_init(d, TrainForward.poolAlg(op), src.md, out.md, Plan.toLong(op.stride),
                Plan.toLong(op.kernel), new long[2], Plan.toLong(op.padL), Plan.toLong(op.padR)),
                "pooling gradient " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describeBackward(d, engine, fwd.hint(op.name), op.name));
        Target t = mem.target(op.inputs.get(0), src.md);
        dnnl_memory ws = fwd.workspace(op.name);
        if (ws != null) {
            mem.step(mem.backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WORKSPACE, DNNL_ARG_DIFF_SRC}, out.grad, ws,
                    t.memory);
        } else {
            mem.step(mem.backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC}, out.grad, t.memory);
        }
        t.finish();
    }

    /** A concatenation's gradient is its (plain) output gradient's channel slices, one per input. */
    private void concatBackward(Op op, Tensor out) {
        long offset = 0;
        for (String name : op.inputs) {
            Tensor src = mem.get(name);
            if (!mem.isInput(name)) {
                dnnl_memory_desc_t sub = new dnnl_memory_desc_t();
                Dnnl.check(dnnl_memory_desc_init_submemory(sub, out.md, src.dims, new long[] {0, offset, 0, 0}),
                        "gradient slice " + op.name);
                dnnl_memory slice = mem.view(sub, out.grad);
                Target t = mem.target(name, plain(src.dims));
                mem.reorder(mem.backward, sub, slice, plain(src.dims), t.memory);
                t.finish();
            }
            offset += src.dims[1];
        }
    }

    /**
     * A sum's gradient is its output gradient, for each input: the first input shares the output's gradient buffer
     * where it can (nothing else has sent it a gradient yet and the layouts agree), the other gets a copy.
     */
    private void addBackward(Op op, Tensor out) {
        boolean shared = false;
        for (String name : op.inputs) {
            if (mem.isInput(name)) {
                continue;
            }
            if (!shared && mem.shareGradient(mem.get(name), out)) {
                shared = true;
                continue;
            }
            Target t = mem.target(name, out.md);
            mem.reorder(mem.backward, out.md, out.grad, out.md, t.memory);
            t.finish();
        }
    }

    /**
     * A batch normalization's gradient: in training mode with respect to its input (through the batch statistics)
     * and to gamma and beta; for a frozen affine map with respect to its input only (the output gradient times the
     * scale).
     */
    private void normBackward(Op op, Tensor out) {
        String in = op.inputs.get(0);
        Tensor src = mem.get(in);
        Normed n = norms.get(op.name);
        long[] c = {src.dims[1]};
        if (op.norm.frozen()) {
            if (!mem.isInput(in)) {
                frozenNormBackward(op, out, src, n);
            }
            return;
        }
        dnnl_batch_normalization_desc_t d = new dnnl_batch_normalization_desc_t();
        Dnnl.check(dnnl_batch_normalization_backward_desc_init(d, dnnl_backward, out.md, src.md, op.norm.eps(),
                TrainForward.normFlags(op)), "batch normalization gradient " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describeBackward(d, engine, fwd.hint(op.name), op.name));
        dnnl_memory_desc_t diffSrcMd = Dnnl.query(pd, dnnl_query_diff_src_md);
        boolean inPlace = !mem.isInput(in) && Dnnl.same(diffSrcMd, out.md) && mem.shareGradient(src, out);
        Target t = mem.isInput(in) || inPlace ? null : mem.target(in, diffSrcMd);
        dnnl_memory diffSrc = inPlace ? out.grad : t != null ? t.memory : mem.buffer(diffSrcMd);
        dnnl_memory[] stats = fwd.normStats(op.name);
        mem.step(mem.backward, pd, new int[] {DNNL_ARG_SRC, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE, DNNL_ARG_DIFF_DST,
            DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_DIFF_SRC, DNNL_ARG_DIFF_SCALE, DNNL_ARG_DIFF_SHIFT}, src.value,
                stats[0], stats[1], out.grad, mem.wrap(c, n.scale()), mem.wrap(c, n.shift()), diffSrc,
                mem.wrap(c, n.dScale()), mem.wrap(c, n.dShift()));
        if (t != null) {
            t.finish();
        }
    }

    /**
     * A frozen affine map's input gradient, the output gradient times the scale per channel: the backward-data pass
     * of a 1x1 depthwise convolution whose weights are the scales (oneDNN's per-channel broadcast multiplication in
     * blocked layouts is its slow reference kernel, and its batch-normalization backward with fixed statistics is
     * unimplemented).
     */
    private void frozenNormBackward(Op op, Tensor out, Tensor src, Normed n) {
        long c = src.dims[1];
        long[] wDims = {c, 1, 1, 1, 1};
        long[] one = {1, 1};
        long[] zero = {0, 0};
        dnnl_convolution_desc_t f = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_forward_desc_init(f, dnnl_forward_training, dnnl_convolution_direct,
                Dnnl.md(src.dims, dnnl_format_tag_any), Dnnl.md(wDims, dnnl_format_tag_any), null, out.md, one, zero,
                zero), "frozen batch normalization " + op.name);
        dnnl_primitive_desc hint = mem.own(Dnnl.describe(f, null, engine, op.name));
        dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
        Dnnl.check(dnnl_convolution_backward_data_desc_init(d, dnnl_convolution_direct,
                Dnnl.md(src.dims, dnnl_format_tag_any), Dnnl.md(wDims, dnnl_format_tag_any), out.md, one, zero, zero),
                "frozen batch normalization gradient " + op.name);
        dnnl_primitive_desc pd = mem.own(Dnnl.describeBackward(d, engine, hint, op.name));
        dnnl_memory_desc_t wMd = Dnnl.query(pd, dnnl_query_weights_md);
        dnnl_memory_desc_t plainW = Dnnl.md(wDims, dnnl_abcde);
        dnnl_memory plainScale = mem.own(plainW, n.scale());
        dnnl_memory weights = plainScale;
        if (!Dnnl.same(wMd, plainW)) {
            weights = mem.buffer(wMd);
            mem.reorder(mem.backward, plainW, plainScale, wMd, weights);
        }
        Target t = mem.target(op.inputs.get(0), Dnnl.query(pd, dnnl_query_diff_src_md));
        mem.step(mem.backward, pd, new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, out.grad, weights,
                t.memory);
        t.finish();
    }

    /** Frees every native object of the plan (through its {@link TrainMemory}); idempotent. */
    @Override
    public void close() {
        mem.close();
    }
}
