package org.transferkit.zoo;

import java.util.List;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.BackboneProvider;

/**
 * Offers {@code custom}: any saved DL4J model zip given as the weights file ({@link CustomBackbone}). Its input
 * shape comes from the file, so the listing has none. Stateless and thread-safe.
 */
public final class CustomProvider implements BackboneProvider {
    private static final List<BackboneInfo> OFFERED = List.of(new BackboneInfo(CustomBackbone.ID, "any saved DL4J "
            + "ComputationGraph or MultiLayerNetwork zip, given as the weights file, cut at a named vertex", null, false));

    /** For {@link java.util.ServiceLoader}. */
    public CustomProvider() {
    }

    @Override
    public List<BackboneInfo> backbones() {
        return OFFERED;
    }

    /**
     * @throws IllegalArgumentException if no weights file (the model zip) is given
     * @throws TransferKitException if the zip cannot be read or is not a DL4J image model
     */
    @Override
    public Backbone open(String name, BackboneOptions options) throws TransferKitException {
        if (options.weights() == null) {
            throw new IllegalArgumentException("backbone custom needs its DL4J model zip as the weights file");
        }
        return CustomBackbone.open(options.weights(), null, null);
    }
}
