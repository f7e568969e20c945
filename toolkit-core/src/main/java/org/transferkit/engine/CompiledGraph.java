package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.model.InputShape;

/**
 * The part of a DL4J graph that one vertex depends on, compiled (see the package description) and run
 * by one {@link Engine.Executor}: oneDNN primitives, or ND4J's own operations. It copies the graph's
 * weights when compiled: later changes to the graph are not seen. oneDNN plans are made per batch size
 * on first use and the two most recent are kept.
 *
 * A light program's batch runs cut into parts side by side, one thread each ({@link BatchParts}).
 *
 * <p>Thread-safe: calls to {@link #output} are serialized (each already uses every core it is given).
 * Holds native memory: close it.
 */
public final class CompiledGraph implements AutoCloseable {
    private static final int PLANS_KEPT = 2;

    private final Lowering.Program program;
    private final String vertex;
    private final Engine.Executor executor;
    private final dnnl_engine engine;
    private final dnnl_stream stream;
    private final Weights weights;
    private final OpsProgram ops;
    private final long[] outputShape;
    private final Layout layout;
    /** 3x3 stride-1 convolutions run with Winograd's algorithm where oneDNN has it ({@code Plan}). */
    private final boolean winograd;
    /** Below {@link Layout#LIGHT_MACS}: batches are cut into parts that run side by side. */
    private final boolean light;
    private final PlanCache<BatchParts> plans = new PlanCache<>(PLANS_KEPT);
    /** Runs a light program's batch parts after the first ({@link BatchParts}); made on first use. */
    private ExecutorService workers;
    private boolean closed;

    private CompiledGraph(Lowering.Program program, String vertex, Engine.Executor executor, Layout layout, boolean winograd) {
        this.program = program;
        this.layout = layout;
        this.winograd = winograd;
        this.light = Layout.macs(program) < Layout.LIGHT_MACS;
        this.vertex = vertex;
        this.executor = executor;
        this.outputShape = program.ops().stream().filter(o -> o.name.equals(program.output())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no operation produces " + program.output())).shape.clone();
        if (executor == Engine.Executor.ND4J) {
            this.ops = new OpsProgram(program);
            this.engine = null;
            this.stream = null;
            this.weights = null;
            return;
        }
        this.ops = null;
        dnnl_engine e = Dnnl.cpuEngine();
        dnnl_stream s = Dnnl.stream(e);
        this.engine = e;
        this.stream = s;
        this.weights = new Weights(e, s);
    }

    /**
     * Compiles {@code graph} from its input up to {@code vertex} with the executor of {@link EngineMode#AUTO}.
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations {@link #output} returns
     * @param input the per-example input shape
     * @return the compiled graph (close it)
     * @throws IllegalArgumentException if {@code vertex} is not in the graph
     * @throws UnsupportedOperationException naming the first vertex the engine cannot run, and what it runs
     */
    public static CompiledGraph compile(ComputationGraph graph, String vertex, InputShape input) {
        return compile(graph, vertex, input, EngineMode.AUTO);
    }

    /**
     * Compiles {@code graph} from its input up to {@code vertex} with the executor {@code mode} asks for
     * ({@link Engine#executor(EngineMode)}).
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations {@link #output} returns
     * @param input the per-example input shape
     * @param mode {@link EngineMode#AUTO}, {@link EngineMode#ONEDNN} or {@link EngineMode#ND4J}
     * @return the compiled graph (close it)
     * @throws IllegalArgumentException if {@code mode} is {@link EngineMode#DL4J} (nothing to compile), or
     *     {@code vertex} is not in the graph
     * @throws UnsupportedOperationException naming the first vertex the engine cannot run, and what it runs
     * @throws IllegalStateException if {@code mode} is {@link EngineMode#ONEDNN} and oneDNN's natives are not
     *     available ({@link Engine#available()})
     */
    public static CompiledGraph compile(ComputationGraph graph, String vertex, InputShape input, EngineMode mode) {
        if (!Engine.enabled(mode)) {
            throw new IllegalArgumentException("engine mode " + mode.id() + " runs every layer on DL4J: nothing to "
                    + "compile; valid here: " + EngineMode.AUTO.id() + ", " + EngineMode.ONEDNN.id() + ", "
                    + EngineMode.ND4J.id());
        }
        return compile(graph, vertex, input, Engine.executor(mode));
    }

    /**
     * Compiles {@code graph} up to {@code vertex} for a given executor.
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations {@link #output} returns
     * @param input the per-example input shape
     * @param executor {@link Engine.Executor#ONEDNN} (CPU backend with oneDNN's natives) or
     *     {@link Engine.Executor#ND4J} (ND4J's own operations on any backend: cuDNN on the CUDA backend)
     * @return the compiled graph (close it)
     * @throws IllegalArgumentException if {@code vertex} is not in the graph
     * @throws UnsupportedOperationException naming the first vertex the engine cannot run, and what it runs
     * @throws IllegalStateException if the oneDNN executor is asked for where it cannot run
     */
    public static CompiledGraph compile(ComputationGraph graph, String vertex, InputShape input, Engine.Executor executor) {
        return compile(graph, vertex, input, executor, null);
    }

    /** As {@link #compile(ComputationGraph, String, InputShape, Engine.Executor)}, in {@code layout} (null: {@link Layout#of}). */
    static CompiledGraph compile(ComputationGraph graph, String vertex, InputShape input, Engine.Executor executor, Layout layout) {
        return compile(graph, vertex, input, executor, layout, true);
    }

    /**
     * As {@link #compile(ComputationGraph, String, InputShape, Engine.Executor, Layout)}; {@code winograd} false keeps
     * every convolution on oneDNN's direct algorithm (for comparisons: the library always passes true).
     */
    static CompiledGraph compile(ComputationGraph graph, String vertex, InputShape input, Engine.Executor executor, Layout layout,
            boolean winograd) {
        Objects.requireNonNull(graph, "graph");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(executor, "executor");
        if (executor == Engine.Executor.ONEDNN && !Engine.available()) {
            throw new IllegalStateException("the oneDNN executor is not available here: " + Engine.unavailableReason());
        }
        Lowering.Program p = Lowering.lower(graph, vertex, new long[] {input.channels(), input.height(), input.width()});
        CompiledGraph g = new CompiledGraph(p, vertex, executor,
                layout != null ? layout : executor == Engine.Executor.ONEDNN ? Layout.of(p) : Layout.CHOSEN, winograd);
        if (executor == Engine.Executor.ND4J) {
            return g;
        }
        try {
            g.plan(1); // creates every primitive once: a layout or primitive oneDNN refuses shows up here, not later
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    /**
     * Runs a batch through the compiled layers.
     *
     * @param images batch x C x H x W (NCHW) of the compiled input shape; not modified
     * @return the vertex's activations, batch x (its per-example shape), a new array
     * @throws IllegalArgumentException if the shape does not match
     * @throws IllegalStateException if closed
     */
    public synchronized INDArray output(INDArray images) {
        if (closed) {
            throw new IllegalStateException("compiled graph is closed");
        }
        long[] s = images.shape();
        long[] want = program.inputShape();
        if (s.length != 4 || s[1] != want[0] || s[2] != want[1] || s[3] != want[2] || s[0] < 1 || s[0] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("images have shape " + Arrays.toString(s) + "; expected [batch, " + want[0] + ", "
                    + want[1] + ", " + want[2] + "]");
        }
        if (ops != null) {
            return ops.output(images);
        }
        INDArray x = images.dataType() == DataType.FLOAT && images.ordering() == 'c' && !images.isView() && images.offset() == 0
                ? images : images.castTo(DataType.FLOAT).dup('c');
        BatchParts plan = plan((int) s[0]);
        long[] outShape = new long[outputShape.length + 1];
        outShape[0] = s[0];
        System.arraycopy(outputShape, 0, outShape, 1, outputShape.length);
        INDArray y = Nd4j.createUninitializedDetached(DataType.FLOAT, outShape);
        if (plan.parts() > 1 && workers == null) {
            workers = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "transferkit-engine-part");
                t.setDaemon(true);
                return t;
            });
        }
        plan.run(x.data().addressPointer(), y.data().addressPointer(), workers);
        return y;
    }

    /** @return the per-example shape {@link #output} returns after the batch dimension */
    public long[] outputShape() {
        return outputShape.clone();
    }

    /** @return the vertex this graph was compiled up to */
    public String vertex() {
        return vertex;
    }

    /** @return the lowered operations, one line each (fusions shown), for logs and reports */
    public List<String> operations() {
        return program.ops().stream().map(Op::toString).toList();
    }

    /**
     * @param batch a batch size (its plan is made if needed)
     * @return the oneDNN implementation of every primitive, e.g. {@code res2a_branch2a: jit_1x1:avx2}
     */
    public synchronized List<String> implementations(int batch) {
        if (ops != null) {
            return program.ops().stream().map(o -> o.name + ": nd4j " + o.kind.name().toLowerCase(java.util.Locale.ROOT)).toList();
        }
        return plan(batch).implementations();
    }

    /** @return how many parts a batch of {@code batch} runs in (its plan is made if needed) */
    synchronized int parts(int batch) {
        return ops != null ? 1 : plan(batch).parts();
    }

    /** @return how the oneDNN plans lay out feature maps */
    Layout layout() {
        return layout;
    }

    /** @return what runs the compiled layers */
    public Engine.Executor executor() {
        return executor;
    }

    /** @return bytes of weights held in oneDNN layouts */
    public synchronized long weightBytes() {
        return weights != null ? weights.bytes()
                : program.ops().stream().filter(o -> o.weights != null).mapToLong(o -> 4L * (o.weights.length + o.bias.length)).sum();
    }

    private BatchParts plan(int batch) {
        return plans.get(batch, b -> new BatchParts(program, b, partsFor(b), layout, winograd, engine, stream, weights,
                Lowering.product(program.inputShape()), Lowering.product(outputShape)));
    }

    /**
     * @return how many parts a batch of {@code batch} is cut into ({@link BatchParts}): for a light program
     *     ({@link Layout#LIGHT_MACS}) and more than one oneDNN thread on this thread, twice the threads (at most one
     *     example a part); else 1
     */
    private int partsFor(int batch) {
        int threads = light && DnnlThreads.available() ? DnnlThreads.max() : 1;
        return threads > 1 ? Math.min(2 * threads, batch) : 1;
    }

    /** Frees the native memory; later calls to {@link #output} throw. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        plans.close();
        if (workers != null) {
            workers.shutdown();
        }
        if (weights != null) {
            weights.close();
            dnnl_stream_destroy(stream);
            dnnl_engine_destroy(engine);
        }
    }
}
