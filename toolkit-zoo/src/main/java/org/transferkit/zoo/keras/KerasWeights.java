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
    /** What a Keras layer is, for the kernel layout. */
    public enum Kind { CONV, DENSE }

    /**
     * One mapped layer.
     *
     * @param keras the Keras layer name, e.g. {@code fire2/squeeze1x1}
     * @param vertex the DL4J vertex it fills, e.g. {@code fire2_sq1x1}
     * @param kind its kernel layout
     */
    public record Mapping(String keras, String vertex, Kind kind) {
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
        Hdf5Archive h5;
        try {
            h5 = new Hdf5Archive(file.toString());
        } catch (RuntimeException | LinkageError e) {
            throw new ModelFormatException(file.toAbsolutePath() + " is not a readable HDF5 file: " + e, e);
        }
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
                String kernel = find(unclaimed, prefix, "kernel:0");
                String bias = find(unclaimed, prefix, "bias:0");
                if (kernel == null) {
                    problems.add("Keras layer '" + m.keras() + "' is missing from the file (no " + prefix + "…/kernel:0)");
                    continue;
                }
                INDArray k = read(h5, kernel);
                INDArray w = m.kind() == Kind.CONV ? k.permute(3, 2, 0, 1).dup('c') : k;
                INDArray have = layer.getParam("W");
                if (!Arrays.equals(have.shape(), w.shape())) {
                    problems.add("Keras layer '" + m.keras() + "': kernel " + Arrays.toString(k.shape()) + " does not fit '"
                            + m.vertex() + "' weights " + Arrays.toString(have.shape()));
                    continue;
                }
                layer.setParam("W", w.castTo(have.dataType()));
                copied += w.length();
                if (bias != null) {
                    INDArray b = read(h5, bias);
                    INDArray haveB = layer.getParam("b");
                    if (haveB == null || haveB.length() != b.length()) {
                        problems.add("Keras layer '" + m.keras() + "': bias of " + b.length() + " does not fit '"
                                + m.vertex() + "'");
                        continue;
                    }
                    layer.setParam("b", b.reshape(haveB.shape()).castTo(haveB.dataType()));
                    copied += b.length();
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
