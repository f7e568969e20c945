package org.transferkit.zoo;

import org.transferkit.Checksums;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.SqueezeNet;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.transferkit.TransferKitException;
import org.transferkit.WeightsException;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.zoo.keras.KerasWeights;
import org.transferkit.runtime.RuntimeOptions;

/**
 * SqueezeNet v1.1 (DL4J zoo's {@code SqueezeNet.init()} graph, 227×227, ~0.7 M parameters without
 * its top) with ImageNet weights from the keras-squeezenet HDF5 file
 * ({@value #KERAS_FILE}), loaded layer by layer. Caffe-style preprocessing: BGR, ImageNet channel
 * means subtracted, no scaling, squashed to 227×227. Immutable and thread-safe.
 */
public final class SqueezeNetBackbone extends BaseBackbone {
    /** Catalogue id. */
    public static final String ID = "squeezenet";
    /** The usual name of the Keras weights file. */
    public static final String KERAS_FILE = "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5";
    /** Where a user gets the weights by hand. */
    public static final String SOURCE = "the v1.0 release of github.com/rcmalli/keras-squeezenet (MIT licence)";
    /** Where the Keras weights are published (keras-squeezenet v1.0 release). */
    public static final String KERAS_URL =
            "https://github.com/rcmalli/keras-squeezenet/releases/download/v1.0/" + KERAS_FILE;
    /** SHA-256 of the published Keras weights file. */
    public static final String KERAS_SHA256 = "2d935d8c102ad1232484a77da8e6fbdf3ff4ab608974a0d8b6283115ffff204f";
    /** Input shape. */
    public static final InputShape INPUT = new InputShape(3, 227, 227);

    private static final List<CutPoint> CUTS = List.of(
            new CutPoint("fire5", "fire5", new long[] {256, 27, 27}, "end of the second fire stage, 27x27"),
            new CutPoint("pool5", "pool5", new long[] {256, 13, 13}, "after the third max-pool, 13x13"),
            new CutPoint("fire7", "fire7", new long[] {384, 13, 13}, "fire module 7, 13x13"),
            new CutPoint("fire9", "fire9", new long[] {512, 13, 13}, "last fire module: the no-top network's output"));

    private static final List<CutPoint> BLOCKS = blocksOf();

    private final Path weights;

    private static List<CutPoint> blocksOf() {
        List<CutPoint> b = new ArrayList<>();
        b.add(new CutPoint("conv1", "pool1", new long[] {64, 56, 56}, "conv1 + max-pool"));
        long[][] shapes = {{128, 56, 56}, {128, 56, 56}, {256, 27, 27}, {256, 27, 27}, {384, 13, 13}, {384, 13, 13},
            {512, 13, 13}, {512, 13, 13}};
        for (int f = 2; f <= 9; f++) {
            b.add(new CutPoint("fire" + f, "fire" + f, shapes[f - 2], "fire module " + f));
        }
        return List.copyOf(b);
    }

    @Override
    public List<CutPoint> blocks() {
        return BLOCKS;
    }

    private SqueezeNetBackbone(Path weights, String weightsId) {
        super(ID, INPUT, Preprocessing.caffe(), CUTS, CUTS.get(3), weightsId);
        this.weights = weights;
    }

    /**
     * As {@link #pretrained(Path, RuntimeOptions)} with {@link RuntimeOptions#defaults()}.
     *
     * @param explicit a Keras weights file, or null to look in {@code models/} and the default weights folder
     * @return the backbone with ImageNet weights
     * @throws WeightsException if no weights file is found (the message lists where it looked)
     */
    public static SqueezeNetBackbone pretrained(Path explicit) throws WeightsException {
        return pretrained(explicit, RuntimeOptions.defaults());
    }

    /**
     * @param explicit a Keras weights file, or null to look in {@code models/} and the weights folder of {@code options}
     * @param options the run-time options ({@link RuntimeOptions#weightsDir()})
     * @return the backbone with ImageNet weights
     * @throws WeightsException if no weights file is found (the message lists where it looked)
     */
    public static SqueezeNetBackbone pretrained(Path explicit, RuntimeOptions options) throws WeightsException {
        Path f = WeightsLocator.require(options, explicit, KERAS_FILE, ID, SOURCE);
        try {
            return new SqueezeNetBackbone(f, Checksums.sha256(f));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + f.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** @return the architecture with DL4J's random initialisation (no download, no file) */
    public static SqueezeNetBackbone untrained() {
        return new SqueezeNetBackbone(null, "random(dl4j-zoo-init)");
    }

    /** @return the Keras-to-DL4J layer mapping of the 25 convolutions below the top (conv1, 8 fire modules x 3) */
    public static List<KerasWeights.Mapping> kerasMapping() {
        List<KerasWeights.Mapping> m = new ArrayList<>();
        m.add(new KerasWeights.Mapping("conv1", "conv1", KerasWeights.Kind.CONV));
        for (int f = 2; f <= 9; f++) {
            m.add(new KerasWeights.Mapping("fire" + f + "/squeeze1x1", "fire" + f + "_sq1x1", KerasWeights.Kind.CONV));
            m.add(new KerasWeights.Mapping("fire" + f + "/expand1x1", "fire" + f + "_exp1x1", KerasWeights.Kind.CONV));
            m.add(new KerasWeights.Mapping("fire" + f + "/expand3x3", "fire" + f + "_exp3x3", KerasWeights.Kind.CONV));
        }
        return List.copyOf(m);
    }

    /**
     * DL4J 1.0.0-M2.1's zoo {@code SqueezeNet} configuration leaves every convolution at DL4J's default
     * activation, sigmoid, before its separate ReLU layer; the network these weights belong to has linear
     * convolutions followed by ReLU. This returns the zoo configuration with identity activations on the
     * convolutions (the ReLU layers stay).
     *
     * @return the corrected configuration
     */
    public static ComputationGraphConfiguration architecture() {
        ComputationGraph zoo = SqueezeNet.builder().numClasses(1000).build().init();
        ComputationGraphConfiguration conf = zoo.getConfiguration().clone();
        zoo.close();
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof ConvolutionLayer c) {
                c.setActivationFn(new ActivationIdentity());
            }
        }
        return conf;
    }

    @Override
    public ComputationGraph loadGraph() throws TransferKitException {
        ComputationGraph g = new ComputationGraph(architecture());
        g.init();
        if (weights != null) {
            KerasWeights.load(weights, g, kerasMapping());
        }
        return g;
    }
}
