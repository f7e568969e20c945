package org.transferkit.runtime;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Puts DL4J's oneDNN layer helpers on a graph's convolution and pooling layers, on the CPU backend.
 *
 * <p>DL4J 1.0.0-M2.1 never uses them by itself: the system property
 * {@code org.eclipse.deeplearning4j.helpers.disable} defaults to true, and even when it is set to false,
 * {@code BaseMKLDNNHelper.mklDnnEnabled()} looks for the class {@code org.nd4j.nativeblas.Nd4jCpu$Environment},
 * which no longer exists, so every helper is dropped. Layers then run a Java im2col + gemm path. This
 * class constructs the helpers (public DL4J classes) and sets them on each layer instance's
 * {@code helper} field, the field DL4J itself fills when its check passes; no DL4J class is patched or
 * shadowed. The layers' own fallback stays: a helper that fails falls back to the built-in path.
 *
 * <p>On by default ({@link RuntimeOptions#cpuHelpers()}); the caller says whether it is wanted. Stateless;
 * {@link #apply} mutates the graph's layers and must not run while the graph is in use by another thread.
 */
public final class CpuHelpers {
    private CpuHelpers() {
    }

    /**
     * @param wanted whether the caller wants the helpers
     * @return whether helpers will be set: wanted and the loaded ND4J backend is the CPU one
     */
    public static boolean enabled(boolean wanted) {
        return wanted && "CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
    }

    /**
     * {@link #apply(ComputationGraph, boolean)} with {@link RuntimeOptions#defaults()} (helpers on).
     *
     * @param graph an initialised graph; its layers are modified
     * @return the number of layers given a helper
     * @throws IllegalStateException if DL4J's layer classes no longer have the field (another DL4J version)
     */
    public static int apply(ComputationGraph graph) {
        return apply(graph, RuntimeOptions.defaults());
    }

    /**
     * {@link #apply(ComputationGraph, boolean)} with {@link RuntimeOptions#cpuHelpers()}.
     *
     * @param graph an initialised graph; its layers are modified
     * @param options the run-time options
     * @return the number of layers given a helper
     * @throws IllegalStateException if DL4J's layer classes no longer have the field (another DL4J version)
     */
    public static int apply(ComputationGraph graph, RuntimeOptions options) {
        return apply(graph, options.cpuHelpers());
    }

    /**
     * Sets oneDNN helpers on the graph's standard convolution and pooling layers if {@link #enabled(boolean)}.
     *
     * @param graph an initialised graph; its layers are modified
     * @param on whether helpers are wanted
     * @return the number of layers given a helper (0 when {@code on} is false or not on the CPU backend)
     * @throws IllegalStateException if DL4J's layer classes no longer have the field (another DL4J version)
     */
    public static int apply(ComputationGraph graph, boolean on) {
        if (!enabled(on)) {
            return 0;
        }
        int n = 0;
        for (GraphVertex v : graph.getVertices()) {
            if (!v.hasLayer()) {
                continue;
            }
            Layer l = v.getLayer();
            while (l instanceof BaseWrapperLayer w) {
                l = w.getUnderlying();
            }
            if (l.getClass() == ConvolutionLayer.class) {
                n += set(ConvolutionLayer.class, l, new MKLDNNConvHelper(l.getParam("W").dataType()));
            } else if (l.getClass() == SubsamplingLayer.class) {
                n += set(SubsamplingLayer.class, l, new MKLDNNSubsamplingHelper(Nd4j.defaultFloatingPointType()));
            }
        }
        return n;
    }

    private static int set(Class<?> owner, Layer layer, Object helper) {
        try {
            Field f = owner.getDeclaredField("helper");
            f.setAccessible(true);
            if (f.get(layer) != null) {
                return 0;
            }
            f.set(layer, helper);
            return 1;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot set DL4J's oneDNN helper on " + owner.getSimpleName()
                    + " (a DL4J version other than 1.0.0-M2.1?); turn CPU helpers off (RuntimeOptions.Builder.cpuHelpers(false)) "
                    + "to run without: " + e, e);
        }
    }
}
