package org.transferkit.zoo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.transferkit.ModelFormatException;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;

/** Output shapes of a graph configuration's vertices, and published sites resolved into cut points. Stateless. */
final class GraphShapes {
    private GraphShapes() {
    }

    /**
     * @param conf a graph configuration with one image input
     * @param input the input shape
     * @return each vertex's output type per example
     * @throws ModelFormatException if DL4J cannot infer the types (the graph does not take this input)
     */
    static Map<String, InputType> types(ComputationGraphConfiguration conf, InputShape input) throws ModelFormatException {
        try {
            return conf.getLayerActivationTypes(InputType.convolutional(input.height(), input.width(), input.channels()));
        } catch (RuntimeException e) {
            throw new ModelFormatException("the graph does not take a " + input + " input: " + e.getMessage(), e);
        }
    }

    /** @return the per-example shape: [c, h, w] for a feature map, [size] for a vector, or null for other types */
    static long[] shape(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return new long[] {c.getChannels(), c.getHeight(), c.getWidth()};
        }
        if (t instanceof InputType.InputTypeFeedForward f) {
            return new long[] {f.getSize()};
        }
        return null;
    }

    /**
     * Resolves published sites against a graph.
     *
     * @param sites the sites, input to output
     * @param conf the graph
     * @param types the graph's vertex types
     * @param what the graph's origin, for messages (e.g. a file name)
     * @return one cut point per site
     * @throws ModelFormatException if a site matches no vertex or a vertex of an unusable type; the message
     *     names the site and its rule
     */
    static List<CutPoint> resolve(List<Site> sites, ComputationGraphConfiguration conf, Map<String, InputType> types,
            String what) throws ModelFormatException {
        List<CutPoint> out = new ArrayList<>();
        List<String> order = Locator.topologicalOrder(conf);
        for (Site s : sites) {
            String v = s.locator().find(conf, order);
            long[] shape = v == null ? null : shape(types.get(v));
            if (v == null || shape == null || shape.length == 0) {
                throw new ModelFormatException(what + ": cannot find '" + s.name() + "' (" + s.locator().describe()
                        + ") in the graph" + (v == null ? "" : ": vertex '" + v + "' has type " + types.get(v)));
            }
            out.add(new CutPoint(s.name(), v, shape, s.description() + " [" + v + "]"));
        }
        return List.copyOf(out);
    }
}
