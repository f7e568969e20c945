package org.transferkit.zoo;

import java.util.List;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.BackboneProvider;
import org.transferkit.backbone.ConvNet;
import org.transferkit.model.InputShape;

/**
 * Offers {@code scratch-cnn}: {@link ConvNet#smallCnn}, random weights from the seed, trained end to end; the
 * from-scratch baseline. It is resizable: {@link BackboneOptions#inputSize()} sets its square input (default
 * {@value #DEFAULT_SIZE}). Stateless and thread-safe.
 */
public final class ScratchCnnProvider implements BackboneProvider {
    /** The name. */
    public static final String NAME = "scratch-cnn";
    /** Input side when none is asked for. */
    public static final int DEFAULT_SIZE = 64;

    private static final List<BackboneInfo> OFFERED = List.of(new BackboneInfo(NAME, "a small CNN trained from "
            + "scratch, nothing pretrained: conv 32, max-pool, conv 64, max-pool, conv 64, flatten, dense 64 (64x64 "
            + "unless another input size is asked for); the from-scratch baseline", new InputShape(3, DEFAULT_SIZE, DEFAULT_SIZE), false,
            true));

    /** For {@link java.util.ServiceLoader}. */
    public ScratchCnnProvider() {
    }

    @Override
    public List<BackboneInfo> backbones() {
        return OFFERED;
    }

    /**
     * @throws IllegalArgumentException if a weights file is given (it starts from random weights)
     */
    @Override
    public Backbone open(String name, BackboneOptions options) {
        options.requireNoWeights(name);
        int side = options.inputSize() == 0 ? DEFAULT_SIZE : options.inputSize();
        return ConvNet.smallCnn(new InputShape(3, side, side), options.seed());
    }
}
