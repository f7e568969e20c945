package org.transferkit.engine;

import java.util.Objects;
import java.util.function.UnaryOperator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.model.InputShape;

/**
 * Runs a graph up to one vertex batch after batch: on the compiled engine when the {@link EngineMode} turns it
 * on and {@link Engine} covers the graph (compiled on the first batch, for that batch's input shape), else
 * through a DL4J fallback. The graph's
 * weights must not change while it is in use. Not thread-safe; holds native memory: close it.
 */
public final class Runner implements AutoCloseable {
    private final ComputationGraph graph;
    private final String vertex;
    private final UnaryOperator<INDArray> fallback;
    private final EngineMode mode;
    private CompiledGraph compiled;
    private boolean tried;

    /**
     * A runner in the default mode, {@link EngineMode#AUTO}.
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations {@link #output} returns
     * @param fallback computes the same on DL4J (used when the engine is off or does not cover the graph)
     */
    public Runner(ComputationGraph graph, String vertex, UnaryOperator<INDArray> fallback) {
        this(graph, vertex, fallback, EngineMode.AUTO);
    }

    /**
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations {@link #output} returns
     * @param fallback computes the same on DL4J (used when the engine is off or does not cover the graph)
     * @param mode the engine mode ({@link EngineMode#DL4J}: always the fallback)
     */
    public Runner(ComputationGraph graph, String vertex, UnaryOperator<INDArray> fallback, EngineMode mode) {
        this.graph = Objects.requireNonNull(graph, "graph");
        this.vertex = Objects.requireNonNull(vertex, "vertex");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /**
     * @param graph an initialized single-output graph; only read
     * @return a runner of the whole graph in the default mode, {@link EngineMode#AUTO}, falling back to
     *     {@code graph.output(false, x)}
     */
    public static Runner ofOutput(ComputationGraph graph) {
        return ofOutput(graph, EngineMode.AUTO);
    }

    /**
     * @param graph an initialized single-output graph; only read
     * @param mode the engine mode
     * @return a runner of the whole graph, falling back to {@code graph.output(false, x)}
     */
    public static Runner ofOutput(ComputationGraph graph, EngineMode mode) {
        return new Runner(graph, graph.getConfiguration().getNetworkOutputs().get(0), x -> graph.output(false, x)[0], mode);
    }

    /**
     * @param images batch x C x H x W; not modified
     * @return the vertex's activations for the batch
     */
    public INDArray output(INDArray images) {
        if (!tried) {
            tried = true;
            long[] s = images.shape();
            if (s.length == 4) {
                compiled = Engine.tryCompile(graph, vertex, new InputShape((int) s[1], (int) s[2], (int) s[3]), mode)
                        .orElse(null);
            }
        }
        return compiled != null ? compiled.output(images) : fallback.apply(images);
    }

    /** @return true once a batch has run on the compiled engine */
    public boolean compiled() {
        return compiled != null;
    }

    /** Frees the engine's native memory (not the graph). Idempotent. */
    @Override
    public void close() {
        if (compiled != null) {
            compiled.close();
            compiled = null;
        }
    }
}
