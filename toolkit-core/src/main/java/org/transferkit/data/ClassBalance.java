package org.transferkit.data;

/** Class counts: how unbalanced they are, and loss weights that even them out. Stateless. */
public final class ClassBalance {
    /** Largest-to-smallest class ratio above which a warning is printed. */
    public static final double WARN_RATIO = 3.0;

    private ClassBalance() {
    }

    /**
     * @param counts images per class
     * @return largest count divided by smallest; infinite if a class has none
     */
    public static double ratio(int[] counts) {
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int c : counts) {
            max = Math.max(max, c);
            min = Math.min(min, c);
        }
        return min == 0 ? Double.POSITIVE_INFINITY : max / (double) min;
    }

    /**
     * @param counts images per class
     * @return a one-line warning when the ratio exceeds {@link #WARN_RATIO}, else empty
     */
    public static String warning(int[] counts) {
        double r = ratio(counts);
        return r > WARN_RATIO ? String.format(java.util.Locale.ROOT, "classes are imbalanced: the largest has %.1fx the "
                + "images of the smallest; consider class weights (FineTune.Builder.classWeights(true))", r) : "";
    }

    /**
     * Balanced weights {@code n / (k * n_c)}: every class contributes equally to the loss.
     *
     * @param counts images per class, each >= 1
     * @return one weight per class (1.0 each when balanced)
     * @throws IllegalArgumentException if a class has no images
     */
    public static double[] weights(int[] counts) {
        long n = 0;
        for (int c : counts) {
            if (c < 1) {
                throw new IllegalArgumentException("class weights need >= 1 image per class, got counts "
                        + java.util.Arrays.toString(counts));
            }
            n += c;
        }
        double[] w = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            w[i] = n / ((double) counts.length * counts[i]);
        }
        return w;
    }
}
