package org.transferkit.backbone;

import java.util.Locale;
import java.util.Objects;
import org.transferkit.model.InputShape;

/**
 * One backbone a {@link BackboneProvider} offers, as {@code models list} shows it. Immutable.
 *
 * @param name the name users pass ({@code --backbone NAME}): lower case, no blanks, unique across providers
 * @param description one line
 * @param input the input shape it takes by default, or null where it depends on a file (e.g. a custom model zip)
 * @param pretrained whether pretrained (ImageNet or demo) weights exist for it
 * @param resizable whether it accepts {@link BackboneOptions#inputSize()} (a network built at any input size)
 */
public record BackboneInfo(String name, String description, InputShape input, boolean pretrained, boolean resizable) {
    /**
     * @throws IllegalArgumentException if the name is blank, not lower case or holds white space, or the
     *     description is blank
     */
    public BackboneInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        if (name.isBlank() || !name.equals(name.strip().toLowerCase(Locale.ROOT)) || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("a backbone name is lower case without blanks, got '" + name + "'");
        }
        if (description.isBlank()) {
            throw new IllegalArgumentException("backbone '" + name + "' needs a one-line description");
        }
    }

    /**
     * A backbone of a fixed input size.
     *
     * @param name the name users pass
     * @param description one line
     * @param input the input shape, or null where it depends on a file
     * @param pretrained whether pretrained weights exist for it
     */
    public BackboneInfo(String name, String description, InputShape input, boolean pretrained) {
        this(name, description, input, pretrained, false);
    }
}
