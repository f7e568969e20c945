package org.transferkit.runtime;

import java.lang.reflect.Field;
import java.util.Locale;
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
 * <p>On by default; the system property {@value #PROPERTY} or the environment variable {@value #ENV}
 * set to {@code false} turns it off. Stateless; {@link #apply} mutates the graph's layers and must not
 * run while the graph is in use by another thread.
 */
public final class CpuHelpers {
    /** System property switching the helpers ({@code true}/{@code false}). */
    public static final String PROPERTY = "transferkit.cpu.helpers";
    /** Environment variable switching the helpers. */
    public static final String ENV = "TRANSFERKIT_CPU_HELPERS";

    private CpuHelpers() {
    }

    /** @return whether helpers are wanted (the switch) and the backend is the CPU one */
    public static boolean enabled() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv(ENV);
        }
        boolean wanted = v == null || v.isBlank() || !v.trim().toLowerCase(Locale.ROOT).equals("false");
        return wanted && "CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
    }

    /**
     * Sets oneDNN helpers on the graph's standard convolution and pooling layers if {@link #enabled()}.
     *
     * @param graph an initialised graph; its layers are modified
     * @return the number of layers given a helper (0 when switched off or not on the CPU backend)
     * @throws IllegalStateException if DL4J's layer classes no longer have the field (another DL4J version)
     */
    public static int apply(ComputationGraph graph) {
        if (!enabled()) {
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
                    + " (a DL4J version other than 1.0.0-M2.1?); set -D" + PROPERTY + "=false to run without: " + e, e);
        }
    }
}
