package org.transferkit.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.transferkit.model.InputShape;

/**
 * A model's layers in order with their output shapes and parameter counts, trainable or frozen, as Keras'
 * {@code model.summary()}: worked out from the configuration alone, so it costs no weights. Immutable.
 *
 * @param rows one per vertex, in topological order (inputs first)
 * @param totalParams all parameters
 * @param trainableParams parameters that training updates
 */
public record ModelSummary(List<Row> rows, long totalParams, long trainableParams) {
    /**
     * One vertex.
     *
     * @param name vertex name
     * @param type layer or vertex type, e.g. {@code ConvolutionLayer}, {@code MergeVertex}
     * @param outputShape per-example output shape, e.g. {@code 64x13x13} or {@code 128}
     * @param params parameter count
     * @param frozen true if training leaves its parameters unchanged
     * @param inputs the vertices it reads from
     */
    public record Row(String name, String type, String outputShape, long params, boolean frozen, List<String> inputs) {
    }

    /** @return parameters that training leaves unchanged */
    public long frozenParams() {
        return totalParams - trainableParams;
    }

    /**
     * @param graph a single-input image graph (read only)
     * @param input its input shape
     * @return the summary
     * @throws IllegalArgumentException if the graph does not take that input shape
     */
    public static ModelSummary of(ComputationGraph graph, InputShape input) {
        return of(graph.getConfiguration(), input);
    }

    /**
     * @param conf a single-input image graph's configuration (read only)
     * @param input its input shape
     * @return the summary
     * @throws IllegalArgumentException if the graph does not take that input shape (the message says why)
     */
    public static ModelSummary of(ComputationGraphConfiguration conf, InputShape input) {
        Map<String, InputType> types;
        try {
            types = conf.getLayerActivationTypes(InputType.convolutional(input.height(), input.width(), input.channels()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the graph does not take input " + input + ": " + e.getMessage(), e);
        }
        List<Row> rows = new ArrayList<>();
        long total = 0;
        long trainable = 0;
        for (String name : conf.getNetworkInputs()) {
            rows.add(new Row(name, "Input", shape(types.get(name), input), 0, false, List.of()));
        }
        for (String name : order(conf)) {
            GraphVertex v = conf.getVertices().get(name);
            if (v == null) {
                continue; // a network input
            }
            String type = v.getClass().getSimpleName();
            long params = 0;
            boolean frozen = false;
            if (v instanceof LayerVertex lv) {
                Layer l = lv.getLayerConf().getLayer();
                if (l instanceof FrozenLayer f) {
                    frozen = true;
                    l = f.getLayer();
                } else if (l instanceof FrozenLayerWithBackprop f) {
                    frozen = true;
                    l = f.getUnderlying();
                }
                type = l.getClass().getSimpleName();
                params = lv.getLayerConf().getLayer().initializer().numParams(lv.getLayerConf());
            }
            total += params;
            trainable += frozen ? 0 : params;
            List<String> in = conf.getVertexInputs().getOrDefault(name, List.of());
            rows.add(new Row(name, type, shape(types.get(name), input), params, frozen, List.copyOf(in)));
        }
        return new ModelSummary(List.copyOf(rows), total, trainable);
    }

    /** @return vertex names, every vertex after its inputs, ties in the configuration's own order */
    static List<String> order(ComputationGraphConfiguration conf) {
        List<String> out = new ArrayList<>();
        java.util.Set<String> done = new java.util.HashSet<>(conf.getNetworkInputs());
        List<String> todo = new ArrayList<>(conf.getVertices().keySet());
        while (!todo.isEmpty()) {
            boolean progress = false;
            for (java.util.Iterator<String> it = todo.iterator(); it.hasNext();) {
                String v = it.next();
                if (done.containsAll(conf.getVertexInputs().getOrDefault(v, List.of()))) {
                    out.add(v);
                    done.add(v);
                    it.remove();
                    progress = true;
                }
            }
            if (!progress) {
                throw new IllegalArgumentException("graph has a cycle or a missing input among " + todo);
            }
        }
        return out;
    }

    private static String shape(InputType t, InputShape input) {
        if (t == null) {
            return input.channels() + "x" + input.height() + "x" + input.width();
        }
        if (t instanceof InputType.InputTypeConvolutional c) {
            return c.getChannels() + "x" + c.getHeight() + "x" + c.getWidth();
        }
        if (t instanceof InputType.InputTypeConvolutionalFlat f) {
            return f.getDepth() + "x" + f.getHeight() + "x" + f.getWidth();
        }
        return Long.toString(t.arrayElementsPerExample());
    }

    /**
     * @return a fixed-width table: layer, type, output shape, parameters, frozen or trainable, inputs (shown when
     *     a vertex does not read from the row above it), then the totals
     */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        int w = Math.max(12, rows.stream().mapToInt(r -> r.name().length()).max().orElse(0));
        String fmt = "%-" + w + "s  %-26s %-14s %12s  %-9s %s%n";
        sb.append(String.format(Locale.ROOT, fmt, "layer", "type", "output", "params", "", "inputs"));
        String prev = null;
        for (Row r : rows) {
            String in = r.inputs().size() == 1 && r.inputs().get(0).equals(prev) ? "" : String.join(", ", r.inputs());
            sb.append(String.format(Locale.ROOT, fmt, r.name(), r.type(), r.outputShape(), String.format(Locale.ROOT,
                    "%,d", r.params()), r.params() == 0 ? "" : r.frozen() ? "frozen" : "trainable", in));
            prev = r.name();
        }
        sb.append(String.format(Locale.ROOT, "total params %,d: trainable %,d, frozen %,d%n", totalParams,
                trainableParams, frozenParams()));
        return sb.toString();
    }
}
