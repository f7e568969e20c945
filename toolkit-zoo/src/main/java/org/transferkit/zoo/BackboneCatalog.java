package org.transferkit.zoo;

import org.transferkit.backbone.BackboneOptions;
import org.transferkit.runtime.RuntimeOptions;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.Backbones;
import org.transferkit.backbone.ConvNet;

/**
 * Backbones by name: a thin facade over the {@link Backbones#installed() registry} of every installed
 * {@link org.transferkit.backbone.BackboneProvider}, kept for existing callers. New code uses {@link Backbones}.
 * Stateless and thread-safe.
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

    /** Catalogue name of the small from-scratch CNN ({@link ConvNet#smallCnn}). */
    public static final String SCRATCH = ScratchCnnProvider.NAME;

    private BackboneCatalog() {
    }

    /**
     * {@link #weightsLocal(String, RuntimeOptions)} with {@link RuntimeOptions#defaults()}.
     *
     * @param name a catalogue name
     * @return whether its weights are on this machine now (always true for random and demo weights)
     * @throws IllegalArgumentException if the name is unknown; the message lists the valid names
     */
    public static boolean weightsLocal(String name) {
        return weightsLocal(name, RuntimeOptions.defaults());
    }

    /**
     * @param name a catalogue name
     * @param options the run-time options (the folders looked in)
     * @return whether its weights are on this machine now (always true for random and demo weights)
     * @throws IllegalArgumentException if the name is unknown; the message lists the valid names
     */
    public static boolean weightsLocal(String name, RuntimeOptions options) {
        return Backbones.installed().weightsLocal(name, options);
    }

    /** @return the zoo architecture behind a catalogue name ({@code vgg16}, {@code vgg16-untrained}), or null */
    public static ZooArchitecture zoo(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        String base = n.endsWith(ZooProvider.UNTRAINED_SUFFIX)
                ? n.substring(0, n.length() - ZooProvider.UNTRAINED_SUFFIX.length()) : n;
        for (ZooArchitecture a : ZooArchitecture.values()) {
            if (a.id().equals(base)) {
                return a;
            }
        }
        return null;
    }

    /** @return every entry of the registry, in listing order */
    public static List<Entry> entries() {
        return Backbones.installed().list().stream().map(i -> new Entry(i.name(), i.description(), i.pretrained())).toList();
    }

    /**
     * Opens a backbone by name ({@link Backbones#open(String, Path, long)} on the installed registry).
     *
     * @param name a catalogue name
     * @param weights a weights file to use instead of the default ones, or null
     * @param seed seed for backbones with random weights
     * @return the backbone
     * @throws IllegalArgumentException if the name is unknown (the message lists the valid names), or the
     *     backbone takes no weights file and one is given
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
     * @throws IllegalArgumentException if the name is unknown (the message lists the valid names), or the
     *     backbone takes no weights file and one is given
     * @throws TransferKitException if the weights cannot be read
     */
    public static Backbone open(String name, Path weights, long seed, RuntimeOptions options)
            throws TransferKitException {
        return Backbones.installed().open(name, BackboneOptions.of(weights, seed).withRuntime(options));
    }
}
