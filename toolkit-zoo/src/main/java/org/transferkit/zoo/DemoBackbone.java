package org.transferkit.zoo;

import org.transferkit.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.WeightsException;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * The project's own small backbone: four 3×3 conv layers (16, 32, 64, 64 filters, ReLU, 2×2 max
 * pooling between them) on 32×32 RGB, global average pooling, a 128-unit dense layer, and a softmax
 * over the {@link DemoShapes.Task#SOURCE} classes it was pretrained on. About 70 k parameters; the
 * pretrained weights ship as {@code models/demo-backbone.zip} (also inside this jar) and are remade by
 * {@link DemoPretrainer}. Immutable and thread-safe.
 */
public final class DemoBackbone extends BaseBackbone {
    /** Catalogue id. */
    public static final String ID = "demo";
    /** Classpath location of the committed pretrained weights. */
    public static final String RESOURCE = "/models/demo-backbone.zip";
    /** Input shape. */
    public static final InputShape INPUT = new InputShape(3, DemoShapes.SIZE, DemoShapes.SIZE);

    private static final List<CutPoint> CUTS = List.of(
            new CutPoint("conv3", "conv3", new long[] {64, 8, 8}, "third conv block, 8x8 feature map"),
            new CutPoint("conv4", "conv4", new long[] {64, 4, 4}, "last conv block, 4x4 feature map"),
            new CutPoint("pooled", "pooled", new long[] {64}, "globally average-pooled last conv block"),
            new CutPoint("fc", "fc", new long[] {128}, "penultimate dense layer"));
    private static final List<CutPoint> BLOCKS = List.of(
            new CutPoint("conv1", "pool1", new long[] {16, 16, 16}, "conv 1 + max-pool"),
            new CutPoint("conv2", "pool2", new long[] {32, 8, 8}, "conv 2 + max-pool"),
            new CutPoint("conv3", "pool3", new long[] {64, 4, 4}, "conv 3 + max-pool"),
            new CutPoint("conv4", "conv4", new long[] {64, 4, 4}, "conv 4"),
            new CutPoint("fc", "fc", new long[] {128}, "dense fc"));

    private final byte[] weights;
    private final long randomSeed;

    private DemoBackbone(byte[] weights, String weightsId, long randomSeed) {
        super(ID, INPUT, Preprocessing.minusOneToOne(), CUTS, CUTS.get(2), weightsId);
        this.weights = weights;
        this.randomSeed = randomSeed;
    }

    @Override
    public List<CutPoint> blocks() {
        return BLOCKS;
    }

    /**
     * @return the backbone with the committed pretrained weights, read from this jar
     * @throws WeightsException if the jar lacks them (a broken build)
     */
    public static DemoBackbone pretrained() throws WeightsException {
        try (InputStream in = DemoBackbone.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new WeightsException("demo backbone weights " + RESOURCE + " are not on the classpath; "
                        + "rebuild toolkit-zoo (it packs models/demo-backbone.zip) or open the demo backbone from a weights file");
            }
            byte[] b = in.readAllBytes();
            return new DemoBackbone(b, Checksums.sha256(b), 0);
        } catch (IOException e) {
            throw new WeightsException("cannot read demo backbone weights " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param file a DL4J graph zip of the demo architecture (as written by {@link DemoPretrainer})
     * @return the backbone with those weights
     * @throws WeightsException if the file cannot be read
     */
    public static DemoBackbone fromFile(Path file) throws WeightsException {
        try {
            byte[] b = Files.readAllBytes(file);
            return new DemoBackbone(b, Checksums.sha256(b), 0);
        } catch (IOException e) {
            throw new WeightsException("cannot read demo backbone weights " + file.toAbsolutePath() + ": " + e, e);
        }
    }

    /**
     * @param seed weight-init seed
     * @return the same architecture with random, untrained weights (the baseline that shows what
     *     pretraining is worth)
     */
    public static DemoBackbone untrained(long seed) {
        return new DemoBackbone(null, "random(seed=" + seed + ")", seed);
    }

    /**
     * @param numClasses classes of the output layer
     * @param seed weight-init seed
     * @return the architecture
     */
    public static ComputationGraphConfiguration architecture(int numClasses, long seed) {
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(2e-3))
                .weightInit(WeightInit.RELU)
                .activation(Activation.RELU)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(INPUT.height(), INPUT.width(), INPUT.channels()))
                .addLayer("conv1", conv(16), "input")
                .addLayer("pool1", pool(), "conv1")
                .addLayer("conv2", conv(32), "pool1")
                .addLayer("pool2", pool(), "conv2")
                .addLayer("conv3", conv(64), "pool2")
                .addLayer("pool3", pool(), "conv3")
                .addLayer("conv4", conv(64), "pool3")
                .addLayer("pooled", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "conv4")
                .addLayer("fc", new DenseLayer.Builder().nOut(128).build(), "pooled")
                .addLayer("predictions", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(numClasses).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "fc")
                .setOutputs("predictions")
                .build();
    }

    private static ConvolutionLayer conv(int filters) {
        return new ConvolutionLayer.Builder(3, 3).nOut(filters).build();
    }

    private static SubsamplingLayer pool() {
        return new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
    }







    @Override
    public ComputationGraph loadGraph() throws TransferKitException {
        if (weights == null) {
            ComputationGraph g = new ComputationGraph(architecture(DemoShapes.Task.SOURCE.classes().size(), randomSeed));
            g.init();
            return g;
        }
        try {
            return ModelSerializer.restoreComputationGraph(new java.io.ByteArrayInputStream(weights), false);
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException("demo backbone weights (sha256 " + weightsId() + ") are not a DL4J graph: "
                    + e, e);
        }
    }
}
