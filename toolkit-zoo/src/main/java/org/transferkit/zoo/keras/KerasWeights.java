package org.transferkit.zoo.keras;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.ModelFormatException;
import org.transferkit.WeightsException;

/**
 * Copies the weights of a Keras HDF5 weight file (as {@code model.save_weights} and
 * {@code keras.applications} write them) into a DL4J graph, layer by layer, through a name mapping.
 * Convolution kernels are stored by Keras as height × width × in × out and become DL4J's
 * out × in × height × width; dense kernels (in × out) and biases keep their layout.
 *
 * <p>Every mapped layer must be present with exactly the expected shapes, and every layer in the file
 * that holds weights must be mapped: anything else is reported by name. Stateless.
 */
public final class KerasWeights {
    /** What a Keras layer is, for the parameter layout. */
    public enum Kind {
        /** Convolution: kernel H x W x in x out becomes out x in x H x W; bias kept. */
        CONV,
        /** Dense: kernel in x out and bias kept. */
        DENSE,
        /**
         * Dense right after a Keras {@code Flatten} of a feature map: Keras flattens height, width, channels;
         * DL4J flattens channels, height, width, so the kernel's rows are reordered.
         */
        DENSE_AFTER_FLATTEN,
        /** Batch normalization: gamma, beta, moving mean and moving variance (graph must store variance). */
        BATCH_NORM
    }

    /**
     * One mapped layer.
     *
     * @param keras the Keras layer name, e.g. {@code fire2/squeeze1x1}
     * @param vertex the DL4J vertex it fills, e.g. {@code fire2_sq1x1}
     * @param kind its parameter layout
     * @param optional true if a file may lack the layer (a no-top file has no dense top layers); the
     *     vertex then keeps its parameters
     */
    public record Mapping(String keras, String vertex, Kind kind, boolean optional) {
        /** A required mapping. */
        public Mapping(String keras, String vertex, Kind kind) {
            this(keras, vertex, kind, false);
        }
    }

    private KerasWeights() {
    }

    /**
     * Loads the file into the graph.
     *
     * @param file the HDF5 weight file
     * @param graph the graph to fill; its mapped layers' parameters are replaced
     * @param mappings every Keras layer with weights, and its vertex
     * @return the number of parameters copied
     * @throws WeightsException if the file does not exist
     * @throws ModelFormatException if the file is not HDF5, a mapped layer is missing from the file
     *     or the graph, a shape does not match, or the file holds weights of an unmapped layer; the
     *     message names the layers
     */
    public static long load(Path file, ComputationGraph graph, List<Mapping> mappings)
            throws WeightsException, ModelFormatException {
        if (!Files.isRegularFile(file)) {
            throw new WeightsException("Keras weights file " + file.toAbsolutePath() + " does not exist");
        }
        Map<String, String> datasets = new LinkedHashMap<>();
        Hdf5Archive h5 = open(file);
        try {
            collect(h5, new ArrayList<>(), datasets);
            List<String> problems = new ArrayList<>();
            Map<String, String> unclaimed = new LinkedHashMap<>(datasets);
            long copied = 0;
            for (Mapping m : mappings) {
                Layer layer;
                try {
                    layer = graph.getLayer(m.vertex());
                } catch (RuntimeException e) {
                    layer = null;
                }
                if (layer == null) {
                    problems.add("graph has no layer '" + m.vertex() + "' for Keras layer '" + m.keras() + "'");
                    continue;
                }
                String prefix = m.keras() + "/";
                if (m.optional() && unclaimed.keySet().stream().noneMatch(k -> k.startsWith(prefix))) {
                    continue;
                }
                try {
                    copied += m.kind() == Kind.BATCH_NORM ? copyBatchNorm(h5, unclaimed, m, layer)
                            : copyKernel(h5, unclaimed, m, layer, graph);
                } catch (Mismatch e) {
                    problems.add(e.getMessage());
                }
            }
            for (String left : unclaimed.keySet()) {
                problems.add("unexpected weights '" + left + "' (no mapping for its layer)");
            }
            if (!problems.isEmpty()) {
                throw new ModelFormatException("Keras weights " + file.toAbsolutePath() + " do not match the architecture:\n  "
                        + String.join("\n  ", problems));
            }
            return copied;
        } finally {
            h5.close();
        }
    }

    /** A layer that does not fit; collected, then reported together. */
    private static final class Mismatch extends Exception {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message, null, false, false);
        }
    }

    private static long copyKernel(Hdf5Archive h5, Map<String, String> unclaimed, Mapping m, Layer layer,
            ComputationGraph graph) throws Mismatch, ModelFormatException {
        String prefix = m.keras() + "/";
        String kernel = find(unclaimed, prefix, "kernel:0");
        String bias = find(unclaimed, prefix, "bias:0");
        if (kernel == null) {
            throw new Mismatch("Keras layer '" + m.keras() + "' is missing from the file (no " + prefix + "…/kernel:0)");
        }
        INDArray k = read(h5, kernel);
        INDArray w = switch (m.kind()) {
            case CONV -> k.rank() == 4 ? k.permute(3, 2, 0, 1).dup('c') : k;
            case DENSE_AFTER_FLATTEN -> unflattenRows(k, graph, m);
            default -> k;
        };
        INDArray have = layer.getParam("W");
        if (have == null || !Arrays.equals(have.shape(), w.shape())) {
            throw new Mismatch("Keras layer '" + m.keras() + "': kernel " + Arrays.toString(k.shape()) + " does not fit '"
                    + m.vertex() + "' weights " + (have == null ? "(none)" : Arrays.toString(have.shape())));
        }
        layer.setParam("W", w.castTo(have.dataType()));
        long copied = w.length();
        if (bias != null) {
            INDArray b = read(h5, bias);
            INDArray haveB = layer.getParam("b");
            if (haveB == null || haveB.length() != b.length()) {
                throw new Mismatch("Keras layer '" + m.keras() + "': bias of " + b.length() + " does not fit '"
                        + m.vertex() + "'");
            }
            layer.setParam("b", b.reshape(haveB.shape()).castTo(haveB.dataType()));
            copied += b.length();
        }
        return copied;
    }

    /** Reorders a dense kernel's rows from Keras' (height, width, channels) flattening to DL4J's (channels, height, width). */
    private static INDArray unflattenRows(INDArray k, ComputationGraph graph, Mapping m) throws Mismatch {
        var v = graph.getConfiguration().getVertices().get(m.vertex());
        if (!(v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv)
                || !(lv.getPreProcessor() instanceof org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor p)) {
            throw new Mismatch("Keras layer '" + m.keras() + "' follows a Flatten, but '" + m.vertex()
                    + "' does not take a flattened feature map");
        }
        long c = p.getNumChannels();
        long h = p.getInputHeight();
        long w = p.getInputWidth();
        if (k.rank() != 2 || k.size(0) != c * h * w) {
            throw new Mismatch("Keras layer '" + m.keras() + "': kernel " + Arrays.toString(k.shape())
                    + " does not fit a flattened " + c + "x" + h + "x" + w + " feature map");
        }
        return k.reshape('c', h, w, c, k.size(1)).permute(2, 0, 1, 3).dup('c').reshape('c', c * h * w, k.size(1));
    }

    private static long copyBatchNorm(Hdf5Archive h5, Map<String, String> unclaimed, Mapping m, Layer layer)
            throws Mismatch, ModelFormatException {
        String prefix = m.keras() + "/";
        String[][] pairs = {{"gamma:0", "gamma"}, {"beta:0", "beta"}, {"moving_mean:0", "mean"},
            {"moving_variance:0", "var"}};
        long copied = 0;
        for (String[] pair : pairs) {
            String ds = find(unclaimed, prefix, pair[0]);
            if (ds == null) {
                throw new Mismatch("Keras layer '" + m.keras() + "' is missing " + pair[0]);
            }
            INDArray have = layer.paramTable().get(pair[1]);
            if (have == null) {
                throw new Mismatch("'" + m.vertex() + "' has no batch-norm parameter '" + pair[1] + "' (it must store "
                        + "variance, not log standard deviation)");
            }
            INDArray a = read(h5, ds);
            if (a.length() != have.length()) {
                throw new Mismatch("Keras layer '" + m.keras() + "': " + pair[0] + " of " + a.length() + " does not fit '"
                        + m.vertex() + "' (" + have.length() + " channels)");
            }
            layer.setParam(pair[1], a.reshape(have.shape()).castTo(have.dataType()));
            copied += a.length();
        }
        return copied;
    }

    /**
     * @param file a Keras HDF5 weight file
     * @return the names of the layers that hold weights in it
     * @throws ModelFormatException if it is not a readable HDF5 file
     */
    public static java.util.Set<String> layerNames(Path file) throws ModelFormatException {
        Hdf5Archive h5 = open(file);
        try {
            Map<String, String> datasets = new LinkedHashMap<>();
            collect(h5, new ArrayList<>(), datasets);
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (String path : datasets.keySet()) {
                names.add(path.substring(0, path.indexOf('/')));
            }
            return names;
        } finally {
            h5.close();
        }
    }

    private static Hdf5Archive open(Path file) throws ModelFormatException {
        try {
            return new Hdf5Archive(file.toString());
        } catch (RuntimeException | LinkageError e) {
            throw new ModelFormatException(file.toAbsolutePath() + " is not a readable HDF5 file: " + e, e);
        }
    }

    /** Finds and removes the dataset under {@code prefix} whose name ends in {@code suffix}. */
    private static String find(Map<String, String> unclaimed, String prefix, String suffix) {
        for (String path : unclaimed.keySet()) {
            if (path.startsWith(prefix) && path.endsWith("/" + suffix)) {
                unclaimed.remove(path);
                return path;
            }
        }
        return null;
    }

    private static void collect(Hdf5Archive h5, List<String> groups, Map<String, String> out) {
        String[] g = groups.toArray(new String[0]);
        for (String ds : h5.getDataSets(g)) {
            out.put(String.join("/", groups) + "/" + ds, ds);
        }
        for (String sub : h5.getGroups(g)) {
            List<String> next = new ArrayList<>(groups);
            next.add(sub);
            collect(h5, next, out);
        }
    }

    private static INDArray read(Hdf5Archive h5, String path) throws ModelFormatException {
        String[] parts = path.split("/");
        try {
            return h5.readDataSet(parts[parts.length - 1], Arrays.copyOf(parts, parts.length - 1));
        } catch (Exception e) {
            throw new ModelFormatException("cannot read dataset '" + path + "': " + e.getMessage(), e);
        }
    }
}
