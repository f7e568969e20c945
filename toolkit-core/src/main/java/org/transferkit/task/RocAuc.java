package org.transferkit.task;

import java.util.Arrays;
import java.util.List;

/** One-vs-rest ROC-AUC from scores, by the rank-sum (Mann-Whitney) statistic with ties averaged. */
final class RocAuc {
    private RocAuc() {
    }

    /**
     * @param examples evaluated images
     * @param c the positive class
     * @return the area under the ROC curve of class {@code c}'s probability; NaN if the examples have
     *     no positives or no negatives of {@code c}
     */
    static double oneVsRest(List<ExamplePrediction> examples, int c) {
        double[] scores = new double[examples.size()];
        boolean[] positive = new boolean[examples.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = examples.get(i).probabilities()[c];
            positive[i] = examples.get(i).trueLabel() == c;
        }
        return auc(scores, positive);
    }

    /**
     * @param scores one score per example
     * @param positive whether each example is a positive
     * @return the area under the ROC curve; NaN without positives or without negatives
     */
    static double auc(double[] scores, boolean[] positive) {
        int n = scores.length;
        double[][] scored = new double[n][2];
        long pos = 0;
        for (int i = 0; i < n; i++) {
            scored[i][0] = scores[i];
            scored[i][1] = positive[i] ? 1 : 0;
            pos += positive[i] ? 1 : 0;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        Arrays.sort(scored, (a, b) -> Double.compare(a[0], b[0]));
        double rankSumPos = 0;
        for (int i = 0; i < n;) {
            int j = i;
            while (j < n && scored[j][0] == scored[i][0]) {
                j++;
            }
            double avgRank = (i + 1 + j) / 2.0; // ranks i+1..j
            for (int k = i; k < j; k++) {
                if (scored[k][1] == 1) {
                    rankSumPos += avgRank;
                }
            }
            i = j;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }
}
