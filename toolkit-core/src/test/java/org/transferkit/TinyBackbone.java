package org.transferkit;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/** A random-weight 2-conv backbone on 3x16x16 for fast tests. */
public final class TinyBackbone extends BaseBackbone {
    public static final InputShape INPUT = new InputShape(3, 16, 16);
    private static final List<CutPoint> CUTS = List.of(
            new CutPoint("conv2", "conv2", new long[] {8, 8, 8}, "second conv"),
            new CutPoint("dense", "dense", new long[] {16}, "penultimate dense"));

    private final long seed;

    public TinyBackbone(long seed) {
        super("tiny", INPUT, Preprocessing.minusOneToOne(), CUTS, CUTS.get(0), "random(seed=" + seed + ")");
        this.seed = seed;
    }







    @Override
    public ComputationGraph loadGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(seed)
                .activation(Activation.RELU).weightInit(WeightInit.RELU).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(16, 16, 3))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "in")
                .addLayer("pool1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "conv1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(8).build(), "pool1")
                .addLayer("dense", new DenseLayer.Builder().nOut(16).build(), "conv2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }
}
