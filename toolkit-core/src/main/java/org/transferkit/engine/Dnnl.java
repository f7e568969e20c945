package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_equal;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_eltwise;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_append_sum;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_post_ops_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_post_ops;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_impl_info_str;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import java.util.List;
import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/** Small helpers over oneDNN's C API (as JavaCPP maps it). Stateless; every failure is an exception. */
final class Dnnl {
    /** oneDNN's {@code DNNL_MEMORY_ALLOCATE}: let the library allocate a memory's buffer. */
    private static final Pointer ALLOCATE = new Pointer() {
        {
            address = -1L;
        }
    };

    private Dnnl() {
    }

    /** @return a new CPU engine (destroyed by its owner's close) */
    static dnnl_engine cpuEngine() {
        dnnl_engine e = new dnnl_engine();
        check(dnnl_engine_create(e, dnnl_cpu, 0), "CPU engine");
        return e;
    }

    /** @return a new in-order stream on {@code engine} (destroyed by its owner's close) */
    static dnnl_stream stream(dnnl_engine engine) {
        dnnl_stream s = new dnnl_stream();
        check(dnnl_stream_create(s, engine, dnnl_stream_default_flags), "stream");
        return s;
    }

    /** @throws IllegalStateException naming {@code what} and oneDNN's status if {@code status} is not success */
    static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN failed at " + what + ": " + status(status));
        }
    }

    private static String status(int s) {
        String[] names = {"success", "out of memory", "invalid arguments", "unimplemented", "iterator ends", "runtime error",
            "not required"};
        return s >= 0 && s < names.length ? names[s] + " (" + s + ")" : "status " + s;
    }

    /** @return a memory descriptor of {@code dims} in format {@code tag} (f32) */
    static dnnl_memory_desc_t md(long[] dims, int tag) {
        dnnl_memory_desc_t m = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(m, dims.length, dims, org.bytedeco.dnnl.global.dnnl.dnnl_f32, tag), "memory desc");
        return m;
    }

    /** @return a memory descriptor of {@code dims} (f32) whose elements lie {@code strides} apart, per dimension */
    static dnnl_memory_desc_t strided(long[] dims, long[] strides) {
        dnnl_memory_desc_t m = new dnnl_memory_desc_t();
        check(org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_init_by_strides(m, dims.length, dims,
                org.bytedeco.dnnl.global.dnnl.dnnl_f32, strides), "memory desc");
        return m;
    }

    /** @return an owned copy of a descriptor that belongs to a primitive descriptor */
    static dnnl_memory_desc_t copy(dnnl_memory_desc_t md) {
        dnnl_memory_desc_t c = new dnnl_memory_desc_t();
        Pointer.memcpy(c, md, c.sizeof());
        return c;
    }

    /** @return true if both describe the same layout */
    static boolean same(dnnl_memory_desc_t a, dnnl_memory_desc_t b) {
        return dnnl_memory_desc_equal(a, b) == 1;
    }

    /** @return a memory whose buffer oneDNN allocates (free with dnnl_memory_destroy) */
    static dnnl_memory allocate(dnnl_memory_desc_t md, dnnl_engine engine) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, engine, ALLOCATE), "allocating memory");
        return m;
    }

    /** @return a memory over a caller's buffer (null: set one before use) */
    static dnnl_memory wrap(dnnl_memory_desc_t md, dnnl_engine engine, Pointer handle) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, md, engine, handle), "wrapping memory");
        return m;
    }

    /** @return a primitive descriptor for an operation descriptor, with post-ops from {@code post} */
    static dnnl_primitive_desc describe(Pointer opDesc, List<Op.Post> post, dnnl_engine engine, String what) {
        return describe(opDesc, post, engine, what, false);
    }

    /**
     * @param userScratchpad the primitive takes its scratchpad as an argument ({@code DNNL_ARG_SCRATCHPAD}) instead of
     *     using the library's, which is per thread and sized on the thread that made the primitive
     * @return a primitive descriptor for an operation descriptor, with post-ops from {@code post}
     */
    static dnnl_primitive_desc describe(Pointer opDesc, List<Op.Post> post, dnnl_engine engine, String what, boolean userScratchpad) {
        return describe(opDesc, post, engine, what, userScratchpad, false);
    }

    /**
     * As {@link #describe(Pointer, List, dnnl_engine, String, boolean)} with a user scratchpad, for an algorithm oneDNN
     * may not implement for this shape or machine.
     *
     * @return the primitive descriptor, or null if oneDNN has no implementation of it
     */
    static dnnl_primitive_desc describeIfImplemented(Pointer opDesc, List<Op.Post> post, dnnl_engine engine, String what) {
        return describe(opDesc, post, engine, what, true, true);
    }

    private static dnnl_primitive_desc describe(Pointer opDesc, List<Op.Post> post, dnnl_engine engine, String what,
            boolean userScratchpad, boolean unimplementedIsNull) {
        dnnl_primitive_attr attr = null;
        dnnl_post_ops ops = null;
        if (userScratchpad) {
            attr = userScratchpad();
        }
        if (post != null && !post.isEmpty()) {
            ops = new dnnl_post_ops();
            check(dnnl_post_ops_create(ops), "post-ops");
            for (Op.Post p : post) {
                if (p.sumWith() != null) {
                    check(dnnl_post_ops_append_sum(ops, 1f), "sum post-op of " + what);
                } else {
                    check(dnnl_post_ops_append_eltwise(ops, 1f, p.act().alg(), p.act().alpha(), p.act().beta()), "activation of " + what);
                }
            }
            if (attr == null) {
                attr = new dnnl_primitive_attr();
                check(dnnl_primitive_attr_create(attr), "attributes");
            }
            check(dnnl_primitive_attr_set_post_ops(attr, ops), "post-ops of " + what);
        }
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        try {
            int status = dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), attr, engine, null);
            if (unimplementedIsNull && status == org.bytedeco.dnnl.global.dnnl.dnnl_unimplemented) {
                return null;
            }
            check(status, what);
        } finally {
            if (ops != null) {
                dnnl_post_ops_destroy(ops);
            }
            if (attr != null) {
                org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy(attr);
            }
        }
        return pd;
    }

    /** @return new attributes asking for a user-provided scratchpad (destroy with dnnl_primitive_attr_destroy) */
    static dnnl_primitive_attr userScratchpad() {
        dnnl_primitive_attr attr = new dnnl_primitive_attr();
        check(dnnl_primitive_attr_create(attr), "attributes");
        check(org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode(attr,
                org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user), "scratchpad mode");
        return attr;
    }

    /** @return a primitive descriptor of a backward operation, guided by its forward primitive's descriptor */
    static dnnl_primitive_desc describeBackward(Pointer opDesc, dnnl_engine engine, dnnl_primitive_desc forward, String what) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), null, engine, forward), "backward of " + what);
        return pd;
    }

    /** @return the primitive of a primitive descriptor */
    static dnnl_primitive primitive(dnnl_primitive_desc pd, String what) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), what);
        return p;
    }

    /** @return an owned copy of the descriptor a primitive wants for {@code query} (a dnnl_query_*_md) */
    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int query) {
        return copy(dnnl_primitive_desc_query_md(pd, query, 0));
    }

    /** @return the implementation oneDNN chose, e.g. {@code jit:avx2} */
    static String implementation(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> out = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out), "implementation query");
        return out.getString(0);
    }
}
