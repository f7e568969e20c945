package org.transferkit.zoo;

import java.util.List;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.BackboneProvider;

/**
 * Offers {@code demo} (the {@link DemoBackbone} pretrained on generated shapes, or its weights from
 * {@link BackboneOptions#weights()}) and {@code demo-untrained} (its random-weight twin). Stateless and thread-safe.
 */
public final class DemoProvider implements BackboneProvider {
    /** Name of the random-weight twin. */
    public static final String UNTRAINED = DemoBackbone.ID + "-untrained";

    private static final List<BackboneInfo> OFFERED = List.of(
            new BackboneInfo(DemoBackbone.ID, "the project's own 4-conv demo backbone, 32x32, pretrained on generated "
                    + "shapes (models/demo-backbone.zip)", DemoBackbone.INPUT, true),
            new BackboneInfo(UNTRAINED, "the demo architecture with random weights: the no-transfer baseline",
                    DemoBackbone.INPUT, false));

    /** For {@link java.util.ServiceLoader}. */
    public DemoProvider() {
    }

    @Override
    public List<BackboneInfo> backbones() {
        return OFFERED;
    }

    /**
     * @throws IllegalArgumentException for a weights file with {@code demo-untrained}
     * @throws org.transferkit.WeightsException if the demo weights cannot be read
     */
    @Override
    public Backbone open(String name, BackboneOptions options) throws TransferKitException {
        if (name.equals(UNTRAINED)) {
            options.requireNoWeights(name);
            return DemoBackbone.untrained(options.seed());
        }
        return options.weights() == null ? DemoBackbone.pretrained() : DemoBackbone.fromFile(options.weights());
    }
}
