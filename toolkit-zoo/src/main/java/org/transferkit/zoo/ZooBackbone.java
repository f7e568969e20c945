package org.transferkit.zoo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.transferkit.Checksums;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.WeightsException;
import org.transferkit.backbone.BaseBackbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.zoo.keras.KerasWeights;
import org.transferkit.runtime.RuntimeOptions;

/**
 * A DL4J zoo architecture as a backbone, in one of three forms: DL4J's {@code init()} graph with random
 * weights; DL4J's pretrained zip (from {@code models fetch}, a mirror, DL4J's own cache or a file); or the
 * {@code init()} graph filled from a {@code keras.applications} HDF5 file (VGG16, VGG19, ResNet50). The
 * published cut points and blocks are resolved against whichever graph it is, so the public names are the
 * same while the vertex names and even spatial sizes may differ. Immutable and thread-safe.
 */
public final class ZooBackbone extends BaseBackbone {
    private final ZooArchitecture arch;
    private final Path weights;
    private final boolean keras;
    private final ComputationGraphConfiguration conf;
    private final List<CutPoint> blocks;

    private ZooBackbone(ZooArchitecture arch, String id, InputShape input, ComputationGraphConfiguration conf,
            List<CutPoint> cuts, List<CutPoint> blocks, Path weights, boolean keras, String weightsId) {
        super(id, input, arch.preprocessing(), cuts, pick(cuts, arch.defaultCut()), weightsId);
        this.arch = arch;
        this.conf = conf;
        this.blocks = List.copyOf(blocks);
        this.weights = weights;
        this.keras = keras;
    }

    private static CutPoint pick(List<CutPoint> cuts, String name) {
        return cuts.stream().filter(c -> c.name().equals(name)).findFirst().orElse(cuts.get(cuts.size() - 1));
    }

    /**
     * The architecture with DL4J's random initialisation.
     *
     * @param arch the architecture
     * @param input the input shape (the architecture's own, or a smaller one where it allows)
     * @return the backbone
     * @throws ModelFormatException if the architecture cannot be built at this input size, or DL4J cannot
     *     build it at all (NASNet in M2.1)
     */
    public static ZooBackbone untrained(ZooArchitecture arch, InputShape input) throws ModelFormatException {
        ComputationGraphConfiguration conf;
        try {
            conf = arch.initConfiguration(input);
        } catch (RuntimeException e) {
            throw new ModelFormatException("DL4J cannot build " + arch.id() + " at " + input + ": " + e.getMessage(), e);
        }
        Map<String, InputType> types = GraphShapes.types(conf, input);
        String what = arch.id() + " init() graph";
        return new ZooBackbone(arch, arch.pretrained() ? arch.id() + "-untrained" : arch.id(), input, conf,
                GraphShapes.resolve(arch.cuts(), conf, types, what), GraphShapes.resolve(arch.blocks(), conf, types, what),
                null, false, "random(dl4j-zoo-init)");
    }

    /**
     * The architecture with pretrained weights: a Keras {@code .h5} file (VGG16, VGG19, ResNet50) or a DL4J
     * zip. With no file given, DL4J's zip is looked for in {@code models/}, the weights cache and DL4J's own
     * download folder.
     *
     * @param arch the architecture
     * @param explicit a weights file, or null
     * @return the backbone
     * @throws WeightsException if no weights file is found (the message names every place looked, the file
     *     name, the URL and the fetch command)
     * @throws ModelFormatException if the file is not a graph of this architecture
     * @throws IllegalArgumentException if the architecture has no pretrained weights
     */
    public static ZooBackbone pretrained(ZooArchitecture arch, Path explicit) throws TransferKitException {
        return pretrained(arch, explicit, RuntimeOptions.defaults());
    }

    /**
     * As {@link #pretrained(ZooArchitecture, Path)}, looking in the folders of {@code options}.
     *
     * @param arch the architecture
     * @param explicit a weights file, or null
     * @param options the run-time options ({@link RuntimeOptions#weightsDir()}, {@link RuntimeOptions#dl4jModelsDir()})
     * @return the backbone
     * @throws WeightsException if no weights file is found
     * @throws ModelFormatException if the file is not a graph of this architecture
     * @throws IllegalArgumentException if the architecture has no pretrained weights
     */
    public static ZooBackbone pretrained(ZooArchitecture arch, Path explicit, RuntimeOptions options)
            throws TransferKitException {
        return pretrained(arch, explicit, arch.input(), options);
    }

    /** As {@link #pretrained(ZooArchitecture, Path)}, resolving shapes at another input size (tests). */
    static ZooBackbone pretrained(ZooArchitecture arch, Path explicit, InputShape input) throws TransferKitException {
        return pretrained(arch, explicit, input, RuntimeOptions.defaults());
    }

    private static ZooBackbone pretrained(ZooArchitecture arch, Path explicit, InputShape input, RuntimeOptions options)
            throws TransferKitException {
        if (!arch.pretrained() && (explicit == null || !isKeras(explicit))) {
            throw new IllegalArgumentException(arch.id() + " has no pretrained weights in DL4J's zoo");
        }
        if (explicit != null && isKeras(explicit)) {
            return fromKeras(arch, explicit, input);
        }
        ZooWeights w = arch.weights();
        Path f = WeightsLocator.require(options, explicit, w.fileName(), arch.id(),
                w.url() + " (Adler32 " + w.adler32() + ")", w.dl4jCacheDir(options));
        ComputationGraphConfiguration conf = readConfiguration(f);
        Map<String, InputType> types = GraphShapes.types(conf, input);
        String what = f.toAbsolutePath().toString();
        return new ZooBackbone(arch, arch.id(), input, conf, GraphShapes.resolve(arch.cuts(), conf, types, what),
                GraphShapes.resolve(arch.blocks(), conf, types, what), f, false, sha256(f));
    }

    private static boolean isKeras(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".h5") || n.endsWith(".hdf5");
    }

    private static ZooBackbone fromKeras(ZooArchitecture arch, Path h5, InputShape input) throws TransferKitException {
        if (!java.nio.file.Files.isRegularFile(h5)) {
            throw new WeightsException("Keras weights file " + h5.toAbsolutePath() + " does not exist");
        }
        ZooBackbone init = untrained(arch, input);
        List<KerasWeights.Mapping> mapping = kerasMapping(arch, init.conf);
        Set<String> layers = KerasWeights.layerNames(h5);
        // a no-top file leaves the dense layers untrained: offer only the cut points below them
        String firstMissing = null;
        for (KerasWeights.Mapping m : mapping) {
            if (m.optional() && !layers.contains(m.keras())) {
                firstMissing = m.vertex();
                break;
            }
        }
        List<CutPoint> cuts = init.cutPoints();
        List<CutPoint> blocks = init.blocks;
        if (firstMissing != null) {
            Set<String> untrained = descendants(init.conf, firstMissing);
            cuts = cuts.stream().filter(c -> !untrained.contains(c.vertex())).toList();
            blocks = blocks.stream().filter(c -> !untrained.contains(c.vertex())).toList();
        }
        return new ZooBackbone(arch, arch.id(), input, init.conf, cuts, blocks, h5, true, sha256(h5));
    }

    /**
     * @param arch VGG16, VGG19 or ResNet50
     * @param conf its {@code init()} configuration
     * @return the Keras layer mapping
     * @throws IllegalArgumentException for other architectures
     */
    static List<KerasWeights.Mapping> kerasMapping(ZooArchitecture arch, ComputationGraphConfiguration conf) {
        return switch (arch) {
            case VGG16_NET -> KerasLayouts.vgg(conf, new int[] {2, 2, 3, 3, 3});
            case VGG19_NET -> KerasLayouts.vgg(conf, new int[] {2, 2, 4, 4, 4});
            case RESNET50 -> KerasLayouts.resnet50();
            default -> throw new IllegalArgumentException("no Keras weight layout for " + arch.id()
                    + "; Keras .h5 files load into vgg16, vgg19, resnet50 and squeezenet");
        };
    }

    private static Set<String> descendants(ComputationGraphConfiguration conf, String from) {
        Set<String> out = new java.util.HashSet<>();
        out.add(from);
        for (String v : Locator.topologicalOrder(conf)) {
            List<String> in = conf.getVertexInputs().get(v);
            if (in != null && in.stream().anyMatch(out::contains)) {
                out.add(v);
            }
        }
        return out;
    }

    private static String sha256(Path f) throws WeightsException {
        try {
            return Checksums.sha256(f);
        } catch (IOException e) {
            throw new WeightsException("cannot read " + f.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads only the configuration of a DL4J model zip (cheap: no parameters are loaded).
     *
     * @param zip a DL4J model zip
     * @return its graph configuration (a multi-layer network's layers become a chain)
     * @throws ModelFormatException if it is not a DL4J model zip
     */
    static ComputationGraphConfiguration readConfiguration(Path zip) throws ModelFormatException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            ZipEntry e = z.getEntry("configuration.json");
            if (e == null) {
                throw new ModelFormatException(zip.toAbsolutePath() + " is a zip but not a DL4J model (no configuration.json)");
            }
            String json;
            try (InputStream in = z.getInputStream(e)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try {
                ComputationGraphConfiguration c = ComputationGraphConfiguration.fromJson(json);
                if (c.getNetworkInputs() == null || c.getVertices() == null || c.getVertices().isEmpty()) {
                    throw new IllegalStateException("not a ComputationGraph configuration");
                }
                return c;
            } catch (RuntimeException graphFailure) {
                try {
                    var mlc = org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(json);
                    return ZooArchitecture.graphOf(mlc, null);
                } catch (RuntimeException mlnFailure) {
                    graphFailure.addSuppressed(mlnFailure);
                    throw new ModelFormatException(zip.toAbsolutePath() + ": configuration.json is neither a DL4J graph nor "
                            + "a multi-layer network: " + graphFailure.getMessage(), graphFailure);
                }
            }
        } catch (IOException e) {
            throw new ModelFormatException(zip.toAbsolutePath() + " is not a readable zip: " + e.getMessage(), e);
        }
    }

    /** @return the architecture */
    public ZooArchitecture architecture() {
        return arch;
    }

    /** @return the weights file, or null for random weights */
    public Path weightsFile() {
        return weights;
    }

    @Override
    public List<CutPoint> blocks() {
        return blocks;
    }

    /** @return the graph configuration, without loading any weights */
    @Override
    public ComputationGraphConfiguration configuration() {
        return conf.clone();
    }

    @Override
    public ComputationGraph loadGraph() throws TransferKitException {
        if (weights == null || keras) {
            ComputationGraph g = new ComputationGraph(conf.clone());
            g.init();
            if (keras) {
                KerasWeights.load(weights, g, kerasMapping(arch, conf));
            }
            return g;
        }
        try {
            return ModelSerializer.restoreComputationGraph(weights.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException("cannot load DL4J model " + weights.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }
}
