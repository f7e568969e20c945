package org.transferkit.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;

/**
 * The acceptance test for the zoo: frozen, globally pooled SqueezeNet features of the shared photos,
 * scaled to unit length and classified by the nearest class centroid of the train split (cosine nearest centroid). The real ImageNet weights must score at
 * least 0.85 on val; the same graph with random weights must score far lower.
 */
@Tag("real-data")
class SqueezeNetCentroidTest {
    @Test
    void realWeightsMakeFeaturesANearestCentroidClassifierCanUseAndRandomWeightsDoNot() throws Exception {
        Path h5 = SharedFiles.require("weights/keras/" + SqueezeNetBackbone.KERAS_FILE);
        Path data = SharedFiles.require("datasets/hymenoptera");
        ImageDataset train = ImageDataset.fromFolder(data.resolve("train"));
        ImageDataset val = ImageDataset.fromFolder(data.resolve("val"), train.labels());
        double real = centroidAccuracy(SqueezeNetBackbone.pretrained(h5), train, val);
        double random = centroidAccuracy(SqueezeNetBackbone.untrained(), train, val);
        System.out.printf("nearest-centroid val accuracy: ImageNet weights %.4f, random weights %.4f%n", real, random);
        assertTrue(real >= 0.85, "ImageNet SqueezeNet features: " + real);
        assertTrue(random <= real - 0.15, "random weights must be far lower: " + random + " vs " + real);
    }

    static double centroidAccuracy(Backbone b, ImageDataset train, ImageDataset val) throws Exception {
        ComputationGraph g = b.loadGraph();
        try {
            INDArray[] trainF = features(g, b, train);
            int k = train.labels().size();
            INDArray centroids = Nd4j.zeros(k, trainF[0].size(1));
            for (int c = 0; c < k; c++) {
                INDArray mask = trainF[1].getColumn(c).reshape(-1, 1);
                centroids.putRow(c, trainF[0].mul(mask).sum(0).div(mask.sumNumber().doubleValue()));
            }
            INDArray[] valF = features(g, b, val);
            int right = 0;
            for (int i = 0; i < valF[0].size(0); i++) {
                INDArray d = centroids.subRowVector(valF[0].getRow(i)).norm2(1);
                if (Nd4j.argMax(d.neg()).getInt(0) == Nd4j.argMax(valF[1].getRow(i)).getInt(0)) {
                    right++;
                }
            }
            return right / (double) valF[0].size(0);
        } finally {
            g.close();
        }
    }

    /** @return pooled, unit-length features [n, c] and one-hot labels [n, k] */
    static INDArray[] features(ComputationGraph g, Backbone b, ImageDataset d) throws Exception {
        String v = b.defaultCutPoint().vertex();
        java.util.List<INDArray> f = new java.util.ArrayList<>();
        java.util.List<INDArray> y = new java.util.ArrayList<>();
        try (ImagePipeline p = ImagePipeline.builder(d).shape(b.inputShape()).preprocessing(b.preprocessing())
                .batchSize(16).build()) {
            while (p.hasNext()) {
                DataSet ds = p.next();
                INDArray pooled = g.feedForward(ds.getFeatures(), false).get(v).mean(2, 3);
                f.add(pooled.diviColumnVector(pooled.norm2(1).reshape(-1, 1).addi(1e-12))); // unit length: cosine centroids
                y.add(ds.getLabels());
            }
        }
        return new INDArray[] {Nd4j.vstack(f), Nd4j.vstack(y)};
    }
}
