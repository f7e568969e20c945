package org.transferkit.explain;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.bundle.BundleManifest;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.ImageDecoder;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.data.Tensors;

/**
 * Looks inside a saved model for one image at a time: grids of a layer's activation maps
 * ({@link #featureMaps}) and Grad-CAM heat maps of an output over the image ({@link #gradCam}). Layers are named
 * by {@link #layers()}; a name outside it is refused with the list. Thread-safe (one image at a time); holds
 * native memory: close it.
 */
public final class Explainer implements AutoCloseable {
    private final ClassifierBundle bundle;
    private final InputShape shape;
    private final Preprocessing preprocessing;
    private final Map<String, long[]> shapes;
    private final GradCam.Chain chain;
    private final Object lock = new Object();
    private boolean closed;

    /**
     * A layer that has activation maps.
     *
     * @param name vertex name
     * @param channels number of maps
     * @param height map height
     * @param width map width
     */
    public record Layer(String name, long channels, long height, long width) {
        @Override
        public String toString() {
            return name + " " + channels + "x" + height + "x" + width;
        }
    }

    /**
     * A Grad-CAM heat map.
     *
     * @param label the output explained (class, label or target name)
     * @param index its output unit
     * @param output the model's output for it (probability, or value for regression)
     * @param layer the feature map the heat map is computed at
     * @param map the heat map at that layer's resolution, {@code [h][w]}, scaled to [0, 1] (all 0 if no region
     *     raises the score)
     * @param overlay the heat map over the image as the model sees it, upscaled to at least 256 px
     */
    public record HeatMap(String label, int index, double output, String layer, float[][] map, BufferedImage overlay) {
    }

    private Explainer(ClassifierBundle bundle) {
        this.bundle = bundle;
        BundleManifest m = bundle.manifest();
        this.shape = m.inputShape();
        this.preprocessing = m.preprocessing().toPreprocessing();
        Map<String, InputType> types = bundle.graph().getConfiguration().getLayerActivationTypes(
                InputType.convolutional(shape.height(), shape.width(), shape.channels()));
        Map<String, long[]> s = new LinkedHashMap<>();
        for (String v : ModelSummary.order(bundle.graph().getConfiguration())) {
            InputType t = types.get(v);
            if (t instanceof InputType.InputTypeConvolutional c) {
                s.put(v, new long[] {c.getChannels(), c.getHeight(), c.getWidth()});
            } else if (t != null) {
                s.put(v, new long[] {t.arrayElementsPerExample()});
            }
        }
        this.shapes = s;
        GradCam.Chain c;
        try {
            c = GradCam.chain(bundle.graph().getConfiguration(), shapes);
        } catch (IllegalArgumentException e) {
            c = null; // feature maps still work; gradCam reports why
        }
        this.chain = c;
    }

    /**
     * @param file a bundle written by {@link ClassifierBundle#save}
     * @return an explainer owning the loaded model
     * @throws ModelFormatException if the file is missing, corrupt or not a bundle
     */
    public static Explainer load(Path file) throws ModelFormatException {
        return new Explainer(ClassifierBundle.load(file));
    }

    /** @return the layers with activation maps, input to output */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        shapes.forEach((k, v) -> {
            if (v.length == 3) {
                out.add(new Layer(k, v[0], v[1], v[2]));
            }
        });
        return out;
    }

    /** @return the layer Grad-CAM works at (the last feature map before the head), or null if it cannot */
    public String gradCamLayer() {
        return chain == null ? null : chain.featureVertex();
    }

    /**
     * Draws the activation maps of one layer for an image as a grid (each map scaled to its own min..max, bright
     * is high), first maps first.
     *
     * @param image an image file
     * @param layer one of {@link #layers()}
     * @param maxMaps how many maps to draw at most, >= 1
     * @return the grid
     * @throws IllegalArgumentException if the layer is not one of {@link #layers()} (the message lists them) or
     *     {@code maxMaps < 1}
     * @throws TransferKitException if the image cannot be read or decoded
     */
    public BufferedImage featureMaps(Path image, String layer, int maxMaps) throws TransferKitException {
        checkLayer(layer);
        if (maxMaps < 1) {
            throw new IllegalArgumentException("maxMaps must be >= 1, got " + maxMaps);
        }
        INDArray a = activations(image).get(layer);
        return Render.grid(a, maxMaps);
    }

    /**
     * Grad-CAM heat map of one output over an image, at {@link #gradCamLayer()}.
     *
     * @param image an image file
     * @param label the class, label or target name to explain; null for the highest output
     * @return the heat map
     * @throws IllegalArgumentException if {@code label} is not one of the model's labels (listed), or the model's
     *     head has a layer Grad-CAM cannot follow (named)
     * @throws TransferKitException if the image cannot be read or decoded
     */
    public HeatMap gradCam(Path image, String label) throws TransferKitException {
        if (chain == null) {
            GradCam.chain(bundle.graph().getConfiguration(), shapes); // throws the reason
        }
        List<String> labels = bundle.manifest().labels();
        BufferedImage seen;
        try {
            seen = ImageDecoder.resize(ImageDecoder.read(image), shape, preprocessing.resize());
        } catch (IOException e) {
            throw new TransferKitException("cannot read image " + image + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> acts = activations(seen);
        INDArray out = acts.get(bundle.graph().getConfiguration().getNetworkOutputs().get(0));
        int index;
        if (label == null) {
            index = out.argMax(1).getInt(0);
        } else {
            index = labels.indexOf(label);
            if (index < 0) {
                throw new IllegalArgumentException("no output named '" + label + "'; valid: " + labels);
            }
        }
        float[][] map;
        synchronized (lock) {
            map = GradCam.map(bundle.graph(), chain, acts, index);
        }
        Render.normalise(map);
        return new HeatMap(labels.get(index), index, out.getDouble(0, index), chain.featureVertex(), map,
                Render.overlay(seen, map));
    }

    private void checkLayer(String layer) {
        long[] s = shapes.get(layer);
        if (s == null || s.length != 3) {
            throw new IllegalArgumentException("no layer with activation maps named '" + layer + "'; valid: "
                    + layers().stream().map(Layer::name).collect(Collectors.joining(", ")));
        }
    }

    private Map<String, INDArray> activations(Path image) throws TransferKitException {
        try {
            return activations(ImageDecoder.resize(ImageDecoder.read(image), shape, preprocessing.resize()));
        } catch (IOException e) {
            throw new TransferKitException("cannot read image " + image + ": " + e.getMessage(), e);
        }
    }

    private Map<String, INDArray> activations(BufferedImage resized) {
        float[] data = new float[shape.size()];
        ImageDecoder.toChw(resized, shape, preprocessing, data, 0);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("explainer is closed");
            }
            ComputationGraph g = bundle.graph();
            return g.feedForward(Tensors.nchw(data, 1, shape), false); // detached from workspaces: no copy needed
        }
    }

    /** Releases the model. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                bundle.close();
            }
        }
    }
}
