package org.transferkit.zoo;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.model.AlexNet;
import org.deeplearning4j.zoo.model.Darknet19;
import org.deeplearning4j.zoo.model.InceptionResNetV1;
import org.deeplearning4j.zoo.model.LeNet;
import org.deeplearning4j.zoo.model.NASNet;
import org.deeplearning4j.zoo.model.ResNet50;
import org.deeplearning4j.zoo.model.SimpleCNN;
import org.deeplearning4j.zoo.model.VGG16;
import org.deeplearning4j.zoo.model.VGG19;
import org.deeplearning4j.zoo.model.Xception;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * The image architectures of deeplearning4j-zoo 1.0.0-M2.1 that TransferKit serves (SqueezeNet has its own
 * class, {@link SqueezeNetBackbone}, for its Keras weights). Each publishes its input, the preprocessing its
 * weights expect, its cut points and its blocks as structural {@link Locator}s, so they resolve in both the
 * {@code init()} graph and the pretrained graph. Immutable.
 */
public enum ZooArchitecture {
    /** VGG16, 224x224, ImageNet weights (converted by DL4J from Keras: caffe preprocessing). */
    VGG16_NET("vgg16", "VGG16, 224x224, ImageNet", new InputShape(3, 224, 224), Preprocessing.caffe(),
            s -> VGG16.builder().numClasses(1000).inputShape(s).build().conf(), () -> VGG16.builder().build(),
            vggSites(3, 4, 5), "block5_pool", vggBlocks()),
    /** VGG19, 224x224, ImageNet weights; DL4J M2.1's init() graph has one 4096-unit dense layer, not two. */
    VGG19_NET("vgg19", "VGG19, 224x224, ImageNet", new InputShape(3, 224, 224), Preprocessing.caffe(),
            s -> VGG19.builder().numClasses(1000).inputShape(s).build().conf(), () -> VGG19.builder().build(),
            vggSites(3, 4, 5).subList(0, 4), "block5_pool", vggBlocks().subList(0, 6)),
    /** ResNet50 v1, 224x224, ImageNet weights (caffe preprocessing). */
    RESNET50("resnet50", "ResNet50 v1, 224x224, ImageNet", new InputShape(3, 224, 224), Preprocessing.caffe(),
            s -> ZooArchitecture.fixResNet50(ResNet50.builder().numClasses(1000).inputShape(s).build().graphBuilder().build()),
            () -> ResNet50.builder().build(),
            List.of(new Site("stem", Locator.nth(SubsamplingLayer.class, 1), "after the stem's max-pool, stride 4"),
                    new Site("stage2", Locator.residual(3), "end of stage 2 (3 bottleneck blocks), stride 4"),
                    new Site("stage3", Locator.residual(7), "end of stage 3 (4 blocks), stride 8"),
                    new Site("stage4", Locator.residual(13), "end of stage 4 (6 blocks), stride 16"),
                    new Site("stage5", Locator.residual(16), "end of stage 5 (3 blocks), stride 32: the no-top output")),
            "stage5", null),
    /** Darknet19, 224x224, ImageNet weights (RGB, 0..1). */
    DARKNET19("darknet19", "Darknet19 (YOLOv2 backbone), 224x224, ImageNet", new InputShape(3, 224, 224),
            new Preprocessing(Preprocessing.ChannelOrder.RGB, 1f / 255f, new float[] {0f}, new float[] {1f},
                    Preprocessing.Resize.SQUASH),
            s -> Darknet19.builder().numClasses(1000).inputShape(s).build().conf(), () -> Darknet19.builder().build(),
            List.of(new Site("conv13", Locator.nth(ActivationLayer.class, 13), "13th conv (leaky ReLU), stride 16"),
                    new Site("conv18", Locator.nth(ActivationLayer.class, 18), "18th conv, stride 32: last before the classifier")),
            "conv18",
            List.of(new Site("block1", Locator.nth(SubsamplingLayer.class, 1), "conv 1 + max-pool"),
                    new Site("block2", Locator.nth(SubsamplingLayer.class, 2), "conv 2 + max-pool"),
                    new Site("block3", Locator.nth(SubsamplingLayer.class, 3), "convs 3-5 + max-pool"),
                    new Site("block4", Locator.nth(SubsamplingLayer.class, 4), "convs 6-8 + max-pool"),
                    new Site("block5", Locator.nth(SubsamplingLayer.class, 5), "convs 9-13 + max-pool"),
                    new Site("block6", Locator.nth(ActivationLayer.class, 18), "convs 14-18"))),
    /** Xception, 299x299, ImageNet weights (RGB, -1..1). */
    XCEPTION("xception", "Xception, 299x299, ImageNet", new InputShape(3, 299, 299), Preprocessing.minusOneToOne(),
            s -> Xception.builder().numClasses(1000).inputShape(s).build().graphBuilder().addInputs("input")
                    .setInputTypes(InputType.convolutional(s[1], s[2], s[0])).build(),
            () -> Xception.builder().build(),
            List.of(new Site("entry", Locator.nth(ElementWiseVertex.class, 3), "end of the entry flow, stride 16"),
                    new Site("middle", Locator.nth(ElementWiseVertex.class, 11), "end of the middle flow (8 blocks)"),
                    new Site("exit", Locator.nth(ActivationLayer.class, -1), "last separable conv, stride 32"),
                    new Site("pooled", Locator.nth(GlobalPoolingLayer.class, -1), "global average pool: the no-top features")),
            "pooled", xceptionBlocks()),
    /** NASNet-Mobile, 224x224, ImageNet weights (RGB, -1..1); DL4J M2.1 cannot build it with random weights. */
    NASNET("nasnet", "NASNet-Mobile, 224x224, ImageNet (pretrained only: DL4J M2.1's init() fails)",
            new InputShape(3, 224, 224), Preprocessing.minusOneToOne(),
            s -> NASNet.builder().numClasses(1000).inputShape(s).build().graphBuilder().build(),
            () -> NASNet.builder().build(),
            List.of(new Site("pooled", Locator.nth(GlobalPoolingLayer.class, -1), "global average pool: the no-top features")),
            "pooled", List.of()),
    /** Inception-ResNet v1, 160x160, no pretrained weights in DL4J's zoo. */
    INCEPTION_RESNET_V1("inception-resnet-v1", "Inception-ResNet v1, 160x160, random weights (DL4J publishes none)",
            new InputShape(3, 160, 160), Preprocessing.minusOneToOne(),
            s -> ((org.deeplearning4j.nn.graph.ComputationGraph) InceptionResNetV1.builder().numClasses(1000).inputShape(s)
                    .build().init()).getConfiguration(), null,
            List.of(new Site("resnetA", Locator.named("resnetA"), "after 5 Inception-ResNet-A blocks"),
                    new Site("reduceA", Locator.named("reduceA"), "after reduction A"),
                    new Site("resnetB", Locator.named("resnetB"), "after 10 Inception-ResNet-B blocks"),
                    new Site("reduceB", Locator.named("reduceB"), "after reduction B"),
                    new Site("resnetC", Locator.named("resnetC"), "after 5 Inception-ResNet-C blocks: last feature map")),
            "resnetC", null),
    /** LeNet-5, 28x28 grayscale, random weights. */
    LENET("lenet", "LeNet-5, 28x28 grayscale, random weights (from scratch)", new InputShape(1, 28, 28),
            new Preprocessing(Preprocessing.ChannelOrder.RGB, 1f / 255f, new float[] {0f}, new float[] {1f},
                    Preprocessing.Resize.SQUASH),
            s -> graphOf(LeNet.builder().numClasses(10).inputShape(s).build().conf(), s), null,
            List.of(new Site("conv1", Locator.nth(SubsamplingLayer.class, 1), "conv 1 + max-pool"),
                    new Site("conv2", Locator.nth(SubsamplingLayer.class, 2), "conv 2 + max-pool"),
                    new Site("fc", Locator.nth(DenseLayer.class, 1), "the 500-unit dense layer")),
            "fc", null),
    /** SimpleCNN, 48x48, random weights. */
    SIMPLE_CNN("simplecnn", "SimpleCNN (4 conv blocks with batch norm), 48x48, random weights (from scratch)",
            new InputShape(3, 48, 48), Preprocessing.minusOneToOne(),
            s -> graphOf(SimpleCNN.builder().numClasses(10).inputShape(s).build().conf(), s), null,
            List.of(new Site("block1", Locator.nth(SubsamplingLayer.class, 1), "2 convs + max-pool"),
                    new Site("block2", Locator.nth(SubsamplingLayer.class, 2), "2 convs + max-pool"),
                    new Site("block3", Locator.nth(SubsamplingLayer.class, 3), "2 convs + max-pool"),
                    new Site("block4", Locator.nth(SubsamplingLayer.class, 4), "2 convs + max-pool: last feature map")),
            "block4", null),
    /** AlexNet, 224x224, random weights. */
    ALEXNET("alexnet", "AlexNet, 224x224, random weights (from scratch)", new InputShape(3, 224, 224),
            Preprocessing.imagenet(),
            s -> graphOf(AlexNet.builder().numClasses(10).inputShape(s).build().conf(), s), null,
            List.of(new Site("conv1", Locator.nth(SubsamplingLayer.class, 1), "conv 1 + LRN + max-pool"),
                    new Site("conv2", Locator.nth(SubsamplingLayer.class, 2), "conv 2 + max-pool"),
                    new Site("conv5", Locator.nth(SubsamplingLayer.class, 3), "convs 3-5 + max-pool: last feature map"),
                    new Site("fc6", Locator.nth(DenseLayer.class, 1), "first 4096-unit dense layer"),
                    new Site("fc7", Locator.nth(DenseLayer.class, 2), "second 4096-unit dense layer")),
            "conv5", null);

    private final String id;
    private final String description;
    private final InputShape input;
    private final Preprocessing preprocessing;
    private final Function<int[], ComputationGraphConfiguration> config;
    private final ZooWeights weights;
    private final List<Site> cuts;
    private final String defaultCut;
    private final List<Site> blocks;

    ZooArchitecture(String id, String description, InputShape input, Preprocessing preprocessing,
            Function<int[], ComputationGraphConfiguration> config, java.util.function.Supplier<ZooModel> zooModel,
            List<Site> cuts, String defaultCut, List<Site> blocks) {
        this.id = id;
        this.description = description;
        this.input = input;
        this.preprocessing = preprocessing;
        this.config = config;
        ZooModel m = zooModel == null ? null : zooModel.get();
        this.weights = m == null || !m.pretrainedAvailable(PretrainedType.IMAGENET) ? null
                : new ZooWeights(m.pretrainedUrl(PretrainedType.IMAGENET), m.pretrainedChecksum(PretrainedType.IMAGENET),
                        m.modelName());
        this.cuts = List.copyOf(cuts);
        this.defaultCut = defaultCut;
        this.blocks = blocks == null ? this.cuts : List.copyOf(blocks);
    }

    /** @return the catalogue name */
    public String id() {
        return id;
    }

    /** @return one line */
    public String description() {
        return description;
    }

    /** @return the input the weights were trained at */
    public InputShape input() {
        return input;
    }

    /** @return the preprocessing its weights expect */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /** @return published cut points, input to output */
    public List<Site> cuts() {
        return cuts;
    }

    /** @return the default cut point's name */
    public String defaultCut() {
        return defaultCut;
    }

    /** @return published blocks (each named by its last vertex), input to output */
    public List<Site> blocks() {
        return blocks;
    }

    /** @return whether DL4J publishes ImageNet weights for it */
    public boolean pretrained() {
        return weights != null;
    }

    /**
     * @return DL4J's download of the ImageNet weights: URL, file name and Adler32
     * @throws IllegalStateException if there are none ({@link #pretrained()} is false)
     */
    public ZooWeights weights() {
        if (weights == null) {
            throw new IllegalStateException(id + " has no pretrained weights");
        }
        return weights;
    }

    /**
     * Builds the configuration of the {@code init()} graph (random weights), with TransferKit's fixes applied.
     *
     * @param shape the input shape
     * @return a new configuration
     */
    public ComputationGraphConfiguration initConfiguration(InputShape shape) {
        return config.apply(new int[] {shape.channels(), shape.height(), shape.width()});
    }

    /**
     * @param name a catalogue name
     * @return the architecture
     * @throws IllegalArgumentException if there is none of that name
     */
    public static ZooArchitecture byId(String name) {
        for (ZooArchitecture a : values()) {
            if (a.id.equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "'");
    }

    private static List<Site> vggSites(int... pools) {
        List<Site> s = new java.util.ArrayList<>();
        for (int p : pools) {
            s.add(new Site("block" + p + "_pool", Locator.nth(SubsamplingLayer.class, p),
                    "max-pool closing conv block " + p + (p == 5 ? ": the no-top output" : "")));
        }
        s.add(new Site("fc1", Locator.nth(DenseLayer.class, 1), "first 4096-unit dense layer"));
        s.add(new Site("fc2", Locator.nth(DenseLayer.class, 2), "second 4096-unit dense layer (penultimate)"));
        return List.copyOf(s);
    }

    private static List<Site> vggBlocks() {
        List<Site> s = new java.util.ArrayList<>();
        for (int p = 1; p <= 5; p++) {
            s.add(new Site("block" + p, Locator.nth(SubsamplingLayer.class, p), "conv block " + p + " and its max-pool"));
        }
        s.add(new Site("fc1", Locator.nth(DenseLayer.class, 1), "dense fc1"));
        s.add(new Site("fc2", Locator.nth(DenseLayer.class, 2), "dense fc2"));
        return List.copyOf(s);
    }

    private static List<Site> xceptionBlocks() {
        List<Site> s = new java.util.ArrayList<>();
        for (int b = 1; b <= 12; b++) {
            s.add(new Site("block" + (b + 1), Locator.nth(ElementWiseVertex.class, b),
                    b <= 3 ? "entry flow block " + (b + 1) : b <= 11 ? "middle flow block " + (b + 1) : "exit flow block 13"));
        }
        s.add(new Site("block14", Locator.nth(ActivationLayer.class, -1), "exit flow separable convs"));
        return List.copyOf(s);
    }

    /**
     * DL4J M2.1's zoo ResNet50 differs from ResNet50 v1 (Keras, torchvision) in two ways this undoes: its
     * first bottleneck block downsamples (stride 2 where the original has 1, so a 224 input ends at 4x4
     * instead of 7x7), and its batch norms store log standard deviations. Batch norm epsilon is set to
     * Keras' 1e-3 so Keras weights reproduce Keras' outputs.
     */
    static ComputationGraphConfiguration fixResNet50(ComputationGraphConfiguration conf) {
        for (String v : List.of("res2a_branch2a", "res2a_branch1")) {
            if (((LayerVertex) conf.getVertices().get(v)).getLayerConf().getLayer() instanceof ConvolutionLayer c) {
                c.setStride(new int[] {1, 1});
            }
        }
        for (GraphVertex gv : conf.getVertices().values()) {
            if (gv instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                bn.setUseLogStd(false);
                bn.setEps(1e-3);
            }
        }
        return conf;
    }

    /** The layers of a multi-layer configuration as a graph whose vertices carry the layer names; shape may be null. */
    static ComputationGraphConfiguration graphOf(MultiLayerConfiguration mlc, int[] shape) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("input");
        if (shape != null) {
            b.setInputTypes(InputType.convolutional(shape[1], shape[2], shape[0]));
        }
        String prev = "input";
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int i = 0; i < mlc.getConfs().size(); i++) {
            Layer l = mlc.getConf(i).getLayer().clone();
            String name = l.getLayerName() != null && used.add(l.getLayerName()) ? l.getLayerName() : "layer" + i;
            used.add(name);
            b.addLayer(name, l, mlc.getInputPreProcess(i), prev);
            prev = name;
        }
        return b.setOutputs(prev).build();
    }
}
