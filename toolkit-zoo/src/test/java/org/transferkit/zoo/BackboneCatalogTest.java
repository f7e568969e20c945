package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.Backbones;
import org.transferkit.model.InputShape;

/** The backbone registry: the zoo's providers, a provider added in one class, and the catalogue facade. */
class BackboneCatalogTest {
    private final Backbones registry = Backbones.installed();

    @Test
    void theZooRegistersEveryFamilyInListingOrder() {
        List<String> names = registry.names().stream().filter(n -> !n.equals(TinyTestNetProvider.NAME)).toList();
        assertEquals(List.of("demo", "demo-untrained", "squeezenet", "squeezenet-untrained"), names.subList(0, 4));
        for (String n : List.of("vgg16", "vgg16-untrained", "resnet50", "lenet", "scratch-cnn", "custom")) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        assertFalse(names.contains("nasnet-untrained"), "DL4J M2.1 cannot build NASNet untrained");
        assertTrue(names.indexOf("scratch-cnn") < names.indexOf("custom"));
        assertEquals(registry.names(), BackboneCatalog.entries().stream().map(BackboneCatalog.Entry::name).toList());
        BackboneInfo demo = registry.info("demo");
        assertTrue(demo.pretrained() && demo.input().equals(DemoBackbone.INPUT) && !demo.resizable(), demo.toString());
        assertEquals(null, registry.info("custom").input());
    }

    @Test
    void aBackboneAddedInOneClassIsListedAndOpensByName() throws Exception {
        assertTrue(registry.names().contains(TinyTestNetProvider.NAME), registry.names().toString());
        BackboneInfo info = registry.info(TinyTestNetProvider.NAME);
        assertEquals("a one-convolution net registered by the tests", info.description());
        Backbone b = registry.open(" Tiny-Test-Net ", null, 7);
        assertEquals(TinyTestNetProvider.NAME, b.id());
        assertEquals(TinyTestNetProvider.INPUT, b.inputShape());
        assertEquals("random(seed=7)", b.weightsId());
        assertEquals(TinyTestNetProvider.NAME, BackboneCatalog.open(TinyTestNetProvider.NAME, null, 1).id());
        assertTrue(registry.weightsLocal(TinyTestNetProvider.NAME, org.transferkit.runtime.RuntimeOptions.defaults()));
    }

    @Test
    void unknownNamesAreRefusedWithEveryValidName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.open("resnet9000", null, 0));
        for (String n : registry.names()) {
            assertTrue(e.getMessage().contains(n), n + " missing from: " + e.getMessage());
        }
        assertTrue(e.getMessage().contains("'resnet9000'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> registry.info("resnet9000"));
        assertFalse(registry.contains("resnet9000"));
    }

    @Test
    void scratchCnnTakesAnInputSizeAndOthersRefuseIt() throws Exception {
        Backbone small = registry.open("scratch-cnn", BackboneOptions.of(null, 3).withInputSize(48));
        assertEquals(new InputShape(3, 48, 48), small.inputShape());
        assertTrue(small.trainsFromScratch());
        assertEquals(new InputShape(3, 64, 64), BackboneCatalog.open(BackboneCatalog.SCRATCH, null, 3).inputShape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.open("demo-untrained", BackboneOptions.defaults().withInputSize(48)));
        assertTrue(e.getMessage().contains("[scratch-cnn]"), e.getMessage());
    }

    @Test
    void randomWeightBackbonesRefuseAWeightsFile() {
        Path f = Path.of("weights.zip");
        for (String n : List.of("demo-untrained", "squeezenet-untrained", "scratch-cnn", "vgg16-untrained",
            TinyTestNetProvider.NAME)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.open(n, f, 0));
            assertTrue(e.getMessage().contains("takes no weights file"), n + ": " + e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.open("custom", null, 0));
        assertTrue(e.getMessage().contains("as the weights file"), e.getMessage());
    }

    @Test
    void twoProvidersOfferingOneNameAreRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Backbones.of(List.of(new TinyTestNetProvider(), new TinyTestNetProvider())));
        assertTrue(e.getMessage().contains(TinyTestNetProvider.NAME), e.getMessage());
        assertEquals(List.of(TinyTestNetProvider.NAME), Backbones.of(List.of(new TinyTestNetProvider())).names());
    }
}
