package org.transferkit.zoo;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;

/**
 * Backbones by name. Stateless and thread-safe.
 */
public final class BackboneCatalog {
    /**
     * One catalogue entry.
     *
     * @param name the name users pass ({@code --backbone NAME})
     * @param description one line
     * @param pretrained whether ImageNet or demo weights exist for it
     */
    public record Entry(String name, String description, boolean pretrained) {
    }

    private static final List<Entry> ENTRIES = List.of(
            new Entry(DemoBackbone.ID, "the project's own 4-conv demo backbone, 32x32, pretrained on generated shapes "
                    + "(models/demo-backbone.zip)", true),
            new Entry("demo-untrained", "the demo architecture with random weights: the no-transfer baseline", false),
            new Entry(SqueezeNetBackbone.ID, "SqueezeNet v1.1, 227x227, ImageNet weights from the keras-squeezenet "
                    + "HDF5 file (--weights FILE, models/ or the weights cache)", true),
            new Entry("squeezenet-untrained", "SqueezeNet v1.1 with random weights", false));

    private BackboneCatalog() {
    }

    /**
     * @param name a catalogue name
     * @return whether its weights are on this machine now (always true for random and demo weights)
     */
    public static boolean weightsLocal(String name) {
        return !name.equals(SqueezeNetBackbone.ID) || WeightsLocator.find(null, SqueezeNetBackbone.KERAS_FILE) != null;
    }

    /** @return every entry, in listing order */
    public static List<Entry> entries() {
        return ENTRIES;
    }

    /**
     * Opens a backbone by name.
     *
     * @param name a catalogue name
     * @param weights a weights file to use instead of the default ones, or null
     * @param seed seed for backbones with random weights
     * @return the backbone
     * @throws IllegalArgumentException if the name is unknown; the message lists the valid names
     * @throws TransferKitException if the weights cannot be read
     */
    public static Backbone open(String name, Path weights, long seed) throws TransferKitException {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case DemoBackbone.ID:
                return weights == null ? DemoBackbone.pretrained() : DemoBackbone.fromFile(weights);
            case "demo-untrained":
                if (weights != null) {
                    throw new IllegalArgumentException("backbone demo-untrained has random weights; it takes no --weights");
                }
                return DemoBackbone.untrained(seed);
            case SqueezeNetBackbone.ID:
                return SqueezeNetBackbone.pretrained(weights);
            case "squeezenet-untrained":
                if (weights != null) {
                    throw new IllegalArgumentException("backbone squeezenet-untrained has random weights; it takes no --weights");
                }
                return SqueezeNetBackbone.untrained();
            default:
                throw new IllegalArgumentException("unknown backbone '" + name + "'; valid: "
                        + ENTRIES.stream().map(Entry::name).collect(Collectors.joining(", ")));
        }
    }
}
