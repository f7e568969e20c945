package org.transferkit.task;

import java.nio.file.Path;

/**
 * What the classifier said about one evaluated image.
 *
 * @param path the image file
 * @param trueLabel index of its true class
 * @param probabilities softmax output, one per class (not copied: do not mutate)
 */
public record ExamplePrediction(Path path, int trueLabel, float[] probabilities) {
    /** @return index of the most probable class (the lowest index on ties) */
    public int predicted() {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        return best;
    }

    /** @return true if the top prediction is the true class */
    public boolean correct() {
        return predicted() == trueLabel;
    }

    /**
     * @param k how many top classes count, >= 1
     * @return true if the true class is among the {@code k} most probable
     */
    public boolean inTopK(int k) {
        float p = probabilities[trueLabel];
        int higher = 0;
        for (int c = 0; c < probabilities.length; c++) {
            if (probabilities[c] > p || (probabilities[c] == p && c < trueLabel)) {
                higher++;
            }
        }
        return higher < k;
    }
}
