package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Weights and biases in the layouts the primitives asked for, reordered once and shared by every
 * batch size's plan that asks for the same layout. Owned by one {@link CompiledGraph}; used under its lock.
 */
final class Weights implements AutoCloseable {
    private record Entry(dnnl_memory_desc_t md, dnnl_memory memory) {
    }

    private final dnnl_engine engine;
    private final dnnl_stream stream;
    private final Map<String, List<Entry>> byKey = new HashMap<>();

    Weights(dnnl_engine engine, dnnl_stream stream) {
        this.engine = engine;
        this.stream = stream;
    }

    /**
     * @param key which parameter (operation name and kind)
     * @param values its values in the plain layout {@code plainTag} of {@code dims}
     * @param want the layout the primitive wants
     * @return a memory holding {@code values} in layout {@code want}
     */
    dnnl_memory get(String key, float[] values, long[] dims, int plainTag, dnnl_memory_desc_t want) {
        List<Entry> entries = byKey.computeIfAbsent(key, k -> new ArrayList<>());
        for (Entry e : entries) {
            if (Dnnl.same(e.md(), want)) {
                return e.memory();
            }
        }
        dnnl_memory target = Dnnl.allocate(want, engine);
        try (FloatPointer data = new FloatPointer(values)) {
            dnnl_memory_desc_t plain = Dnnl.md(dims, plainTag);
            dnnl_memory source = Dnnl.wrap(plain, engine, data);
            try {
                reorder(plain, source, want, target);
            } finally {
                dnnl_memory_destroy(source);
            }
        }
        entries.add(new Entry(Dnnl.copy(want), target));
        return target;
    }

    private void reorder(dnnl_memory_desc_t fromMd, dnnl_memory from, dnnl_memory_desc_t toMd, dnnl_memory to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        Dnnl.check(dnnl_reorder_primitive_desc_create(pd, fromMd, engine, toMd, engine, null), "weights reorder");
        dnnl_primitive p = Dnnl.primitive(pd, "weights reorder");
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(2)) {
            args.position(0).arg(DNNL_ARG_FROM).memory(from);
            args.position(1).arg(DNNL_ARG_TO).memory(to);
            Dnnl.check(dnnl_primitive_execute(p, stream, 2, args.position(0)), "weights reorder");
            Dnnl.check(dnnl_stream_wait(stream), "weights reorder");
        } finally {
            dnnl_primitive_destroy(p);
            dnnl_primitive_desc_destroy(pd);
        }
    }

    /** @return bytes held */
    long bytes() {
        long n = 0;
        for (List<Entry> l : byKey.values()) {
            for (Entry e : l) {
                n += org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size(e.md());
            }
        }
        return n;
    }

    @Override
    public void close() {
        for (List<Entry> l : byKey.values()) {
            for (Entry e : l) {
                dnnl_memory_destroy(e.memory());
            }
        }
        byKey.clear();
    }
}
