package org.transferkit.task;

import org.nd4j.linalg.api.ndarray.INDArray;
/**
 * The per-epoch numbers of every task, from a network's outputs and the targets: the selection metric
 * ({@link Task#metricName()}, higher is better) and the mean loss. Stateless.
 */
public final class TaskMetrics {
    /** The threshold a multi-label output must reach to count as predicted, unless one is tuned. */
    public static final double DEFAULT_THRESHOLD = 0.5;

    private TaskMetrics() {
    }

    /**
     * @param task the task
     * @param outputs network outputs, [n, k]
     * @param targets targets, [n, k] (one-hot, 0/1 labels, or values)
     * @return the task's {@link Task#score selection metric}; NaN for no rows
     */
    public static double score(Task task, INDArray outputs, INDArray targets) {
        return task.score(outputs.toFloatMatrix(), targets.toFloatMatrix());
    }

    /**
     * @param loss the loss
     * @param outputs network outputs after the activation, [n, k]
     * @param targets targets, [n, k]
     * @return the mean loss per example, as DL4J computes it for that loss (without class weights)
     */
    public static double loss(Loss loss, INDArray outputs, INDArray targets) {
        return loss.mean(outputs.toFloatMatrix(), targets.toFloatMatrix());
    }

    public static double accuracy(float[][] o, float[][] t) {
        int correct = 0;
        for (int i = 0; i < o.length; i++) {
            correct += argMax(o[i]) == argMax(t[i]) ? 1 : 0;
        }
        return correct / (double) o.length;
    }

    /** @return micro-averaged F1 over all (image, label) decisions; 1 when nothing is positive or predicted */
    public static double microF1(float[][] o, float[][] t, double threshold) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < o.length; i++) {
            for (int c = 0; c < o[i].length; c++) {
                boolean p = o[i][c] >= threshold;
                boolean y = t[i][c] > 0.5f;
                tp += p && y ? 1 : 0;
                fp += p && !y ? 1 : 0;
                fn += !p && y ? 1 : 0;
            }
        }
        return tp + fp + fn == 0 ? 1.0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** @return R² of one output column; NaN when the targets are constant */
    public static double r2(float[][] o, float[][] t, int c) {
        double mean = 0;
        for (float[] row : t) {
            mean += row[c];
        }
        mean /= t.length;
        double res = 0;
        double tot = 0;
        for (int i = 0; i < t.length; i++) {
            res += (t[i][c] - o[i][c]) * (double) (t[i][c] - o[i][c]);
            tot += (t[i][c] - mean) * (t[i][c] - mean);
        }
        return tot == 0 ? Double.NaN : 1 - res / tot;
    }

    public static double meanR2(float[][] o, float[][] t) {
        double sum = 0;
        int n = 0;
        for (int c = 0; c < o[0].length; c++) {
            double r = r2(o, t, c);
            if (!Double.isNaN(r)) {
                sum += r;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    public static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
