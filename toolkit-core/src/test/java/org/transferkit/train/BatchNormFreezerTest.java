package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class BatchNormFreezerTest {
    static ComputationGraph net(boolean logStd) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
                .dataType(DataType.DOUBLE).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
                .addLayer("c", new ConvolutionLayer.Builder(1, 1).nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().useLogStd(logStd).build(), "c")
                .addLayer("gp", new GlobalPoolingLayer.Builder().build(), "bn")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "gp")
                .setOutputs("out").build());
        g.init();
        // give the statistics non-trivial values, as a trained network has
        Nd4j.getRandom().setSeed(7);
        g.getLayer("bn").setParam("mean", Nd4j.rand(DataType.DOUBLE, 3).subi(0.5));
        g.getLayer("bn").setParam("gamma", Nd4j.rand(DataType.DOUBLE, 3).addi(0.5));
        g.getLayer("bn").setParam("beta", Nd4j.rand(DataType.DOUBLE, 3).subi(0.5));
        if (logStd) {
            g.getLayer("bn").setParam("log10stdev", Nd4j.rand(DataType.DOUBLE, 3).muli(0.3));
        } else {
            g.getLayer("bn").setParam("var", Nd4j.rand(DataType.DOUBLE, 3).addi(0.5));
        }
        return g;
    }

    @Test
    void frozenBatchNormGivesInferenceOutputsEvenWhenTrainingAndCorrectGradients() throws Exception {
        for (boolean logStd : new boolean[] {true, false}) {
            ComputationGraph g = net(logStd);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 2, 4, 4).muli(3);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 8, 2);
            y.getColumn(0).assign(1);
            INDArray inference = g.outputSingle(false, x);
            ComputationGraph f = BatchNormFreezer.freeze(g);
            assertTrue(inference.equalsWithEps(f.outputSingle(false, x), 1e-6), "same inference outputs");
            assertTrue(inference.equalsWithEps(f.feedForward(x, true).get("out"), 1e-6), "training-mode forward = inference");
            // the gradient of a weight below the frozen batch norm matches a finite difference
            f.setInputs(x);
            f.setLabels(y);
            f.computeGradientAndScore();
            double analytic = f.gradient().getGradientFor("c_W").getDouble(1, 0, 0, 0);
            INDArray w = f.getLayer("c").getParam("W");
            double w0 = w.getDouble(1, 0, 0, 0);
            double h = 1e-6;
            w.putScalar(new long[] {1, 0, 0, 0}, w0 + h);
            double up = f.score(new DataSet(x, y), false);
            w.putScalar(new long[] {1, 0, 0, 0}, w0 - h);
            double down = f.score(new DataSet(x, y), false);
            w.putScalar(new long[] {1, 0, 0, 0}, w0);
            // DL4J's raw gradient is summed over the mini-batch; the score is its mean
            assertEquals((up - down) / (2 * h), analytic / x.size(0), 1e-6, "logStd=" + logStd);
            INDArray affine = f.getLayer("bn").params().dup();
            f.fit(new DataSet(x, y));
            assertEquals(affine, f.getLayer("bn").params(), "the statistics never move");
            // the frozen form saves and loads like any DL4J graph (it ends up in classifier bundles)
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            org.deeplearning4j.util.ModelSerializer.writeModel(f, bytes, false);
            ComputationGraph back = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()), false);
            assertEquals(f.outputSingle(false, x), back.outputSingle(false, x));
        }
    }
}
