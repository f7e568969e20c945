package org.transferkit.backbone;

import org.transferkit.runtime.RuntimeOptions;

import java.util.List;
import org.transferkit.TransferKitException;

/**
 * The extension point for backbones: a class that offers one or more backbones by name and opens them. Adding a
 * backbone is one class implementing this interface plus one line naming it in
 * {@code META-INF/services/org.transferkit.backbone.BackboneProvider}; {@link Backbones#installed()} finds it with
 * {@link java.util.ServiceLoader}, and {@code --backbone NAME}, {@code models list} and {@code models info} see it.
 *
 * <pre>{@code
 * public final class MyNetProvider implements BackboneProvider {
 *     public List<BackboneInfo> backbones() {
 *         return List.of(new BackboneInfo("mynet", "my network, 64x64, random weights", new InputShape(3, 64, 64), false));
 *     }
 *     public Backbone open(String name, BackboneOptions options) {
 *         options.requireNoWeights(name);
 *         return ConvNet.builder(new InputShape(3, 64, 64)).id(name).seed(options.seed()).conv2d(16, 3).build();
 *     }
 * }
 * }</pre>
 *
 * Implementations have a public no-argument constructor, are stateless and thread-safe: the registry makes one
 * instance and calls it from any thread.
 */
public interface BackboneProvider {
    /**
     * @return the backbones offered, in listing order; the same list on every call, names unique across all
     *     installed providers
     */
    List<BackboneInfo> backbones();

    /**
     * Opens one of the offered backbones. The registry calls it only with a name from {@link #backbones()}, and
     * with a non-zero {@link BackboneOptions#inputSize()} only for a {@link BackboneInfo#resizable()} one.
     *
     * @param name one of the names of {@link #backbones()}
     * @param options weights file, seed, input size
     * @return the backbone
     * @throws IllegalArgumentException if the options do not fit this backbone (e.g. a weights file for one with
     *     random weights); the message says what it accepts
     * @throws TransferKitException if its weights cannot be found or read
     */
    Backbone open(String name, BackboneOptions options) throws TransferKitException;

    /**
     * @param name one of the names of {@link #backbones()}
     * @param runtime the run-time options (the folders weights are looked for in)
     * @return whether its default weights are on this machine now; true (the default) for backbones whose weights
     *     are random or ship with the code
     */
    default boolean weightsLocal(String name, RuntimeOptions runtime) {
        return true;
    }
}
