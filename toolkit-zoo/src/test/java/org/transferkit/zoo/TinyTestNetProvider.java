package org.transferkit.zoo;

import java.util.List;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.BackboneProvider;
import org.transferkit.backbone.ConvNet;
import org.transferkit.model.InputShape;

/**
 * A backbone added the way a newcomer adds one: this class, and its name in
 * {@code src/test/resources/META-INF/services/org.transferkit.backbone.BackboneProvider}. Nothing else.
 */
public final class TinyTestNetProvider implements BackboneProvider {
    static final String NAME = "tiny-test-net";
    static final InputShape INPUT = new InputShape(3, 16, 16);

    @Override
    public List<BackboneInfo> backbones() {
        return List.of(new BackboneInfo(NAME, "a one-convolution net registered by the tests", INPUT, false));
    }

    @Override
    public Backbone open(String name, BackboneOptions options) {
        options.requireNoWeights(name);
        return ConvNet.builder(INPUT).id(NAME).seed(options.seed()).conv2d(4, 3).build();
    }
}
