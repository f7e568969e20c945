package org.transferkit.train;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;

/**
 * The part of a graph above a boundary vertex, as a graph of its own whose one input is the boundary's output and
 * whose layers have the same names and (copied) parameters: what DL4J's {@link TransferLearningHelper} makes, built
 * here from the configuration where DL4J 1.0.0-M2.1 cannot (its {@code TransferLearning.GraphBuilder} fails with a
 * NullPointerException copying the parameters of a {@code FrozenLayerWithBackprop}, which {@link BatchNormFreezer}
 * puts above the boundary of every batch-normalized backbone). Stateless.
 */
public final class GraphCut {
    private GraphCut() {
    }

    /**
     * @param graph an initialized graph; not modified
     * @param boundary the last vertex of the part cut away; every path from the input to the output passes through it
     * @return DL4J's own cut where it can make one, else this class's: a new initialized graph of every vertex that
     *     does not feed {@code boundary}, reading the boundary's output as its input, with the parameters, iteration
     *     and epoch counts of {@code graph} (a fresh updater state, as DL4J's cut has)
     * @throws IllegalArgumentException if {@code boundary} is not a vertex of {@code graph}, or a vertex above it reads a
     *     vertex below it (a skip connection across the boundary)
     */
    public static ComputationGraph above(ComputationGraph graph, String boundary) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        if (!conf.getVertices().containsKey(boundary)) {
            throw new IllegalArgumentException("no vertex '" + boundary + "' to cut at; vertices: " + conf.getVertices().keySet());
        }
        try {
            return new TransferLearningHelper(graph, boundary).unfrozenGraph();
        } catch (RuntimeException e) {
            // DL4J cannot copy a FrozenLayerWithBackprop's parameters: cut the configuration instead
        }
        Set<String> below = below(conf.getVertexInputs(), boundary);
        below.addAll(conf.getNetworkInputs());
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        vertices.keySet().removeAll(below);
        inputs.keySet().removeAll(below);
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            for (String in : e.getValue()) {
                if (below.contains(in) && !in.equals(boundary)) {
                    throw new IllegalArgumentException("vertex '" + e.getKey() + "' above '" + boundary + "' reads '" + in
                            + "' below it: the graph cannot be cut there");
                }
            }
        }
        conf.setNetworkInputs(List.of(boundary));
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph part = new ComputationGraph(conf);
        part.init();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : part.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                // key by key: setParams of a FrozenLayerWithBackprop fails in M2.1, as DL4J's own cut does
                graph.getLayer(v.getVertexName()).paramTable().forEach((k, p) -> v.getLayer().setParam(k, p.dup()));
            }
        }
        return part;
    }

    /** @return {@code vertex} and every vertex it depends on */
    private static Set<String> below(Map<String, List<String>> inputs, String vertex) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(vertex));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                todo.addAll(inputs.getOrDefault(v, List.of()));
            }
        }
        return seen;
    }
}
