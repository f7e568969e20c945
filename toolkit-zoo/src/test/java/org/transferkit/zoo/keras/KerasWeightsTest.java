package org.transferkit.zoo.keras;

import static org.bytedeco.hdf5.global.hdf5.H5F_ACC_TRUNC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.hdf5.DataSet;
import org.bytedeco.hdf5.DataSpace;
import org.bytedeco.hdf5.Group;
import org.bytedeco.hdf5.H5File;
import org.bytedeco.hdf5.PredType;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.ModelFormatException;
import org.transferkit.WeightsException;

/** Loads small Keras-layout HDF5 files written by the test itself. */
class KerasWeightsTest {
    @TempDir
    Path tmp;

    /** A graph with a 3x3 conv (3 -> 4) "c1" and a dense (4 -> 5) "d1". */
    static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("gp", new GlobalPoolingLayer.Builder().build(), "c1")
                .addLayer("d1", new DenseLayer.Builder().nOut(5).build(), "gp")
                .addLayer("out", new OutputLayer.Builder().nOut(2).build(), "d1")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /**
     * Writes datasets at the given slash-separated paths, values 0, 1, 2, ... scaled. Every group opened is
     * closed before the file, in reverse order: HDF5 crashes if a handle outlives its file.
     */
    static void writeH5(Path file, Map<String, long[]> datasets) {
        try (H5File f = new H5File(file.toString(), H5F_ACC_TRUNC())) {
            for (Map.Entry<String, long[]> e : datasets.entrySet()) {
                String[] parts = e.getKey().split("/");
                java.util.Deque<Group> opened = new java.util.ArrayDeque<>();
                Group g = f;
                try {
                    for (int i = 0; i < parts.length - 1; i++) {
                        g = g.nameExists(parts[i]) ? g.openGroup(parts[i]) : g.createGroup(parts[i]);
                        opened.push(g);
                    }
                    long n = 1;
                    for (long d : e.getValue()) {
                        n *= d;
                    }
                    float[] v = new float[(int) n];
                    for (int i = 0; i < n; i++) {
                        v[i] = i * 0.01f;
                    }
                    try (DataSpace sp = new DataSpace(e.getValue().length, e.getValue());
                            DataSet ds = g.createDataSet(parts[parts.length - 1], PredType.NATIVE_FLOAT(), sp);
                            FloatPointer p = new FloatPointer(v)) {
                        ds.write(p, PredType.NATIVE_FLOAT());
                    }
                } finally {
                    while (!opened.isEmpty()) {
                        Group o = opened.pop();
                        o.close();
                        o.deallocate();
                    }
                }
            }
        }
    }

    static final List<KerasWeights.Mapping> MAP = List.of(
            new KerasWeights.Mapping("block/conv", "c1", KerasWeights.Kind.CONV),
            new KerasWeights.Mapping("fc", "d1", KerasWeights.Kind.DENSE));

    @Test
    void loadsConvAndDenseKernelsInDl4jLayout() throws Exception {
        Path h5 = tmp.resolve("ok.h5");
        writeH5(h5, Map.of(
                "block/conv/block/conv/kernel:0", new long[] {3, 3, 3, 4}, // H, W, in, out
                "block/conv/block/conv/bias:0", new long[] {4},
                "fc/fc/kernel:0", new long[] {4, 5},
                "fc/fc/bias:0", new long[] {5}));
        ComputationGraph g = graph();
        long copied = KerasWeights.load(h5, g, MAP);
        assertEquals(3 * 3 * 3 * 4 + 4 + 4 * 5 + 5, copied);
        INDArray w = g.getLayer("c1").getParam("W");
        assertArrayEquals(new long[] {4, 3, 3, 3}, w.shape());
        // Keras kernel[h=1][w=2][in=0][out=3] is element ((1*3+2)*3+0)*4+3 = 63 -> 0.63; DL4J W[out=3][in=0][1][2]
        assertEquals(0.63f, w.getFloat(3, 0, 1, 2), 1e-6);
        assertEquals(0.02f, g.getLayer("c1").getParam("b").getFloat(2), 1e-6);
        assertEquals(0.07f, g.getLayer("d1").getParam("W").getFloat(1, 2), 1e-6); // kernel[1][2] = 1*5+2
    }

    @Test
    void missingWrongShapeAndUnexpectedLayersAreNamed() throws Exception {
        Path h5 = tmp.resolve("bad.h5");
        writeH5(h5, Map.of(
                "block/conv/block/conv/kernel:0", new long[] {5, 5, 3, 4},
                "extra/extra/kernel:0", new long[] {2, 2}));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> KerasWeights.load(h5, graph(), MAP));
        String m = e.getMessage();
        assertTrue(m.contains("'block/conv': kernel [5, 5, 3, 4] does not fit 'c1' weights [4, 3, 3, 3]"), m);
        assertTrue(m.contains("Keras layer 'fc' is missing"), m);
        assertTrue(m.contains("unexpected weights 'extra/extra/kernel:0'"), m);
        Path notH5 = tmp.resolve("x.h5");
        Files.writeString(notH5, "not hdf5");
        assertThrows(ModelFormatException.class, () -> KerasWeights.load(notH5, graph(), MAP));
        assertThrows(WeightsException.class, () -> KerasWeights.load(tmp.resolve("none.h5"), graph(), MAP));
    }
}
