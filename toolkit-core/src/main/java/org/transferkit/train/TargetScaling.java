package org.transferkit.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.BaseOutputLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.LabelledImage;
import org.transferkit.head.TransferModel;

/**
 * Standardized regression targets: training runs on {@code (y - mean) / std} (per target, from the training
 * images), so the loss and learning rate behave the same whether a target is a probability or a price. When
 * training ends, the scale is folded into the linear output layer ({@code W' = W·std}, {@code b' = b·std + mean}),
 * so the saved network predicts in the targets' own units and nothing else has to undo it. Immutable.
 *
 * @param mean per-target mean of the training targets
 * @param std per-target standard deviation (1 where a target is constant)
 */
public record TargetScaling(double[] mean, double[] std) {
    /**
     * @param train a regression training set with at least one image
     * @return its per-target mean and standard deviation
     */
    public static TargetScaling fit(ImageDataset train) {
        int k = train.labels().size();
        double[] mean = new double[k];
        double[] sq = new double[k];
        int n = train.size();
        for (LabelledImage img : train.images()) {
            float[] t = img.targetRow(k);
            for (int c = 0; c < k; c++) {
                mean[c] += t[c];
                sq[c] += t[c] * (double) t[c];
            }
        }
        double[] std = new double[k];
        for (int c = 0; c < k; c++) {
            mean[c] /= Math.max(1, n);
            double var = sq[c] / Math.max(1, n) - mean[c] * mean[c];
            std[c] = var > 1e-12 ? Math.sqrt(var) : 1.0;
        }
        return new TargetScaling(mean, std);
    }

    /** @return the three parts with standardized targets (same files, same order) */
    DatasetSplit apply(DatasetSplit s) {
        return new DatasetSplit(apply(s.train()), apply(s.val()), apply(s.test()));
    }

    private ImageDataset apply(ImageDataset d) {
        List<LabelledImage> out = new ArrayList<>(d.size());
        for (LabelledImage img : d.images()) {
            float[] t = img.targetRow(mean.length);
            for (int c = 0; c < t.length; c++) {
                t[c] = (float) ((t[c] - mean[c]) / std[c]);
            }
            out.add(LabelledImage.withTarget(img.path(), t, img.label()));
        }
        return new ImageDataset(d.task(), d.labels(), out, d.skipped());
    }

    /**
     * Folds the scale into the graph's output layer {@value TransferModel#OUTPUT} (linear activation), in place.
     *
     * @param graph a graph trained on standardized targets
     */
    void fold(ComputationGraph graph) {
        BaseOutputLayer<?> out = (BaseOutputLayer<?>) graph.getLayer(TransferModel.OUTPUT);
        INDArray w = out.getParam("W"); // [nIn, k]
        INDArray b = out.getParam("b"); // [1, k]
        INDArray s = Nd4j.create(std).castTo(w.dataType()).reshape(1, std.length);
        INDArray m = Nd4j.create(mean).castTo(w.dataType()).reshape(1, mean.length);
        w.muliRowVector(s);
        b.muli(s.reshape(b.shape())).addi(m.reshape(b.shape()));
    }

    @Override
    public String toString() {
        return "TargetScaling[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
