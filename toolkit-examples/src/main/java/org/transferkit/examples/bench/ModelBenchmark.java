package org.transferkit.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.model.InputShape;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.engine.CompiledGraph;
import org.transferkit.engine.Engine;
import org.transferkit.engine.TrainableGraph;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.zoo.BackboneCatalog;

/**
 * Backbone speed on this machine, random weights: inference, a training step with the backbone frozen
 * (forward through everything, backward through the head), and a full training step (backward through
 * everything), each as images/s (median of timed iterations after warm-up), plus the process's peak
 * resident memory so far. Inference and the frozen step run the way TransferKit runs them: on the
 * compiled engine ({@link Engine}) where it is on and covers the graph (the frozen step then runs the
 * backbone on the engine and fits the head on DL4J), else on DL4J with its oneDNN helpers. The full step
 * always runs on DL4J. Stateless.
 */
public final class ModelBenchmark {
    /** What can be measured. */
    public enum Mode { INFERENCE, FROZEN_STEP, FULL_STEP, PARTIAL_STEP }

    /**
     * One measurement.
     *
     * @param model catalogue name
     * @param mode what was timed
     * @param batch images per iteration
     * @param input input shape
     * @param imagesPerSecond median images/s
     * @param peakRssMb the process's peak resident set so far (VmHWM), or -1 where unknown
     * @param helpers whether DL4J's oneDNN helpers were on
     * @param engine what ran the backbone: {@code onednn} or {@code nd4j} (the compiled engine's executors) or {@code dl4j}
     * @param detail further {@code key=value} pairs (the partial step's boundary and trainable layers), or empty
     */
    public record Result(String model, Mode mode, int batch, InputShape input, double imagesPerSecond, long peakRssMb,
            boolean helpers, String engine, String detail) {
        /** @return one line, {@code key=value} pairs */
        public String line() {
            return String.format(Locale.ROOT,
                    "model=%s mode=%s batch=%d input=%s images_per_s=%.2f peak_rss_mb=%d engine=%s helpers=%s", model,
                    mode.name().toLowerCase(Locale.ROOT), batch, input, imagesPerSecond, peakRssMb, engine, helpers)
                    + (detail.isEmpty() ? "" : " " + detail);
        }

        /** @return the same fields as a map, for JSON */
        public java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("model", model);
            m.put("mode", mode.name().toLowerCase(Locale.ROOT));
            m.put("batch", batch);
            m.put("input", input.toString());
            m.put("images_per_s", imagesPerSecond);
            m.put("peak_rss_mb", peakRssMb);
            m.put("engine", engine);
            m.put("helpers", helpers);
            for (String kv : detail.isEmpty() ? new String[0] : detail.split(" ")) {
                int eq = kv.indexOf('=');
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            return m;
        }
    }

    private ModelBenchmark() {
    }

    /**
     * {@link #run(String, List, int, int, int, RuntimeOptions)} with {@link RuntimeOptions#defaults()}.
     *
     * @param model a catalogue name with random weights, e.g. {@code resnet50-untrained}
     * @param modes what to time
     * @param batch images per iteration, >= 1
     * @param warmup untimed iterations, >= 0
     * @param iterations timed iterations, >= 1
     * @return one result per mode
     * @throws TransferKitException if the backbone cannot be built
     */
    public static List<Result> run(String model, List<Mode> modes, int batch, int warmup, int iterations)
            throws TransferKitException {
        return run(model, modes, batch, warmup, iterations, RuntimeOptions.defaults(), 0);
    }

    /**
     * @param model a catalogue name with random weights, e.g. {@code resnet50-untrained}
     * @param modes what to time
     * @param batch images per iteration, >= 1
     * @param warmup untimed iterations, >= 0
     * @param iterations timed iterations, >= 1
     * @param options the run-time options (engine mode, CPU helpers, weights folders)
     * @param unfreeze top blocks trainable in the partial step; 0 for the model's default
     *     ({@link PartialStep#defaultBlocks})
     * @return one result per mode
     * @throws TransferKitException if the backbone cannot be built
     */
    public static List<Result> run(String model, List<Mode> modes, int batch, int warmup, int iterations,
            RuntimeOptions options, int unfreeze) throws TransferKitException {
        Backbone b = BackboneCatalog.open(model, null, 1, options);
        InputShape in = b.inputShape();
        CutPoint cut = b.defaultCutPoint();
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(new long[] {batch, in.channels(), in.height(), in.width()});
        INDArray y = Nd4j.zeros(batch, 1000);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 1000, 1);
        }
        DataSet ds = new DataSet(x, y);
        HeadSpec head = HeadSpec.builder().hidden(new int[0]).dropout(0).build();
        List<Result> out = new ArrayList<>();
        for (Mode m : modes) {
            if (m == Mode.PARTIAL_STEP) {
                PartialStep.Timing t = PartialStep.time(b, unfreeze > 0 ? unfreeze : PartialStep.defaultBlocks(model), ds,
                        warmup, iterations, options);
                out.add(new Result(model.replace("-untrained", ""), m, batch, in, t.imagesPerSecond(), peakRssMb(),
                        options.cpuHelpers(), t.frozenOn().equals("engine") ? "engine+dl4j" : "dl4j", t.detail()));
                continue;
            }
            ComputationGraph g = TransferModel.surgery(b.loadGraph(), cut, head, 1000).updater(new Sgd(1e-3)).seed(1)
                    .freezeUpTo(m == Mode.FULL_STEP ? null : cut.vertex()).build();
            heInit(g);
            boolean helpers = CpuHelpers.apply(g, options) > 0;
            // the frozen step featurizes where Trainer does: after the head's pooling for a feature map
            String upTo = m == Mode.INFERENCE ? TransferModel.OUTPUT : cut.spatial() ? TransferModel.POOL : cut.vertex();
            Optional<CompiledGraph> compiled = m == Mode.FULL_STEP ? Optional.empty() : Engine.tryCompile(g, upTo, in,
                    options.engine());
            ComputationGraph headGraph = compiled.isPresent() && m == Mode.FROZEN_STEP
                    ? new TransferLearningHelper(g, upTo).unfrozenGraph() : null;
            double[] perIter = new double[iterations];
            TrainableGraph trainable = m == Mode.FULL_STEP
                    ? tryTrain(g, new long[] {batch, in.channels(), in.height(), in.width()}, options) : null;
            try {
                for (int i = 0; i < warmup + iterations; i++) {
                    long t0 = System.nanoTime();
                    if (trainable != null) {
                        trainable.fit(ds.getFeatures(), ds.getLabels());
                    } else {
                        step(m, g, compiled.orElse(null), headGraph, ds);
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (i >= warmup) {
                        perIter[i - warmup] = batch / s;
                    }
                }
            } finally {
                compiled.ifPresent(CompiledGraph::close);
                if (trainable != null) {
                    trainable.close();
                }
            }
            Arrays.sort(perIter);
            String engine = trainable != null ? "onednn-train"
                    : compiled.map(c -> c.executor().name().toLowerCase(Locale.ROOT)).orElse("dl4j");
            out.add(new Result(model.replace("-untrained", ""), m, batch, in, perIter[iterations / 2], peakRssMb(), helpers,
                    engine, ""));
            g.close();
        }
        return out;
    }

    /**
     * @param g a graph whose every layer trains
     * @param shape the input's shape, batch first
     * @param options the run-time options (the engine mode)
     * @return the engine's training path for {@code g}, or null when it does not cover it (the reason on stderr)
     */
    static TrainableGraph tryTrain(ComputationGraph g, long[] shape, RuntimeOptions options) {
        try {
            return TrainableGraph.compile(g, new long[] {shape[1], shape[2], shape[3]}, options.engine());
        } catch (UnsupportedOperationException e) {
            System.err.println("training step on DL4J: " + e.getMessage());
            return null;
        }
    }

    /**
     * He-normal weights ({@code N(0, 2 / fan_in)}) for every convolution and dense layer, as torchvision
     * initializes its models, so activations stay finite: DL4J's zoo ResNet50 draws every convolution from
     * N(0, 0.5) and overflows to NaN by stage 5 at 224x224, and timing arithmetic on NaN and infinities is
     * not timing a network.
     */
    static void heInit(ComputationGraph g) {
        Nd4j.getRandom().setSeed(11);
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            INDArray w = l.paramTable().get("W");
            if (w != null && (w.rank() == 4 || w.rank() == 2)) {
                long fanIn = w.rank() == 4 ? w.size(1) * w.size(2) * w.size(3) : w.size(0);
                w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(Math.sqrt(2.0 / fanIn)));
            }
        }
    }

    private static void step(Mode m, ComputationGraph g, CompiledGraph compiled, ComputationGraph head, DataSet ds) {
        if (compiled != null && m == Mode.INFERENCE) {
            compiled.output(ds.getFeatures());
        } else if (compiled != null) {
            head.fit(new DataSet(compiled.output(ds.getFeatures()), ds.getLabels()));
        } else if (m == Mode.INFERENCE) {
            g.outputSingle(false, ds.getFeatures());
        } else {
            g.fit(ds);
        }
    }

    /** @return VmHWM of this process in MB, or -1 where /proc is not available */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
