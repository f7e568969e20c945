package org.transferkit.engine;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Activation buffers of one {@link Plan}, reused once the tensor in them has been read for the last
 * time: a plan asks for a buffer per tensor in execution order and gives it back after its last reader,
 * so memory follows the widest point of the network rather than the sum of all its layers. Buffers are
 * 64-byte aligned. Not thread-safe; used while a plan is built and freed with it.
 */
final class Arena implements AutoCloseable {
    private static final int ALIGN = 64;

    /** A buffer: its allocation and its aligned start. */
    static final class Block {
        private final BytePointer raw;
        private final long capacity;
        private final Pointer start;

        private Block(long capacity) {
            this.raw = new BytePointer(capacity + ALIGN);
            this.capacity = capacity;
            long shift = (ALIGN - raw.address() % ALIGN) % ALIGN;
            this.start = new BytePointer(raw).position(shift);
        }

        Pointer start() {
            return start;
        }
    }

    private final List<Block> free = new ArrayList<>();
    private final List<Block> all = new ArrayList<>();

    /** @return the smallest free buffer of at least {@code bytes}, or a new one */
    Block take(long bytes) {
        Block best = null;
        for (Block b : free) {
            if (b.capacity >= bytes && (best == null || b.capacity < best.capacity)) {
                best = b;
            }
        }
        if (best != null) {
            free.remove(best);
            return best;
        }
        Block b = new Block(bytes);
        all.add(b);
        return b;
    }

    /** Makes {@code b} available again; its contents are no longer needed. */
    void give(Block b) {
        free.add(b);
    }

    /** @return bytes allocated */
    long bytes() {
        return all.stream().mapToLong(b -> b.capacity).sum();
    }

    @Override
    public void close() {
        for (Block b : all) {
            b.raw.deallocate();
        }
        all.clear();
        free.clear();
    }
}
