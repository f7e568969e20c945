package org.transferkit.zoo;

import java.util.Objects;

/**
 * A published place in an architecture, before it is resolved against a concrete graph: a cut point or
 * the end of a block. Immutable.
 *
 * @param name the public name (the same for the {@code init()} and the pretrained graph)
 * @param locator how to find its vertex in either graph
 * @param description one line for {@code models info}
 */
public record Site(String name, Locator locator, String description) {
    /** @throws NullPointerException if a field is null */
    public Site {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(locator, "locator");
        Objects.requireNonNull(description, "description");
    }
}
