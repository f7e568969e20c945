package org.transferkit.train;

import java.util.Locale;

/**
 * How the learning rate changes over epochs: constant, step decay ({@code gamma} every {@code stepEvery}
 * epochs, like PyTorch's StepLR) or cosine decay to zero, each optionally after a linear warm-up.
 * Immutable.
 *
 * @param type the shape of the schedule
 * @param stepEvery epochs between decays for {@link Type#STEP}, >= 1
 * @param gamma decay factor for {@link Type#STEP}, in (0, 1]
 * @param warmupEpochs epochs of linear warm-up from {@code base / (warmupEpochs + 1)} to {@code base}, >= 0
 */
public record LrSchedule(Type type, int stepEvery, double gamma, int warmupEpochs) {
    /** The shape of a schedule. */
    public enum Type { CONSTANT, STEP, COSINE }

    /** @throws IllegalArgumentException if a value is out of range */
    public LrSchedule {
        java.util.Objects.requireNonNull(type, "type");
        if (stepEvery < 1 || !(gamma > 0 && gamma <= 1) || warmupEpochs < 0) {
            throw new IllegalArgumentException("schedule needs stepEvery >= 1, gamma in (0, 1], warm-up >= 0; got "
                    + stepEvery + ", " + gamma + ", " + warmupEpochs);
        }
    }

    /** @return a constant learning rate */
    public static LrSchedule constant() {
        return new LrSchedule(Type.CONSTANT, 1, 1, 0);
    }

    /**
     * @param name {@code constant}, {@code step} or {@code cosine}, any case
     * @return that type
     * @throws IllegalArgumentException if unknown; the message lists the valid names
     */
    public static Type parseType(String name) {
        try {
            return Type.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown schedule '" + name + "'; valid: constant, step, cosine", e);
        }
    }

    /**
     * @param base the configured learning rate
     * @param epoch 1-based epoch
     * @param epochs total epochs
     * @return the learning rate for {@code epoch}
     */
    public double at(double base, int epoch, int epochs) {
        if (epoch <= warmupEpochs) {
            return base * epoch / (warmupEpochs + 1.0);
        }
        int e = epoch - warmupEpochs - 1; // 0-based after warm-up
        int span = Math.max(1, epochs - warmupEpochs);
        return switch (type) {
            case CONSTANT -> base;
            case STEP -> base * Math.pow(gamma, e / stepEvery);
            case COSINE -> base * 0.5 * (1 + Math.cos(Math.PI * e / span));
        };
    }

    @Override
    public String toString() {
        String s = switch (type) {
            case CONSTANT -> "constant";
            case STEP -> "step x" + gamma + " every " + stepEvery;
            case COSINE -> "cosine";
        };
        return warmupEpochs > 0 ? s + " after " + warmupEpochs + " warm-up epochs" : s;
    }
}
