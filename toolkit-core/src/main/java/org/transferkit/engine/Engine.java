package org.transferkit.engine;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.transferkit.model.InputShape;

/**
 * Where the compiled engine is used, and what executes it. On by default: with the oneDNN executor on
 * ND4J's CPU backend where oneDNN's natives exist (linux-x86_64, linux-arm64, macosx-x86_64,
 * windows-x86_64), with ND4J's own operations elsewhere (the CUDA backend, where they run on cuDNN).
 * The switch is {@code -Dtransferkit.engine=auto|onednn|nd4j|dl4j} or the environment variable
 * {@code TRANSFERKIT_ENGINE}; {@code dl4j} turns the engine off and every layer runs on DL4J as before. A
 * graph the engine does not cover runs on DL4J too, and the reason is logged. Stateless apart from a
 * once-computed availability; thread-safe.
 */
public final class Engine {
    /** System property choosing the engine: {@code auto} (default), {@code onednn}, {@code nd4j} or {@code dl4j}. */
    public static final String PROPERTY = "transferkit.engine";
    /** Environment variable with the same meaning; the system property wins. */
    public static final String ENV = "TRANSFERKIT_ENGINE";

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static volatile String unavailable;
    private static volatile boolean checked;

    private Engine() {
    }

    /** What runs compiled layers. */
    public enum Executor {
        /** oneDNN primitives with fused, blocked-layout execution: ND4J's CPU backend with oneDNN's natives. */
        ONEDNN,
        /** ND4J's own operations on the loaded backend (cuDNN on the CUDA backend's {@code -cudnn} build). */
        ND4J
    }

    /**
     * @return true unless the switch says {@code dl4j}
     * @throws IllegalArgumentException if the switch has a value other than {@code auto}, {@code onednn}, {@code nd4j} or
     *     {@code dl4j}
     */
    public static boolean enabled() {
        return !switchValue().equals("dl4j");
    }

    /**
     * @return the executor the switch asks for: {@code auto} (the default) picks oneDNN where it is available and ND4J's
     *     own operations elsewhere ({@link #tryCompile} uses those only off the CPU: on the CUDA backend);
     *     {@code onednn} and {@code nd4j} force one
     * @throws IllegalArgumentException if the switch has a bad value
     */
    public static Executor executor() {
        return switch (switchValue()) {
            case "nd4j" -> Executor.ND4J;
            case "onednn" -> Executor.ONEDNN;
            default -> available() ? Executor.ONEDNN : Executor.ND4J;
        };
    }

    private static String switchValue() {
        String v = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (v == null || v.isBlank()) {
            v = System.getenv(ENV);
            source = ENV;
        }
        if (v == null || v.isBlank()) {
            return "auto";
        }
        String s = v.trim().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "onednn", "nd4j", "dl4j").contains(s)) {
            throw new IllegalArgumentException(source + "=" + v + " is not an engine; use auto (default: onednn on the CPU, "
                    + "nd4j elsewhere), onednn, nd4j or dl4j");
        }
        return s;
    }

    /** @return true if the oneDNN executor can run here (CPU backend, oneDNN natives load) */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** @return why the oneDNN executor cannot run here, or null if it can */
    public static String unavailableReason() {
        if (!checked) {
            synchronized (Engine.class) {
                if (!checked) {
                    unavailable = probe();
                    checked = true;
                }
            }
        }
        return unavailable;
    }

    private static boolean cpuBackend() {
        return Nd4j.getBackend().getClass().getName().toLowerCase(Locale.ROOT).contains("cpu");
    }

    private static String probe() {
        String backend = Nd4j.getBackend().getClass().getName();
        if (!cpuBackend()) {
            return "ND4J backend " + backend + " is not the CPU backend (the engine runs on the CPU)";
        }
        try {
            Loader.load(org.bytedeco.dnnl.global.dnnl.class);
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            return "oneDNN natives for " + Loader.getPlatform() + " did not load (" + e + ")";
        }
    }

    /**
     * Compiles {@code graph} up to {@code vertex} when the engine is on and covers it.
     *
     * @param graph an initialized graph; only read
     * @param vertex the vertex whose activations are wanted
     * @param input the per-example input shape
     * @return the compiled graph (close it), or empty to run on DL4J; the reason is logged
     * @throws IllegalArgumentException if {@code vertex} is not in the graph, or the switch has a bad value
     */
    public static Optional<CompiledGraph> tryCompile(ComputationGraph graph, String vertex, InputShape input) {
        if (!enabled()) {
            LOG.debug("engine switched off ({}=dl4j): DL4J runs every layer", PROPERTY);
            return Optional.empty();
        }
        Executor executor = executor();
        if (executor == Executor.ONEDNN && !available()) {
            LOG.info("oneDNN executor not available, DL4J runs every layer: {}", unavailableReason());
            return Optional.empty();
        }
        if (executor == Executor.ND4J && switchValue().equals("auto") && cpuBackend()) {
            // measured here: on the CPU, ND4J's operations beat DL4J on ResNet50 but not on SqueezeNet; keep DL4J
            LOG.info("oneDNN executor not available on this CPU, DL4J runs every layer (-D{}=nd4j to use ND4J's "
                    + "operations): {}", PROPERTY, unavailableReason());
            return Optional.empty();
        }
        try {
            return Optional.of(CompiledGraph.compile(graph, vertex, input, executor));
        } catch (UnsupportedOperationException e) {
            LOG.info("compiled engine does not cover this graph, DL4J runs it: {}", e.getMessage());
            return Optional.empty();
        } catch (IllegalStateException e) {
            LOG.warn("compiled engine failed to build this graph, DL4J runs it", e);
            return Optional.empty();
        }
    }
}
