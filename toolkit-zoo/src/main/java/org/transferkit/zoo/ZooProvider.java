package org.transferkit.zoo;

import org.transferkit.runtime.RuntimeOptions;

import java.util.ArrayList;
import java.util.List;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.backbone.BackboneProvider;

/**
 * Offers every {@link ZooArchitecture}: by its id (pretrained weights where DL4J publishes them, else random) and,
 * for pretrained ones, an {@code -untrained} twin with DL4J's random initialisation (none for NASNet, which DL4J
 * M2.1 cannot build untrained). Stateless and thread-safe.
 */
public final class ZooProvider implements BackboneProvider {
    /** Suffix of the random-weight twins. */
    public static final String UNTRAINED_SUFFIX = "-untrained";

    private static final List<BackboneInfo> OFFERED = offered();

    /** For {@link java.util.ServiceLoader}. */
    public ZooProvider() {
    }

    private static List<BackboneInfo> offered() {
        List<BackboneInfo> e = new ArrayList<>();
        for (ZooArchitecture a : ZooArchitecture.values()) {
            if (a.pretrained()) {
                e.add(new BackboneInfo(a.id(), a.description() + " (DL4J zoo zip " + a.weights().fileName() + ")",
                        a.input(), true));
                if (a != ZooArchitecture.NASNET) {
                    e.add(new BackboneInfo(a.id() + UNTRAINED_SUFFIX, a.id() + " with DL4J's random initialisation",
                            a.input(), false));
                }
            } else {
                e.add(new BackboneInfo(a.id(), a.description(), a.input(), false));
            }
        }
        return List.copyOf(e);
    }

    @Override
    public List<BackboneInfo> backbones() {
        return OFFERED;
    }

    /**
     * @throws IllegalArgumentException for a weights file with a random-weight backbone (other than Keras HDF5
     *     weights for an architecture DL4J publishes none for)
     * @throws TransferKitException if the zoo zip is not found or cannot be read
     */
    @Override
    public Backbone open(String name, BackboneOptions options) throws TransferKitException {
        ZooArchitecture a = architecture(name);
        boolean random = name.endsWith(UNTRAINED_SUFFIX) || !a.pretrained();
        boolean keras = a.id().equals(name) && options.weights() != null && options.weights().toString().endsWith(".h5");
        if (random && !keras) {
            options.requireNoWeights(name);
        }
        return random && options.weights() == null ? ZooBackbone.untrained(a, a.input())
                : ZooBackbone.pretrained(a, options.weights(), options.runtime());
    }

    /** @return for a pretrained architecture's id, whether its zoo zip is in models/, the cache or DL4J's; else true */
    @Override
    public boolean weightsLocal(String name, RuntimeOptions runtime) {
        ZooArchitecture a = architecture(name);
        if (a.pretrained() && a.id().equals(name)) {
            ZooWeights w = a.weights();
            return WeightsLocator.find(runtime, null, w.fileName(), w.dl4jCacheDir(runtime)) != null;
        }
        return true;
    }

    /**
     * @param name an offered name ({@code vgg16}, {@code vgg16-untrained})
     * @return its architecture
     * @throws IllegalArgumentException if it names none
     */
    static ZooArchitecture architecture(String name) {
        String base = name.endsWith(UNTRAINED_SUFFIX) ? name.substring(0, name.length() - UNTRAINED_SUFFIX.length()) : name;
        return ZooArchitecture.byId(base);
    }
}
