package org.transferkit.train;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;

/** The weight-update rules TransferKit offers, by the names used on the command line and in JSON. */
public enum Optimizer {
    /** Stochastic gradient descent with Nesterov momentum 0.9. */
    SGD,
    /** Adam (beta1 0.9, beta2 0.999). */
    ADAM,
    /** RMSprop (decay 0.95). */
    RMSPROP;

    /**
     * The DL4J mapping, internal to training (the surgery and the epoch loop take it); users choose an optimizer by
     * name in {@link FineTune}.
     *
     * @param learningRate the learning rate, > 0
     * @return a new DL4J updater configuration
     * @throws IllegalArgumentException if the learning rate is not positive
     */
    IUpdater updater(double learningRate) {
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        return switch (this) {
            case SGD -> new Nesterovs(learningRate, 0.9);
            case ADAM -> new Adam(learningRate);
            case RMSPROP -> new RmsProp(learningRate);
        };
    }

    /**
     * @param name a name in any case ({@code sgd}, {@code Adam}, ...)
     * @return the optimizer
     * @throws IllegalArgumentException if unknown; the message lists the valid names
     */
    public static Optimizer parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'; valid: "
                    + Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList(), e);
        }
    }
}
