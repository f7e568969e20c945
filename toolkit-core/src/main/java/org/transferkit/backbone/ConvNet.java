package org.transferkit.backbone;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * A small CNN written in a few lines, in the spirit of a Keras {@code Sequential} model, trained from scratch
 * (random weights, nothing frozen) by the same pipeline that fine-tunes pretrained backbones:
 *
 * <pre>{@code
 * ConvNet net = ConvNet.builder(new InputShape(3, 64, 64))
 *         .conv2d(32, 3).maxPool(2)
 *         .conv2d(64, 3).maxPool(2)
 *         .conv2d(64, 3)
 *         .flatten().dense(64)
 *         .build();          // the task's output layer (softmax, sigmoid, linear) is the head's
 * }</pre>
 *
 * Layers are named {@code conv1, pool1, ..., dense1} in order; each is a cut point (the default is the last)
 * and each convolution and dense layer is a block. Convolutions and dense layers use ReLU and He
 * initialisation; convolutions are "valid" (no padding) with stride 1, as Keras' defaults. Inputs are RGB scaled
 * to [-1, 1]. Immutable and thread-safe; {@link #loadGraph()} builds a fresh graph from the seed each call.
 */
public final class ConvNet extends BaseBackbone {
    private final List<Spec> layers;
    private final long seed;
    private final List<CutPoint> blocks;

    /** One layer as written. */
    private record Spec(String name, Layer layer, boolean block) {
    }

    private ConvNet(Builder b, List<CutPoint> cuts, List<CutPoint> blocks) {
        super(b.id, b.input, Preprocessing.minusOneToOne(), cuts, cuts.get(cuts.size() - 1), "random(seed=" + b.seed + ")");
        this.layers = List.copyOf(b.layers);
        this.seed = b.seed;
        this.blocks = List.copyOf(blocks);
    }

    /**
     * @param input the image size the network takes
     * @return a builder with no layers, id {@code convnet}, seed 42
     */
    public static Builder builder(InputShape input) {
        return new Builder(input);
    }

    /**
     * The small CNN the demo and the reports use as their from-scratch baseline: conv 32 → max-pool → conv 64 →
     * max-pool → conv 64 → flatten → dense 64.
     *
     * @param input the image size
     * @param seed seed of the random initial weights
     * @return the network, id {@code scratch-cnn}
     */
    public static ConvNet smallCnn(InputShape input, long seed) {
        return builder(input).id("scratch-cnn").seed(seed)
                .conv2d(32, 3).maxPool(2)
                .conv2d(64, 3).maxPool(2)
                .conv2d(64, 3)
                .flatten().dense(64)
                .build();
    }

    @Override
    public boolean trainsFromScratch() {
        return true;
    }

    @Override
    public List<CutPoint> blocks() {
        return blocks;
    }

    /** @return a new graph with fresh random weights from the seed; the caller owns it */
    @Override
    public ComputationGraph loadGraph() {
        ComputationGraph g = new ComputationGraph(configuration(layers, inputShape(), seed));
        g.init();
        return g;
    }

    private static ComputationGraphConfiguration configuration(List<Spec> layers, InputShape in, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(1e-3)).weightInit(WeightInit.RELU).activation(Activation.RELU)
                .convolutionMode(ConvolutionMode.Truncate).graphBuilder()
                .addInputs("input").setInputTypes(InputType.convolutional(in.height(), in.width(), in.channels()));
        String prev = "input";
        for (Spec s : layers) {
            g.addLayer(s.name(), s.layer().clone(), prev);
            prev = s.name();
        }
        return g.setOutputs(prev).build();
    }

    /** Fluent layers of a {@link ConvNet}, input to output. Each call checks its arguments at once. */
    public static final class Builder {
        private final InputShape input;
        private final List<Spec> layers = new ArrayList<>();
        private String id = "convnet";
        private long seed = 42;
        private boolean flat;
        private final int[] counts = new int[6];

        private Builder(InputShape input) {
            this.input = java.util.Objects.requireNonNull(input, "input");
        }

        /** @param name catalogue id shown in reports and bundles (letters, digits, '-', '_') @return this */
        public Builder id(String name) {
            if (name == null || !name.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("network id must be letters, digits, '-' or '_', got '" + name + "'");
            }
            this.id = name;
            return this;
        }

        /** @param s seed of the random initial weights @return this */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * @param filters output channels, >= 1
         * @param kernel square kernel side, >= 1
         * @return this
         * @throws IllegalArgumentException if out of range or after {@link #flatten()}
         */
        public Builder conv2d(int filters, int kernel) {
            spatialOnly("conv2d");
            positive("filters", filters);
            positive("kernel", kernel);
            return add("conv", new ConvolutionLayer.Builder(kernel, kernel).nOut(filters).build(), true);
        }

        /** @param size square window and stride, >= 1 @return this @throws IllegalArgumentException if < 1 or flat */
        public Builder maxPool(int size) {
            return pool(PoolingType.MAX, size);
        }

        /** @param size square window and stride, >= 1 @return this @throws IllegalArgumentException if < 1 or flat */
        public Builder avgPool(int size) {
            return pool(PoolingType.AVG, size);
        }

        private Builder pool(PoolingType type, int size) {
            spatialOnly(type.name().toLowerCase(Locale.ROOT) + "Pool");
            positive("pool size", size);
            return add("pool", new SubsamplingLayer.Builder(type).kernelSize(size, size).stride(size, size).build(), false);
        }

        /** Batch normalization of the previous layer's output. @return this */
        public Builder batchNorm() {
            return add("bn", new BatchNormalization.Builder().build(), false);
        }

        /** @param p drop probability in [0, 1) @return this @throws IllegalArgumentException if out of range */
        public Builder dropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
            }
            return add("dropout", new DropoutLayer.Builder(1.0 - p).build(), false);
        }

        /** Flattens feature maps to a vector, as Keras' {@code Flatten}. @return this */
        public Builder flatten() {
            spatialOnly("flatten");
            flat = true; // DL4J flattens with an input preprocessor on the next layer
            return this;
        }

        /** Averages each feature map to one value, as Keras' {@code GlobalAveragePooling2D}. @return this */
        public Builder globalAvgPool() {
            spatialOnly("globalAvgPool");
            flat = true;
            return add("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), false);
        }

        /**
         * @param units outputs, >= 1
         * @return this
         * @throws IllegalArgumentException if {@code units < 1}, or if it follows a feature map without
         *     {@link #flatten()} or {@link #globalAvgPool()} (as in Keras)
         */
        public Builder dense(int units) {
            positive("units", units);
            if (!flat) {
                throw new IllegalArgumentException("dense(" + units + ") follows a feature map; call flatten() or "
                        + "globalAvgPool() first, as in Keras");
            }
            return add("dense", new DenseLayer.Builder().nOut(units).build(), true);
        }

        private Builder add(String kind, Layer layer, boolean block) {
            int k = switch (kind) {
                case "conv" -> 0;
                case "pool" -> 1;
                case "bn" -> 2;
                case "dropout" -> 3;
                case "gap" -> 4;
                default -> 5;
            };
            layers.add(new Spec(kind + (++counts[k]), layer, block));
            return this;
        }

        private void spatialOnly(String what) {
            if (flat) {
                throw new IllegalArgumentException(what + "() needs a feature map, but the network is already flat "
                        + "(after flatten(), globalAvgPool() or dense())");
            }
        }

        private static void positive(String what, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(what + " must be >= 1, got " + v);
            }
        }

        /**
         * @return the network
         * @throws IllegalArgumentException if it has no layer, or a layer shrinks the feature map below 1×1 (the
         *     message names the layer and its input size)
         */
        public ConvNet build() {
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("a ConvNet needs at least one layer, e.g. conv2d(32, 3)");
            }
            ComputationGraphConfiguration conf;
            try {
                conf = configuration(layers, input, seed);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("layers " + layers.stream().map(Spec::name).toList()
                        + " do not fit input " + input + ": " + e.getMessage(), e);
            }
            java.util.Map<String, InputType> types = conf.getLayerActivationTypes(
                    InputType.convolutional(input.height(), input.width(), input.channels()));
            List<CutPoint> cuts = new ArrayList<>();
            List<CutPoint> blocks = new ArrayList<>();
            for (Spec s : layers) {
                long[] shape = shape(types.get(s.name()));
                for (long d : shape) {
                    if (d < 1) {
                        throw new IllegalArgumentException("layers " + layers.stream().map(Spec::name).toList()
                                + " do not fit input " + input + ": " + s.name() + " would output "
                                + java.util.Arrays.toString(shape) + "; use a larger input or fewer/smaller layers");
                    }
                }
                CutPoint c = new CutPoint(s.name(), s.name(), shape, s.layer().getClass().getSimpleName()
                        .replace("Layer", "").toLowerCase(Locale.ROOT) + " output");
                cuts.add(c);
                if (s.block()) {
                    blocks.add(c);
                }
            }
            return new ConvNet(this, cuts, blocks);
        }

        private static long[] shape(InputType t) {
            if (t instanceof InputType.InputTypeConvolutional c) {
                return new long[] {c.getChannels(), c.getHeight(), c.getWidth()};
            }
            return new long[] {t.arrayElementsPerExample()};
        }
    }
}
