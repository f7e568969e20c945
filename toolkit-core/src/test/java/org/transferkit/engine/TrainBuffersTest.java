package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.dnnl_abcd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The training plan's buffers placed by liveness ({@link TrainBuffers}): buffers alive at the same time never
 * overlap, dead ones are reused, and a network whose activations and gradients really share buffers (16-channel
 * feature maps: unpadded blocked layouts) still trains step for step as DL4J does.
 */
class TrainBuffersTest {
    private static final long[] DIMS = {1, 16, 4, 4};

    @Test
    void buffersAliveAtTheSameTimeNeverOverlapAndDeadOnesAreReused() {
        dnnl_engine engine = Dnnl.cpuEngine();
        dnnl_memory_desc_t md = Dnnl.md(DIMS, dnnl_abcd);
        dnnl_memory a = Dnnl.wrap(md, engine, null);
        dnnl_memory b = Dnnl.wrap(md, engine, null);
        dnnl_memory c = Dnnl.wrap(md, engine, null);
        dnnl_memory readFirst = Dnnl.wrap(md, engine, null);
        dnnl_memory pinned = Dnnl.wrap(md, engine, null);
        List<dnnl_memory> all = List.of(a, b, c, readFirst, pinned);
        try (TrainBuffers buffers = new TrainBuffers()) {
            all.forEach(m -> buffers.add(m, md, TrainBuffers.Kind.ACTIVATION));
            buffers.use(a, DNNL_ARG_DST, true, 0); // a: forward steps 0-1
            buffers.use(a, DNNL_ARG_SRC, true, 1);
            buffers.use(b, DNNL_ARG_DST, true, 1); // b: forward steps 1-2, alive with a at step 1
            buffers.use(b, DNNL_ARG_SRC, true, 2);
            buffers.use(c, DNNL_ARG_DST, true, 3); // c: forward step 3 to backward step 0, after a and b died
            buffers.use(c, DNNL_ARG_SRC, false, 0);
            buffers.use(readFirst, DNNL_ARG_DIFF_DST, false, 0); // read before anything writes it: relies on zeros
            buffers.use(pinned, DNNL_ARG_DST, true, 0);
            buffers.pin(pinned);
            buffers.place(4);
            long bytes = 16 * 16 * Float.BYTES;
            long ha = TrainMemory.handle(a).address();
            long hb = TrainMemory.handle(b).address();
            long hc = TrainMemory.handle(c).address();
            assertTrue(Math.abs(ha - hb) >= bytes, "a and b are alive together: disjoint");
            assertTrue(hc == ha || hc == hb, "c reuses a dead buffer");
            Set<Long> places = new HashSet<>(List.of(ha, hb, TrainMemory.handle(readFirst).address(),
                    TrainMemory.handle(pinned).address()));
            assertEquals(4, places.size(), "a buffer read first and a pinned one have places of their own");
            float[] zeros = new float[16 * 16];
            new FloatPointer(TrainMemory.handle(readFirst)).get(zeros);
            for (float z : zeros) {
                assertEquals(0f, z, "a buffer read first starts at zero");
            }
            assertEquals(5 * bytes, buffers.unplacedBytes());
            assertTrue(buffers.bytes() < 5 * bytes, "placed: " + buffers.bytes());
        } finally {
            all.forEach(m -> dnnl_memory_destroy(m));
            dnnl_engine_destroy(engine);
        }
    }

    /** A stem, an identity block and a fire block (concatenation), 16 channels wide: the layouts oneDNN shares. */
    private static ComputationGraph wide() {
        var conf = new NeuralNetConfiguration.Builder().seed(11).updater(new Nesterovs(1e-2, 0.9)).l2(1e-3)
                .weightInit(WeightInit.RELU).activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(12, 12, 3))
                .addLayer("c0", new ConvolutionLayer.Builder(3, 3).nOut(16).build(), "in")
                .addLayer("c0_bn", bn(), "c0")
                .addLayer("c0_relu", relu(), "c0_bn")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(),
                        "c0_relu")
                .addLayer("a1", new ConvolutionLayer.Builder(3, 3).nOut(16).build(), "pool")
                .addLayer("a1_bn", bn(), "a1")
                .addLayer("a1_relu", relu(), "a1_bn")
                .addLayer("a2", new ConvolutionLayer.Builder(3, 3).nOut(16).build(), "a1_relu")
                .addLayer("a2_bn", bn(), "a2")
                .addVertex("a_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "a2_bn", "pool")
                .addLayer("a_relu", relu(), "a_add")
                .addLayer("sq", new ConvolutionLayer.Builder(1, 1).nOut(16).activation(Activation.RELU).build(), "a_relu")
                .addLayer("e1", new ConvolutionLayer.Builder(1, 1).nOut(16).activation(Activation.RELU).build(), "sq")
                .addLayer("e3", new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build(), "sq")
                .addVertex("fire", new MergeVertex(), "e1", "e3")
                .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "fire")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "gap")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static BatchNormalization bn() {
        return new BatchNormalization.Builder().decay(0.8).eps(1e-3).build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    @Test
    void aNetworkWithSharedBuffersTrainsStepForStepAsDl4j() {
        ComputationGraph dl4j = wide();
        ComputationGraph onEngine = wide();
        try (TrainableGraph t = TrainableGraph.compile(onEngine, new long[] {3, 12, 12}, EngineMode.ONEDNN)) {
            for (int step = 0; step < 4; step++) {
                int n = step == 2 ? 3 : 4; // a second batch size: a second plan
                Nd4j.getRandom().setSeed(400 + step);
                INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 12, 12).subi(0.5).muli(2);
                INDArray y = TrainingComparisons.labels(n);
                dl4j.fit(new DataSet(x, y));
                double loss = t.fit(x, y).loss();
                assertEquals(dl4j.score(), loss, 5e-4 * (1 + loss), "loss at step " + step);
            }
            long[] bytes = t.planBytes(4);
            assertTrue(bytes[0] < bytes[1] * 3 / 4, "buffers placed by liveness: " + bytes[0] + " of " + bytes[1]);
            t.store();
        }
        TrainingComparisons.assertClose(dl4j.params().toFloatVector(), onEngine.params().toFloatVector(), 2e-3,
                "parameters");
        TrainingComparisons.assertClose(dl4j.getUpdater().getStateViewArray().toFloatVector(),
                onEngine.getUpdater().getStateViewArray().toFloatVector(), 2e-3, "updater state");
        assertNotEquals(0, dl4j.getIterationCount(), "trained");
    }
}
