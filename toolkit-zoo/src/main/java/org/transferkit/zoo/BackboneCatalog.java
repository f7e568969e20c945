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
            new Entry(DemoBackbone.ID, "the project's own 4-conv demo backbone, 64x64, pretrained on generated shapes "
                    + "(models/demo-backbone.zip)", true),
            new Entry("demo-untrained", "the demo architecture with random weights: the no-transfer baseline", false));

    private BackboneCatalog() {
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
            default:
                throw new IllegalArgumentException("unknown backbone '" + name + "'; valid: "
                        + ENTRIES.stream().map(Entry::name).collect(Collectors.joining(", ")));
        }
    }
}
