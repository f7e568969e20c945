package org.transferkit.zoo;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.ConvNet;
import org.transferkit.backbone.Backbone;
import org.transferkit.runtime.RuntimeOptions;

/**
 * Backbones by name. Stateless and thread-safe.
 */
public final class BackboneCatalog {
    /**
     * One catalogue entry.
     *
     * @param name the name callers pass to {@link BackboneCatalog#open}
     * @param description one line
     * @param pretrained whether ImageNet or demo weights exist for it
     */
    public record Entry(String name, String description, boolean pretrained) {
    }

    private static final List<Entry> ENTRIES = entries0();

    private static List<Entry> entries0() {
        List<Entry> e = new java.util.ArrayList<>(List.of(
                new Entry(DemoBackbone.ID, "the project's own 4-conv demo backbone, 32x32, pretrained on generated shapes "
                        + "(models/demo-backbone.zip)", true),
                new Entry("demo-untrained", "the demo architecture with random weights: the no-transfer baseline", false),
                new Entry(SqueezeNetBackbone.ID, "SqueezeNet v1.1, 227x227, ImageNet weights from the keras-squeezenet "
                        + "HDF5 file (an explicit weights file, models/ or the weights folder)", true),
                new Entry("squeezenet-untrained", "SqueezeNet v1.1 with random weights", false)));
        for (ZooArchitecture a : ZooArchitecture.values()) {
            if (a.pretrained()) {
                e.add(new Entry(a.id(), a.description() + " (DL4J zoo zip " + a.weights().fileName() + ")", true));
                if (a != ZooArchitecture.NASNET) {
                    e.add(new Entry(a.id() + "-untrained", a.id() + " with DL4J's random initialisation", false));
                }
            } else {
                e.add(new Entry(a.id(), a.description(), false));
            }
        }
        e.add(new Entry(SCRATCH, "a small CNN trained from scratch, nothing pretrained: conv 32, max-pool, conv 64, max-pool, "
                + "conv 64, flatten, dense 64 (64x64 unless another input size is asked for); the from-scratch baseline", false));
        e.add(new Entry(CustomBackbone.ID, "any saved DL4J ComputationGraph or MultiLayerNetwork zip, given as the weights file, "
                + "cut at a named vertex", false));
        return List.copyOf(e);
    }

    /** Catalogue name of the small from-scratch CNN ({@link ConvNet#smallCnn}). */
    public static final String SCRATCH = "scratch-cnn";

    private BackboneCatalog() {
    }

    /**
     * {@link #weightsLocal(String, RuntimeOptions)} with {@link RuntimeOptions#defaults()}.
     *
     * @param name a catalogue name
     * @return whether its weights are on this machine now (always true for random and demo weights)
     */
    public static boolean weightsLocal(String name) {
        return weightsLocal(name, RuntimeOptions.defaults());
    }

    /**
     * @param name a catalogue name
     * @param options the run-time options (the folders looked in)
     * @return whether its weights are on this machine now (always true for random and demo weights)
     */
    public static boolean weightsLocal(String name, RuntimeOptions options) {
        if (name.equals(SqueezeNetBackbone.ID)) {
            return WeightsLocator.find(options, null, SqueezeNetBackbone.KERAS_FILE) != null;
        }
        ZooArchitecture a = zoo(name);
        if (a != null && a.pretrained() && a.id().equals(name)) {
            ZooWeights w = a.weights();
            return WeightsLocator.find(options, null, w.fileName(), w.dl4jCacheDir(options)) != null;
        }
        return true;
    }

    /** @return the zoo architecture behind a catalogue name ({@code vgg16}, {@code vgg16-untrained}), or null */
    public static ZooArchitecture zoo(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        String base = n.endsWith("-untrained") ? n.substring(0, n.length() - "-untrained".length()) : n;
        for (ZooArchitecture a : ZooArchitecture.values()) {
            if (a.id().equals(base)) {
                return a;
            }
        }
        return null;
    }

    /** @return every entry, in listing order */
    public static List<Entry> entries() {
        return ENTRIES;
    }

    /**
     * Opens a backbone by name, with {@link RuntimeOptions#defaults()}.
     *
     * @param name a catalogue name
     * @param weights a weights file to use instead of the default ones, or null
     * @param seed seed for backbones with random weights
     * @return the backbone
     * @throws IllegalArgumentException if the name is unknown; the message lists the valid names
     * @throws TransferKitException if the weights cannot be read
     */
    public static Backbone open(String name, Path weights, long seed) throws TransferKitException {
        return open(name, weights, seed, RuntimeOptions.defaults());
    }

    /**
     * Opens a backbone by name, looking for pretrained weights in the folders of {@code options}.
     *
     * @param name a catalogue name
     * @param weights a weights file to use instead of the default ones, or null
     * @param seed seed for backbones with random weights
     * @param options the run-time options ({@link RuntimeOptions#weightsDir()}, {@link RuntimeOptions#dl4jModelsDir()})
     * @return the backbone
     * @throws IllegalArgumentException if the name is unknown; the message lists the valid names
     * @throws TransferKitException if the weights cannot be read
     */
    public static Backbone open(String name, Path weights, long seed, RuntimeOptions options) throws TransferKitException {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case DemoBackbone.ID:
                return weights == null ? DemoBackbone.pretrained() : DemoBackbone.fromFile(weights);
            case "demo-untrained":
                if (weights != null) {
                    throw new IllegalArgumentException("backbone demo-untrained has random weights; it takes no weights file");
                }
                return DemoBackbone.untrained(seed);
            case SqueezeNetBackbone.ID:
                return SqueezeNetBackbone.pretrained(weights, options);
            case "squeezenet-untrained":
                if (weights != null) {
                    throw new IllegalArgumentException("backbone squeezenet-untrained has random weights; it takes no weights file");
                }
                return SqueezeNetBackbone.untrained();
            case SCRATCH:
                if (weights != null) {
                    throw new IllegalArgumentException("backbone " + SCRATCH + " starts from random weights; it takes no weights file");
                }
                return ConvNet.smallCnn(new org.transferkit.model.InputShape(3, 64, 64), seed);
            case CustomBackbone.ID:
                if (weights == null) {
                    throw new IllegalArgumentException("backbone custom needs its DL4J model zip as the weights file");
                }
                return CustomBackbone.open(weights, null, null);
            default:
                ZooArchitecture a = zoo(n);
                if (a == null || ENTRIES.stream().noneMatch(e -> e.name().equals(n))) {
                    throw new IllegalArgumentException("unknown backbone '" + name + "'; valid: "
                            + ENTRIES.stream().map(Entry::name).collect(Collectors.joining(", ")));
                }
                boolean random = n.endsWith("-untrained") || !a.pretrained();
                if (random && weights != null && !(a.id().equals(n) && weights.toString().endsWith(".h5"))) {
                    throw new IllegalArgumentException("backbone " + n + " has random weights; it takes no weights file");
                }
                return random && weights == null ? ZooBackbone.untrained(a, a.input())
                        : ZooBackbone.pretrained(a, weights, options);
        }
    }
}
