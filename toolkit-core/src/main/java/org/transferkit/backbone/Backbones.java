package org.transferkit.backbone;

import org.transferkit.runtime.RuntimeOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.transferkit.TransferKitException;

/**
 * The backbone registry: every backbone of the installed {@link BackboneProvider}s, listed and opened by name.
 * Providers are found with {@link ServiceLoader} ({@code META-INF/services/org.transferkit.backbone.BackboneProvider});
 * names are matched ignoring case and surrounding blanks. Immutable and thread-safe.
 */
public final class Backbones {
    /** One offered backbone and who opens it. */
    private record Offer(BackboneInfo info, BackboneProvider provider) {
    }

    /** The providers visible to this class's loader, found once. */
    private static final class Installed {
        static final Backbones INSTANCE = load(Backbones.class.getClassLoader());
    }

    private final Map<String, Offer> offers;

    private Backbones(Map<String, Offer> offers) {
        this.offers = offers;
    }

    /**
     * @return the registry of the providers on the class path of this library, found on first use
     * @throws IllegalStateException if two providers offer the same name
     * @throws java.util.ServiceConfigurationError if a registered provider cannot be instantiated
     */
    public static Backbones installed() {
        return Installed.INSTANCE;
    }

    /**
     * Finds the providers a class loader sees (e.g. a plugin's), anew on each call.
     *
     * @param loader the class loader to search
     * @return the registry
     * @throws IllegalStateException if two providers offer the same name
     * @throws java.util.ServiceConfigurationError if a registered provider cannot be instantiated
     */
    public static Backbones load(ClassLoader loader) {
        List<BackboneProvider> found = new ArrayList<>();
        ServiceLoader.load(BackboneProvider.class, loader).forEach(found::add);
        return of(found);
    }

    /**
     * A registry of given providers, e.g. in a test or an application that wires its own.
     *
     * @param providers the providers, in listing order
     * @return the registry
     * @throws IllegalStateException if two providers offer the same name
     */
    public static Backbones of(List<? extends BackboneProvider> providers) {
        Map<String, Offer> offers = new LinkedHashMap<>();
        for (BackboneProvider p : providers) {
            for (BackboneInfo info : p.backbones()) {
                Offer before = offers.putIfAbsent(info.name(), new Offer(info, p));
                if (before != null) {
                    throw new IllegalStateException("backbone name '" + info.name() + "' is offered by both "
                            + before.provider().getClass().getName() + " and " + p.getClass().getName());
                }
            }
        }
        return new Backbones(java.util.Collections.unmodifiableMap(offers));
    }

    /** @return every backbone, in provider order, each provider's in its own order */
    public List<BackboneInfo> list() {
        return offers.values().stream().map(Offer::info).toList();
    }

    /** @return every name, in listing order */
    public List<String> names() {
        return List.copyOf(offers.keySet());
    }

    /** @param name a name, any case @return whether some provider offers it */
    public boolean contains(String name) {
        return name != null && offers.containsKey(normalise(name));
    }

    /**
     * @param name a backbone name, any case
     * @return its listing entry
     * @throws IllegalArgumentException if no provider offers it; the message lists every valid name
     */
    public BackboneInfo info(String name) {
        return offer(name).info();
    }

    /**
     * @param name a backbone name, any case
     * @param runtime the run-time options (the folders weights are looked for in)
     * @return whether its default weights are on this machine now (see {@link BackboneProvider#weightsLocal})
     * @throws IllegalArgumentException if no provider offers it; the message lists every valid name
     */
    public boolean weightsLocal(String name, RuntimeOptions runtime) {
        Offer o = offer(name);
        return o.provider().weightsLocal(o.info().name(), runtime);
    }

    /**
     * Opens a backbone by name.
     *
     * @param name a backbone name, any case
     * @param options weights file, seed, input size
     * @return the backbone
     * @throws IllegalArgumentException if no provider offers the name (the message lists every valid name), an
     *     input size is given for a backbone that is not resizable, or its provider refuses the options
     * @throws TransferKitException if its weights cannot be found or read
     */
    public Backbone open(String name, BackboneOptions options) throws TransferKitException {
        Objects.requireNonNull(options, "options");
        Offer o = offer(name);
        if (options.inputSize() != 0 && !o.info().resizable()) {
            throw new IllegalArgumentException("backbone " + o.info().name() + " has a fixed input size "
                    + o.info().input() + "; an input size applies to " + offers.values().stream()
                            .filter(x -> x.info().resizable()).map(x -> x.info().name()).toList() + " only");
        }
        return o.provider().open(o.info().name(), options);
    }

    /**
     * Opens a backbone by name at its default input size.
     *
     * @param name a backbone name, any case
     * @param weights a weights file to use instead of the default ones, or null
     * @param seed seed for backbones with random weights
     * @return the backbone
     * @throws IllegalArgumentException if no provider offers the name (the message lists every valid name), or
     *     its provider refuses the weights file
     * @throws TransferKitException if its weights cannot be found or read
     */
    public Backbone open(String name, Path weights, long seed) throws TransferKitException {
        return open(name, BackboneOptions.of(weights, seed));
    }

    private Offer offer(String name) {
        Offer o = name == null ? null : offers.get(normalise(name));
        if (o == null) {
            throw new IllegalArgumentException("unknown backbone '" + name + "'; valid: " + String.join(", ", offers.keySet()));
        }
        return o;
    }

    private static String normalise(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "Backbones" + offers.keySet();
    }
}
