package org.transferkit.zoo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.transferkit.Checksums;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.WeightsException;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * Any saved DL4J {@code ComputationGraph} or {@code MultiLayerNetwork} zip as a backbone. Every vertex with a
 * feature-map or vector output is a cut point, named by its vertex name (a multi-layer network's layers are
 * named by their layer names, or {@code layerN}); the user names one, and a wrong name is refused with the
 * list of valid ones. Immutable and thread-safe.
 */
public final class CustomBackbone extends BaseBackbone {
    /** Catalogue name. */
    public static final String ID = "custom";

    /** Height and width assumed when the caller gives no input shape (DL4J zips do not record it). */
    public static final int DEFAULT_SIZE = 224;

    private final Path file;

    private CustomBackbone(InputShape input, Preprocessing preprocessing, List<CutPoint> cuts, CutPoint def, Path file,
            String weightsId) {
        super(ID, input, preprocessing, cuts, def, weightsId);
        this.file = file;
    }

    /**
     * Opens a DL4J model zip. Only its configuration is read here; {@link #loadGraph()} loads the weights.
     *
     * @param zip the model file
     * @param input its input shape, or null for the first convolution's channels at 224x224
     * @param preprocessing what its weights expect, or null for ImageNet mean/std (torchvision style)
     * @return the backbone; its default cut point is the layer feeding the model's output layer
     * @throws WeightsException if the file does not exist or cannot be read
     * @throws ModelFormatException if it is not a DL4J image model or does not take the input shape
     */
    public static CustomBackbone open(Path zip, InputShape input, Preprocessing preprocessing) throws TransferKitException {
        Objects.requireNonNull(zip, "a custom backbone needs its model file (zip)");
        if (!Files.isRegularFile(zip)) {
            throw new WeightsException("custom backbone model " + zip.toAbsolutePath() + " does not exist");
        }
        ComputationGraphConfiguration conf = ZooBackbone.readConfiguration(zip);
        InputShape in = input != null ? input : recordedInput(conf, zip);
        Map<String, InputType> types = GraphShapes.types(conf, in);
        List<CutPoint> cuts = new ArrayList<>();
        CutPoint def = null;
        for (String v : Locator.topologicalOrder(conf)) {
            long[] shape = GraphShapes.shape(types.get(v));
            if (conf.getNetworkInputs().contains(v) || shape == null || shape.length == 0 || isOutput(conf, v)) {
                continue;
            }
            CutPoint c = new CutPoint(v, v, shape, "vertex " + v);
            cuts.add(c);
            if (def == null && feedsOutput(conf, v)) {
                def = c;
            }
        }
        if (cuts.isEmpty()) {
            throw new ModelFormatException(zip.toAbsolutePath() + " has no vertex with a feature-map or vector output");
        }
        try {
            return new CustomBackbone(in, preprocessing != null ? preprocessing : Preprocessing.imagenet(), cuts,
                    def != null ? def : cuts.get(cuts.size() - 1), zip, Checksums.sha256(zip));
        } catch (IOException e) {
            throw new WeightsException("cannot read " + zip.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** DL4J zips do not record the input size: channels come from the first convolution, the size defaults to 224. */
    private static InputShape recordedInput(ComputationGraphConfiguration conf, Path zip) throws ModelFormatException {
        for (String v : Locator.topologicalOrder(conf)) {
            if (conf.getVertices().get(v) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
                return new InputShape((int) c.getNIn(), DEFAULT_SIZE, DEFAULT_SIZE);
            }
        }
        throw new ModelFormatException(zip.toAbsolutePath() + " has no convolution to take an image; it is not an image "
                + "backbone");
    }

    private static boolean isOutput(ComputationGraphConfiguration conf, String v) {
        return conf.getVertices().get(v) instanceof LayerVertex lv
                && (lv.getLayerConf().getLayer() instanceof BaseOutputLayer || lv.getLayerConf().getLayer() instanceof LossLayer);
    }

    private static boolean feedsOutput(ComputationGraphConfiguration conf, String v) {
        for (var e : conf.getVertexInputs().entrySet()) {
            if (e.getValue().contains(v) && isOutput(conf, e.getKey())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ComputationGraph loadGraph() throws TransferKitException {
        try {
            return ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (Exception graphFailure) {
            try {
                MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
                ComputationGraph g = new ComputationGraph(ZooArchitecture.graphOf(net.getLayerWiseConfigurations(), null));
                g.init(net.params().dup(), false);
                return g;
            } catch (Exception mlnFailure) {
                graphFailure.addSuppressed(mlnFailure);
                throw new ModelFormatException("cannot load DL4J model " + file.toAbsolutePath() + ": "
                        + graphFailure.getMessage(), graphFailure);
            }
        }
    }
}
