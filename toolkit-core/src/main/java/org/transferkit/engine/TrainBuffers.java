package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The buffers of one {@link TrainMemory} (activations, gradients, reordered weights, workspaces, temporaries), placed
 * by liveness once the plan is built: every memory object that uses a buffer is created without data, each step that
 * reads or writes it extends the buffer's lifetime (from its first use to its last, the forward pass's steps before
 * the backward pass's), and {@link #place} gives buffers whose lifetimes overlap disjoint places in one allocation and
 * lets the others share (largest first, each at the lowest offset free for its lifetime). So a gradient dies once the
 * last backward step has read it and an activation no backward step reads once the forward pass is past it, and the
 * step needs about its widest point rather than the sum of everything it touches.
 *
 * <p>A buffer gets a zeroed place of its own instead when the caller {@link #pin pins} it (read or written outside
 * the steps: the logits and their gradient), when its first use reads it (it relies on starting at zero), or when its
 * layout is not unpadded f32 (padding that must stay zero, workspaces). Contract: owns what {@link #place} allocates,
 * freed by {@link #close}; the memory objects stay their creator's. Not thread-safe; used while its plan is built.
 */
final class TrainBuffers implements AutoCloseable {
    private static final long ALIGN = 64;

    /** What a buffer holds, for {@link #report}. */
    enum Kind {
        /** a forward tensor's value (an operation's output or a reordered copy of one) */
        ACTIVATION,
        /** a tensor's gradient or a temporary of one */
        GRADIENT,
        /** anything else: reordered weights and their gradients, workspaces */
        OTHER
    }

    /** One buffer: its size, the memory objects over it, and where the steps use it. */
    private static final class Slot {
        final long bytes;
        final Kind kind;
        final boolean shareable;
        final List<dnnl_memory> views = new ArrayList<>();
        int forwardFirst = -1;
        int forwardLast = -1;
        int backwardFirst = -1;
        int backwardLast = -1;
        boolean firstForwardWrites;
        boolean firstBackwardWrites;
        boolean pinned;
        long first;
        long last;
        long offset = -1;

        Slot(long bytes, Kind kind, boolean shareable) {
            this.bytes = bytes;
            this.kind = kind;
            this.shareable = shareable;
        }

        boolean used() {
            return forwardFirst >= 0 || backwardFirst >= 0;
        }

        boolean shared() {
            return shareable && !pinned && used() && (forwardFirst >= 0 ? firstForwardWrites : firstBackwardWrites);
        }
    }

    private final Map<dnnl_memory, Slot> slotOf = new IdentityHashMap<>();
    private final List<Slot> slots = new ArrayList<>();
    private final List<Pointer> allocations = new ArrayList<>();
    private long sharedBytes;
    private boolean placed;

    /** Registers {@code m} (created without data) as a new buffer of layout {@code md}. */
    void add(dnnl_memory m, dnnl_memory_desc_t md, Kind kind) {
        requireUnplaced();
        long bytes = dnnl_memory_desc_get_size(md);
        long values = 1;
        for (int i = 0; i < md.ndims(); i++) {
            values *= md.dims().get(i);
        }
        Slot s = new Slot(bytes, kind, md.data_type() == dnnl_f32 && bytes == values * Float.BYTES);
        s.views.add(m);
        slots.add(s);
        slotOf.put(m, s);
    }

    /** Registers {@code view} (created without data) as another memory object over {@code of}'s buffer. */
    void view(dnnl_memory view, dnnl_memory of) {
        requireUnplaced();
        Slot s = slotOf.get(of);
        if (s == null) {
            throw new IllegalArgumentException("not a buffer of this plan");
        }
        s.views.add(view);
        slotOf.put(view, s);
    }

    /** Gives {@code m}'s buffer a place of its own (it is read or written outside the steps). */
    void pin(dnnl_memory m) {
        Slot s = slotOf.get(m);
        if (s != null) {
            s.pinned = true;
        }
    }

    /**
     * Records that step {@code position} of the forward (or backward) pass uses {@code m} as argument {@code arg};
     * memories that are no buffer of this plan (borrowed ones) are ignored.
     */
    void use(dnnl_memory m, int arg, boolean forward, int position) {
        Slot s = slotOf.get(m);
        if (s == null) {
            return;
        }
        requireUnplaced();
        boolean writes = arg == DNNL_ARG_DST || arg == DNNL_ARG_DIFF_SRC || arg == DNNL_ARG_DIFF_WEIGHTS
                || arg == DNNL_ARG_DIFF_BIAS || arg == DNNL_ARG_DIFF_SCALE || arg == DNNL_ARG_DIFF_SHIFT
                || (forward && arg == DNNL_ARG_WORKSPACE);
        if (forward) {
            if (s.forwardFirst < 0) {
                s.forwardFirst = position;
                s.firstForwardWrites = writes;
            }
            s.forwardLast = position;
        } else {
            if (s.backwardFirst < 0) {
                s.backwardFirst = position;
                s.firstBackwardWrites = writes;
            }
            s.backwardLast = position;
        }
    }

    /**
     * Allocates every buffer and sets the data of every memory object over it.
     *
     * @param forwardSteps the number of forward steps (the backward pass's positions follow them)
     */
    void place(int forwardSteps) {
        requireUnplaced();
        placed = true;
        List<Slot> shared = new ArrayList<>();
        for (Slot s : slots) {
            s.first = s.forwardFirst >= 0 ? s.forwardFirst : forwardSteps + (long) s.backwardFirst;
            s.last = s.backwardLast >= 0 ? forwardSteps + (long) s.backwardLast : s.forwardLast;
            if (s.shared()) {
                shared.add(s);
            } else if (s.used() || s.pinned) {
                BytePointer own = allocate(s.bytes);
                s.views.forEach(v -> Dnnl.check(dnnl_memory_set_data_handle(v, own), "buffer"));
            }
        }
        sharedBytes = offsets(shared);
        if (shared.isEmpty()) {
            return;
        }
        BytePointer base = allocate(sharedBytes + ALIGN);
        long shift = (ALIGN - base.address() % ALIGN) % ALIGN;
        for (Slot s : shared) {
            Pointer at = new BytePointer(base).position(shift + s.offset);
            s.views.forEach(v -> Dnnl.check(dnnl_memory_set_data_handle(v, at), "buffer"));
        }
    }

    /** Gives each slot the lowest aligned offset not used by a larger one alive at the same time; @return the total */
    private static long offsets(List<Slot> shared) {
        shared.sort(Comparator.comparingLong((Slot s) -> -s.bytes).thenComparingLong(s -> s.first));
        List<Slot> done = new ArrayList<>();
        long total = 0;
        for (Slot s : shared) {
            List<Slot> alive = new ArrayList<>();
            for (Slot p : done) {
                if (p.first <= s.last && s.first <= p.last) {
                    alive.add(p);
                }
            }
            alive.sort(Comparator.comparingLong(p -> p.offset));
            long off = 0;
            for (Slot p : alive) {
                if (off + s.bytes <= p.offset) {
                    break;
                }
                off = Math.max(off, align(p.offset + p.bytes));
            }
            s.offset = off;
            total = Math.max(total, off + s.bytes);
            done.add(s);
        }
        return total;
    }

    private static long align(long bytes) {
        return (bytes + ALIGN - 1) / ALIGN * ALIGN;
    }

    private BytePointer allocate(long bytes) {
        BytePointer p = new BytePointer(Math.max(1, bytes));
        p.zero();
        allocations.add(p);
        return p;
    }

    /** @return bytes allocated once placed */
    long bytes() {
        return allocations.stream().mapToLong(Pointer::capacity).sum();
    }

    /** @return bytes the buffers would take each in a place of its own */
    long unplacedBytes() {
        return slots.stream().mapToLong(s -> s.bytes).sum();
    }

    /**
     * @return one line: per kind the bytes a buffer of its own each would take, the activations the backward pass
     *     reads, and what {@link #place} allocated (the shared allocation and the buffers of their own)
     */
    String report() {
        Map<Kind, Long> sum = new EnumMap<>(Kind.class);
        long kept = 0;
        long own = 0;
        for (Slot s : slots) {
            sum.merge(s.kind, s.bytes, Long::sum);
            if (s.kind == Kind.ACTIVATION && s.forwardFirst >= 0 && s.backwardFirst >= 0) {
                kept += s.bytes;
            }
            if (!s.shared() && (s.used() || s.pinned)) {
                own += s.bytes;
            }
        }
        return String.format("each in its own buffer: activations %.1f MB (read by the backward pass %.1f MB), "
                + "gradients %.1f MB, other %.1f MB; placed by liveness: %.1f MB shared + %.1f MB in buffers of their own",
                mb(sum.getOrDefault(Kind.ACTIVATION, 0L)), mb(kept), mb(sum.getOrDefault(Kind.GRADIENT, 0L)),
                mb(sum.getOrDefault(Kind.OTHER, 0L)), mb(sharedBytes), mb(own));
    }

    private static double mb(long bytes) {
        return bytes / 1e6;
    }

    private void requireUnplaced() {
        if (placed) {
            throw new IllegalStateException("the plan's buffers are already placed");
        }
    }

    /** Frees what {@link #place} allocated; idempotent. */
    @Override
    public void close() {
        allocations.forEach(Pointer::deallocate);
        allocations.clear();
        slotOf.clear();
        slots.clear();
    }
}
