package org.transferkit.zoo;

import org.transferkit.runtime.RuntimeOptions;

import java.util.List;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.BackboneProvider;

/**
 * Offers {@code squeezenet} ({@link SqueezeNetBackbone} with the keras-squeezenet ImageNet weights) and
 * {@code squeezenet-untrained}. Stateless and thread-safe.
 */
public final class SqueezeNetProvider implements BackboneProvider {
    /** Name of the random-weight twin. */
    public static final String UNTRAINED = SqueezeNetBackbone.ID + "-untrained";

    private static final List<BackboneInfo> OFFERED = List.of(
            new BackboneInfo(SqueezeNetBackbone.ID, "SqueezeNet v1.1, 227x227, ImageNet weights from the "
                    + "keras-squeezenet HDF5 file (a weights file, models/ or the weights folder)", SqueezeNetBackbone.INPUT,
                    true),
            new BackboneInfo(UNTRAINED, "SqueezeNet v1.1 with random weights", SqueezeNetBackbone.INPUT, false));

    /** For {@link java.util.ServiceLoader}. */
    public SqueezeNetProvider() {
    }

    @Override
    public List<BackboneInfo> backbones() {
        return OFFERED;
    }

    /**
     * @throws IllegalArgumentException for a weights file with {@code squeezenet-untrained}
     * @throws org.transferkit.WeightsException if the HDF5 weights are not found or cannot be read
     */
    @Override
    public Backbone open(String name, BackboneOptions options) throws TransferKitException {
        if (name.equals(UNTRAINED)) {
            options.requireNoWeights(name);
            return SqueezeNetBackbone.untrained();
        }
        return SqueezeNetBackbone.pretrained(options.weights(), options.runtime());
    }

    /** @return for {@code squeezenet}, whether its HDF5 file is in models/ or the weights cache; else true */
    @Override
    public boolean weightsLocal(String name, RuntimeOptions runtime) {
        return !name.equals(SqueezeNetBackbone.ID)
                || WeightsLocator.find(runtime, null, SqueezeNetBackbone.KERAS_FILE) != null;
    }
}
