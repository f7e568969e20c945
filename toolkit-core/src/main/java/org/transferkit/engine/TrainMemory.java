package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_binary_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The native side of one {@link TrainPlan}: its named tensors (values and gradients), the buffers behind them, the
 * memory objects wrapping those and the parameters, the primitive descriptors, and the forward and backward lists of
 * primitive steps, plus the helpers that create each of these (plain descriptors, reorders, binary operations, the
 * gradient targets that sum the gradients of a tensor read by several operations). The buffers of activations,
 * gradients and temporaries get their places once the plan is built ({@link #place}): by liveness over the forward
 * and backward steps ({@link TrainBuffers}), so buffers that are never alive at the same time share memory.
 *
 * <p>Contract: it owns every native object it creates or is handed through {@link #own}; {@link #close()} frees all
 * of them exactly once (later calls find nothing left to free), and only its {@link TrainPlan} closes it. Memory it
 * wraps (the parameters, their gradients, the input images) is borrowed: closing destroys the wrapping memory
 * objects, never the data. Not thread-safe; used under its plan's (that is, its {@link TrainableGraph}'s) control.
 */
final class TrainMemory implements AutoCloseable {
    /** One primitive with its arguments. */
    record Step(dnnl_primitive primitive, dnnl_exec_arg_t args, int count) {
    }

    /** A tensor: its value and, once something sends a gradient to it, its gradient. */
    static final class Tensor {
        final dnnl_memory_desc_t md;
        final long[] dims;
        final dnnl_memory value;
        dnnl_memory grad;
        boolean written;

        Tensor(dnnl_memory_desc_t md, long[] dims, dnnl_memory value) {
            this.md = md;
            this.dims = dims;
            this.value = value;
        }
    }

    final dnnl_engine engine;
    private final dnnl_stream stream;
    private final int batch;
    /** The forward pass's steps, in execution order. */
    final List<Step> forward = new ArrayList<>();
    /** The backward pass's steps, in execution order. */
    final List<Step> backward = new ArrayList<>();
    private final List<dnnl_primitive_desc> descs = new ArrayList<>();
    private final List<dnnl_memory> owned = new ArrayList<>();
    private final List<Pointer> buffers = new ArrayList<>();
    private final TrainBuffers placed = new TrainBuffers();
    private final Map<String, Tensor> tensors = new HashMap<>();
    private final Set<Tensor> withGrad = new HashSet<>();
    private String input;
    private long scratchpadMax;
    private long scratchpadSum;

    TrainMemory(dnnl_engine engine, dnnl_stream stream, int batch) {
        this.engine = engine;
        this.stream = stream;
        this.batch = batch;
    }

    int batch() {
        return batch;
    }

    /** @return the tensor named {@code name}, or null */
    Tensor get(String name) {
        return tensors.get(name);
    }

    /** Names {@code t} {@code name} (another name for a tensor already owned). */
    void put(String name, Tensor t) {
        tensors.put(name, t);
    }

    /** @return whether {@code name} is the network's input (which needs no gradient) */
    boolean isInput(String name) {
        return name.equals(input);
    }

    /** @return the network's input, a plain tensor without data until the caller sets its data handle */
    Tensor input(String name, long[] dims) {
        this.input = name;
        dnnl_memory_desc_t md = plain(dims);
        Tensor t = new Tensor(md, dims, own(md, null));
        tensors.put(name, t);
        return t;
    }

    /** @return a new tensor {@code name} in layout {@code md}, its buffer placed by liveness ({@link #place}) */
    Tensor tensor(String name, dnnl_memory_desc_t md, long[] dims) {
        Tensor t = new Tensor(md, dims, buffer(md, TrainBuffers.Kind.ACTIVATION));
        tensors.put(name, t);
        return t;
    }

    /** @return {@code pd}, to be destroyed on close */
    dnnl_primitive_desc own(dnnl_primitive_desc pd) {
        descs.add(pd);
        return pd;
    }

    /** @return a memory object of layout {@code md} over {@code data} (borrowed), destroyed on close */
    dnnl_memory own(dnnl_memory_desc_t md, Pointer data) {
        dnnl_memory m = Dnnl.wrap(md, engine, data);
        owned.add(m);
        return m;
    }

    /**
     * @return a zeroed buffer of its own with room for {@code md}, deallocated on close (for data read or written
     *     outside the steps: masks, batch statistics)
     */
    FloatPointer floats(dnnl_memory_desc_t md) {
        long n = dnnl_memory_desc_get_size(md) / Float.BYTES;
        FloatPointer p = new FloatPointer(Math.max(1, n));
        p.zero();
        buffers.add(p);
        return p;
    }

    /**
     * @return a memory object of layout {@code md} over a buffer placed by liveness once the plan is built
     *     ({@link #place}): only the steps may read or write it, unless it is {@link #pin pinned}
     */
    dnnl_memory buffer(dnnl_memory_desc_t md) {
        return buffer(md, TrainBuffers.Kind.OTHER);
    }

    private dnnl_memory buffer(dnnl_memory_desc_t md, TrainBuffers.Kind kind) {
        dnnl_memory m = own(md, null);
        placed.add(m, md, kind);
        return m;
    }

    /** @return a memory object of layout {@code md} over the buffer of {@code of} (a {@link #buffer}), at its start */
    dnnl_memory view(dnnl_memory_desc_t md, dnnl_memory of) {
        dnnl_memory m = own(md, null);
        placed.view(m, of);
        return m;
    }

    /** Gives {@code m} (a {@link #buffer}) a zeroed buffer of its own, for reading or writing outside the steps. */
    void pin(dnnl_memory m) {
        placed.pin(m);
    }

    /** Places every {@link #buffer} by liveness over the steps built so far; call once, when the plan is built. */
    void place() {
        placed.place(forward.size());
    }

    /** @return bytes the plan's buffers take placed, and (second) what they would take each in a buffer of its own */
    long[] bytes() {
        return new long[] {placed.bytes(), placed.unplacedBytes()};
    }

    /** @return what the plan's buffers would take each in its own buffer, by kind, and what they take placed */
    String report() {
        return String.format("%s; oneDNN's scratchpads (its memory consumption per primitive): largest %.1f MB, all %.1f MB",
                placed.report(), scratchpadMax / 1e6, scratchpadSum / 1e6);
    }

    /** @return a plain memory object over {@code data} (borrowed) */
    dnnl_memory wrap(long[] dims, FloatPointer data) {
        return own(plain(dims), data);
    }

    /** Gives {@code t} a gradient buffer (placed by liveness: written before read) unless it has one. */
    void gradOf(Tensor t) {
        if (withGrad.add(t)) {
            t.grad = buffer(t.md, TrainBuffers.Kind.GRADIENT);
        }
    }

    /**
     * Makes {@code from}'s gradient buffer {@code t}'s too, when nothing has sent {@code t} a gradient yet and the
     * layouts agree (an addition's input: its gradient is the output's, which nothing reads after the addition).
     *
     * @return whether it did
     */
    boolean shareGradient(Tensor t, Tensor from) {
        if (withGrad.contains(t) || !Dnnl.same(t.md, from.md)) {
            return false;
        }
        withGrad.add(t);
        t.grad = from.grad;
        t.written = true;
        return true;
    }

    void reorder(List<Step> into, dnnl_memory_desc_t fromMd, dnnl_memory from, dnnl_memory_desc_t toMd,
            dnnl_memory to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_reorder_primitive_desc_create(pd, fromMd, engine, toMd, engine, null), "reorder");
        descs.add(pd);
        step(into, pd, new int[] {DNNL_ARG_FROM, DNNL_ARG_TO}, from, to);
    }

    /** Adds to {@code into} the element-wise binary operation {@code alg} of {@code a} and {@code b} into {@code dst}. */
    void binary(List<Step> into, int alg, dnnl_memory_desc_t md, dnnl_memory a, dnnl_memory b, dnnl_memory dst,
            String what) {
        dnnl_binary_desc_t d = new dnnl_binary_desc_t();
        Dnnl.check(dnnl_binary_desc_init(d, alg, md, md, md), what);
        dnnl_primitive_desc pd = Dnnl.describe(d, null, engine, what);
        descs.add(pd);
        step(into, pd, new int[] {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1, DNNL_ARG_DST}, a, b, dst);
    }

    void step(List<Step> into, dnnl_primitive_desc pd, int[] kinds, dnnl_memory... memories) {
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(kinds.length);
        boolean fwd = into == forward;
        for (int i = 0; i < kinds.length; i++) {
            args.position(i).arg(kinds[i]).memory(memories[i]);
            placed.use(memories[i], kinds[i], fwd, into.size());
        }
        into.add(new Step(Dnnl.primitive(pd, "training step"), args.position(0), kinds.length));
        try (LongPointer extra = new LongPointer(1)) { // the primitive's scratchpad, which oneDNN allocates
            if (dnnl_primitive_desc_query(pd, dnnl_query_memory_consumption_s64, 0, extra) == dnnl_success) {
                scratchpadMax = Math.max(scratchpadMax, extra.get());
                scratchpadSum += extra.get();
            }
        }
    }

    /** Executes {@code steps} in order and waits for them. */
    void run(List<Step> steps) {
        for (Step s : steps) {
            Dnnl.check(dnnl_primitive_execute(s.primitive(), stream, s.count(), s.args()), "execute");
        }
        Dnnl.check(dnnl_stream_wait(stream), "wait");
    }

    static Pointer handle(dnnl_memory m) {
        PointerPointer<Pointer> p = new PointerPointer<>(1);
        Dnnl.check(dnnl_memory_get_data_handle(m, p), "data handle");
        return p.get(0);
    }

    /**
     * Where an operation writes the gradient of its input, in the layout {@code md} it writes: the tensor's own
     * gradient buffer when it is the first writer and the layouts agree, else a temporary that is reordered and/or
     * added into it (by backward steps that {@link #finish()} adds after the operation's own).
     */
    final class Target {
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
            this.memory = direct ? tensor.grad : buffer(md, TrainBuffers.Kind.GRADIENT);
        }

        void finish() {
            if (direct) {
                return;
            }
            dnnl_memory same = memory;
            if (!Dnnl.same(md, tensor.md)) {
                same = add ? buffer(tensor.md, TrainBuffers.Kind.GRADIENT) : tensor.grad;
                reorder(backward, md, memory, tensor.md, same);
            }
            if (!add) {
                return;
            }
            binary(backward, dnnl_binary_add, tensor.md, tensor.grad, same, tensor.grad, "gradient sum");
        }
    }

    /** @return where to write the gradient of {@code name} in layout {@code md}, or null for the network's input */
    Target target(String name, dnnl_memory_desc_t md) {
        if (isInput(name)) {
            return null;
        }
        Tensor t = tensors.get(name);
        gradOf(t);
        boolean add = t.written;
        t.written = true;
        return new Target(t, md, add);
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

    /** @return {@code perExample} with the batch size in front */
    long[] full(long[] perExample) {
        long[] d = new long[perExample.length + 1];
        d[0] = batch;
        System.arraycopy(perExample, 0, d, 1, perExample.length);
        return d;
    }

    /** Destroys every primitive, descriptor and memory object, and frees every buffer, it owns; idempotent. */
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
        placed.close();
    }
}
