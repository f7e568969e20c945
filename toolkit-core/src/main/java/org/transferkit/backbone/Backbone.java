package org.transferkit.backbone;

import java.util.List;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.transferkit.TransferKitException;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * A pretrained (or randomly initialised) image network that TransferKit cuts and puts a new head on.
 * Implementations are immutable and thread-safe; {@link #loadGraph()} hands each caller its own graph.
 */
public interface Backbone {
    /** @return the catalogue name, e.g. {@code demo} or {@code squeezenet} */
    String id();

    /** @return the input shape the weights were trained at */
    InputShape inputShape();

    /** @return the preprocessing the weights expect */
    Preprocessing preprocessing();

    /** @return the cut points, from the input towards the output */
    List<CutPoint> cutPoints();

    /**
     * The backbone's blocks, input to output, each named by its last vertex (a {@link CutPoint} whose
     * vertex closes the block). Unfreezing the top N blocks trains everything after the end of block
     * {@code size - N - 1}. Empty if the backbone publishes none.
     *
     * @return the blocks
     */
    default List<CutPoint> blocks() {
        return List.of();
    }

    /**
     * Whether this network starts from random weights and trains end to end, nothing frozen (a CNN written from
     * scratch such as {@link ConvNet}), instead of being featurized once as a frozen, pretrained backbone.
     *
     * @return true to train every layer; false (the default) for a pretrained backbone
     */
    default boolean trainsFromScratch() {
        return false;
    }

    /** @return the cut point used when the user names none */
    CutPoint defaultCutPoint();

    /**
     * @return a short identity of the weights: a SHA-256 of the weights file, or
     *     {@code random(seed=N)} for untrained weights
     */
    String weightsId();

    /**
     * Loads a new graph with this backbone's weights. The caller owns the result.
     *
     * <p>This is the extension point for backbone implementers (see {@code BackboneProvider}), and the one place
     * where a backbone deals in Deeplearning4j types: users never call it; training cuts the graph and puts the head
     * on it.
     *
     * @return a fresh, initialised graph
     * @throws TransferKitException if the weights cannot be read
     */
    ComputationGraph loadGraph() throws TransferKitException;

    /**
     * The backbone's graph configuration (layers and shapes, no weights), e.g. for a model summary. The default
     * loads the graph; backbones that know their configuration return it without loading weights.
     *
     * @return a configuration the caller owns
     * @throws TransferKitException if it cannot be read
     */
    default ComputationGraphConfiguration configuration() throws TransferKitException {
        ComputationGraph g = loadGraph();
        try {
            return g.getConfiguration().clone();
        } finally {
            g.close();
        }
    }

    /**
     * Looks a cut point up by its public name.
     *
     * @param name the cut point name
     * @return the cut point
     * @throws IllegalArgumentException if there is no such cut point; the message lists the valid ones
     */
    default CutPoint cutPoint(String name) {
        for (CutPoint c : cutPoints()) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("backbone '" + id() + "' has no cut point '" + name + "'; valid: "
                + cutPoints().stream().map(CutPoint::name).collect(Collectors.joining(", ")));
    }
}
