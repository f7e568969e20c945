package org.transferkit.zoo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;

/**
 * Finds a vertex of a graph configuration by its place in the architecture rather than by its name:
 * "the 5th max-pool", "the output of the 16th residual block", "the last global pooling". DL4J's
 * {@code init()} graphs and its pretrained graphs (converted from Keras) name their vertices differently,
 * but both are the same architecture, so a structural rule finds the same place in either. A named rule
 * exists for graphs that only come one way. Immutable.
 *
 * @param kind how to match
 * @param type for {@link Kind#NTH}: the layer configuration class (e.g. {@code SubsamplingLayer}) or graph
 *     vertex class (e.g. {@code MergeVertex}) to count; null otherwise
 * @param ordinal 1-based position among the matches from the input; negative counts from the output
 *     ({@code -1} is the last); unused for {@link Kind#NAMED}
 * @param name for {@link Kind#NAMED}: the vertex name
 */
public record Locator(Kind kind, Class<?> type, int ordinal, String name) {
    /** How a locator matches. */
    public enum Kind {
        /** The vertex with this exact name. */
        NAMED,
        /** The n-th vertex whose layer (or vertex) configuration is an instance of {@code type}. */
        NTH,
        /** The n-th activation layer that directly follows an element-wise addition: a residual block's output. */
        NTH_RESIDUAL
    }

    /** @throws IllegalArgumentException if the fields do not fit the kind */
    public Locator {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.NAMED ? name == null : ordinal == 0 || (kind == Kind.NTH && type == null)) {
            throw new IllegalArgumentException("incomplete locator: " + kind + " " + type + " " + ordinal + " " + name);
        }
    }

    /** @return a rule matching the vertex called {@code vertex} */
    public static Locator named(String vertex) {
        return new Locator(Kind.NAMED, null, 0, vertex);
    }

    /** @return a rule matching the {@code ordinal}-th vertex of configuration class {@code type} */
    public static Locator nth(Class<?> type, int ordinal) {
        return new Locator(Kind.NTH, type, ordinal, null);
    }

    /** @return a rule matching the output of the {@code ordinal}-th residual block */
    public static Locator residual(int ordinal) {
        return new Locator(Kind.NTH_RESIDUAL, null, ordinal, null);
    }

    /**
     * @param conf a graph configuration
     * @return the matching vertex's name, or null if the graph has no such vertex
     */
    public String find(ComputationGraphConfiguration conf) {
        return find(conf, kind == Kind.NAMED ? List.of() : topologicalOrder(conf));
    }

    /**
     * As {@link #find(ComputationGraphConfiguration)}, with the graph's topological order already at hand
     * (resolving many locators against one graph walks it once).
     *
     * @param conf a graph configuration
     * @param order {@link #topologicalOrder(ComputationGraphConfiguration)} of {@code conf}
     * @return the matching vertex's name, or null
     */
    public String find(ComputationGraphConfiguration conf, List<String> order) {
        if (kind == Kind.NAMED) {
            return conf.getVertices().containsKey(name) ? name : null;
        }
        List<String> hits = new ArrayList<>();
        for (String v : order) {
            if (matches(conf, v)) {
                hits.add(v);
            }
        }
        int i = ordinal > 0 ? ordinal - 1 : hits.size() + ordinal;
        return i >= 0 && i < hits.size() ? hits.get(i) : null;
    }

    private boolean matches(ComputationGraphConfiguration conf, String v) {
        GraphVertex gv = conf.getVertices().get(v);
        if (kind == Kind.NTH) {
            return type.isInstance(gv) || gv instanceof LayerVertex lv && type.isInstance(lv.getLayerConf().getLayer());
        }
        List<String> in = conf.getVertexInputs().get(v);
        return gv instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ActivationLayer
                && in != null && in.size() == 1 && conf.getVertices().get(in.get(0)) instanceof ElementWiseVertex;
    }

    /**
     * A topological order of the graph's vertices (inputs first); ties are broken by the order the
     * vertices were added, so the result is deterministic.
     *
     * @param conf a graph configuration
     * @return every vertex and network input, inputs before the vertices that use them
     */
    public static List<String> topologicalOrder(ComputationGraphConfiguration conf) {
        Map<String, Integer> pending = new HashMap<>();
        Map<String, List<String>> users = new HashMap<>();
        List<String> all = new ArrayList<>(conf.getNetworkInputs());
        all.addAll(conf.getVertices().keySet());
        for (String v : all) {
            List<String> in = conf.getVertexInputs().get(v);
            pending.put(v, in == null ? 0 : in.size());
            if (in != null) {
                for (String i : in) {
                    users.computeIfAbsent(i, k -> new ArrayList<>()).add(v);
                }
            }
        }
        List<String> order = new ArrayList<>();
        Deque<String> ready = new ArrayDeque<>();
        for (String v : all) {
            if (pending.get(v) == 0) {
                ready.add(v);
            }
        }
        while (!ready.isEmpty()) {
            String v = ready.poll();
            order.add(v);
            for (String u : users.getOrDefault(v, List.of())) {
                if (pending.merge(u, -1, Integer::sum) == 0) {
                    ready.add(u);
                }
            }
        }
        return order;
    }

    /** @return the rule in words, e.g. {@code 5th SubsamplingLayer} */
    public String describe() {
        return switch (kind) {
            case NAMED -> "vertex '" + name + "'";
            case NTH -> ordinalText() + " " + type.getSimpleName();
            case NTH_RESIDUAL -> "output of the " + ordinalText() + " residual block";
        };
    }

    private String ordinalText() {
        if (ordinal == -1) {
            return "last";
        }
        int n = Math.abs(ordinal);
        String suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return ordinal > 0 ? n + suffix : n + suffix + " from the end";
    }
}
