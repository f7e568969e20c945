package org.transferkit.backbone;

import java.util.List;
import java.util.Objects;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * The fixed description every backbone carries (id, input, preprocessing, cut points, weights id);
 * subclasses only build their graph. Immutable.
 */
public abstract class BaseBackbone implements Backbone {
    private final String id;
    private final InputShape inputShape;
    private final Preprocessing preprocessing;
    private final List<CutPoint> cutPoints;
    private final CutPoint defaultCutPoint;
    private final String weightsId;

    /**
     * @param id catalogue name
     * @param inputShape input the weights were trained at
     * @param preprocessing preprocessing the weights expect
     * @param cutPoints cut points, input to output
     * @param defaultCutPoint the default, one of {@code cutPoints}
     * @param weightsId identity of the weights
     * @throws IllegalArgumentException if the default is not one of the cut points
     */
    protected BaseBackbone(String id, InputShape inputShape, Preprocessing preprocessing, List<CutPoint> cutPoints,
            CutPoint defaultCutPoint, String weightsId) {
        this.id = Objects.requireNonNull(id, "id");
        this.inputShape = Objects.requireNonNull(inputShape, "inputShape");
        this.preprocessing = Objects.requireNonNull(preprocessing, "preprocessing");
        this.cutPoints = List.copyOf(cutPoints);
        if (!this.cutPoints.contains(defaultCutPoint)) {
            throw new IllegalArgumentException("default cut point " + defaultCutPoint + " is not one of " + cutPoints);
        }
        this.defaultCutPoint = defaultCutPoint;
        this.weightsId = Objects.requireNonNull(weightsId, "weightsId");
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final InputShape inputShape() {
        return inputShape;
    }

    @Override
    public final Preprocessing preprocessing() {
        return preprocessing;
    }

    @Override
    public final List<CutPoint> cutPoints() {
        return cutPoints;
    }

    @Override
    public final CutPoint defaultCutPoint() {
        return defaultCutPoint;
    }

    @Override
    public final String weightsId() {
        return weightsId;
    }
}
