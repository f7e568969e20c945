package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.model.InputShape;

/**
 * The training path of the compiled engine: a whole DL4J graph (everything trainable, one input, one dense output
 * layer) trained step by step on oneDNN primitives built from the same lowering as inference
 * ({@link TrainPlan}), with the optimizer DL4J's configuration names (SGD, Nesterov momentum, Adam, RMSprop; L1, L2
 * and decoupled weight decay) applied in place. The DL4J graph stays the model of record: {@link #load} takes its
 * parameters, updater state and iteration count, {@link #store} writes them back (so checkpoints, evaluation and
 * saving work on the graph as before); between the two, only this object changes them.
 *
 * <p>{@link #compile} refuses (with the reason) what it does not cover; callers then train on DL4J. What it
 * covers: convolution (no dilation; with or without bias), depthwise convolution (any depth multiplier) and separable
 * convolution (depthwise then pointwise), each over DL4J's own weight layouts ({@link WeightBinding}), and dense
 * layers, with ReLU or no activation, max and average pooling, global pooling, ReLU layers, merge (concatenation),
 * element-wise addition of two inputs (residual blocks), zero padding before a (standard) convolution, batch
 * normalization of feature maps in training mode (batch statistics; gamma and beta trained; the running mean and
 * variance, or log10 standard deviation, moved after each step as DL4J moves them), the frozen affine map
 * {@code BatchNormFreezer} makes of a batch normalization (fixed, passes gradients through), plain dropout on a dense
 * layer's input, and a dense output layer with the activations and losses {@link Losses} computes (softmax with
 * multi-class cross-entropy, class-weighted or not; sigmoid with binary cross-entropy; identity with MSE, L2, MAE or
 * L1); no other frozen layers, no gradient normalization. Steps and outputs take ND4J arrays, or plain row-major arrays
 * ({@link #fit(float[], float[], int)}, {@link #output(float[], int)}) for networks so small that making ND4J arrays
 * per step costs more than the step (a head on cached features). Native memory is taken when compiling (parameters,
 * gradients) and per batch size at its first step or output (its plan, kept for the few latest sizes); if it is
 * refused, {@link NativeMemoryExceeded} says so before anything changed. Not thread-safe; holds native memory: close it.
 */
public final class TrainableGraph implements AutoCloseable {
    private static final int PLANS_KEPT = 2;

    /**
     * A convolution's or dense layer's parameters and gradients, for {@link TrainPlan}: the bias plain, the weights
     * plain or (a depthwise convolution's, in DL4J's own layout) at {@code wStrides}; see {@link WeightBinding}.
     */
    record Weighted(long[] wDims, long[] wStrides, long[] bDims, FloatPointer w, FloatPointer b, FloatPointer dw,
            FloatPointer db) {
        /** @return the layout of {@link #w} and {@link #dw} */
        org.bytedeco.dnnl.dnnl_memory_desc_t wMd() {
            return wStrides == null ? TrainMemory.plain(wDims) : Dnnl.strided(wDims, wStrides);
        }
    }

    /** What one step returns: the outputs of its forward pass (before the update) and the mean loss. */
    public record Step(INDArray outputs, double loss) {
    }

    private final ComputationGraph graph;
    private final Lowering.Program program;
    private final String logits;
    private final Losses.OutputLoss loss;
    private final Map<String, Weighted> weighted = new HashMap<>();
    private final Map<String, Normed> norms = new HashMap<>();
    /** Dense operations with dropout on their input: the retain probability. */
    private final Map<String, Double> dropout = new HashMap<>();
    private final List<Updates.Param> params = new ArrayList<>();
    private final List<FloatPointer> buffers = new ArrayList<>();
    private final dnnl_engine engine;
    private final dnnl_stream stream;
    private final PlanCache<TrainPlan> plans;
    /** For the plain-array steps: the input staging buffer, and per mask and batch size DL4J's ones and draws. */
    private FloatPointer staging;
    private final Map<String, INDArray[]> maskArrays = new HashMap<>();
    private int iteration;
    private int epoch;
    private boolean closed;

    private TrainableGraph(ComputationGraph graph, Lowering.Program program, String logits, Losses.OutputLoss loss,
            int plansKept) {
        this.plans = new PlanCache<>(plansKept);
        this.graph = graph;
        this.program = program;
        this.logits = logits;
        this.loss = loss;
        dnnl_engine e = Dnnl.cpuEngine();
        dnnl_stream s = Dnnl.stream(e);
        this.engine = e;
        this.stream = s;
    }

    /**
     * @param graph an initialized graph, trained from here through this object; its weights are read by {@link #load}
     * @param input the per-example input shape
     * @param mode the engine mode; training runs on oneDNN only
     * @return the graph compiled for training, loaded with the graph's current state (close it)
     * @throws UnsupportedOperationException naming what the training path does not cover (then train on DL4J)
     */
    public static TrainableGraph compile(ComputationGraph graph, InputShape input, EngineMode mode) {
        Objects.requireNonNull(input, "input");
        return compile(graph, new long[] {input.channels(), input.height(), input.width()}, mode);
    }

    /**
     * As {@link #compile(ComputationGraph, InputShape, EngineMode)} for any feature-map input (the part of a graph
     * above a boundary takes the boundary's channels).
     *
     * @param graph an initialized graph
     * @param input the per-example input shape {channels, height, width}
     * @param mode the engine mode; training runs on oneDNN only
     * @return the graph compiled for training, loaded with the graph's current state (close it)
     * @throws IllegalArgumentException if {@code input} is not three positive sizes
     * @throws UnsupportedOperationException naming what the training path does not cover (then train on DL4J)
     */
    public static TrainableGraph compile(ComputationGraph graph, long[] input, EngineMode mode) {
        return compile(graph, input, mode, PLANS_KEPT);
    }

    /**
     * As {@link #compile(ComputationGraph, long[], EngineMode)}, keeping plans for up to {@code plansKept} batch sizes
     * (default 2): a small network fed more sizes than that (training batches, a last partial batch, held-out and
     * training sets measured whole, as a head on cached features is) keeps them all instead of rebuilding one per call.
     *
     * @param graph an initialized graph
     * @param input the per-example input shape {channels, height, width} (a vector of n values: {n, 1, 1})
     * @param mode the engine mode; training runs on oneDNN only
     * @param plansKept batch sizes whose plans stay built, at least 1
     * @return the graph compiled for training, loaded with the graph's current state (close it)
     * @throws IllegalArgumentException if {@code input} is not three positive sizes or {@code plansKept} < 1
     * @throws UnsupportedOperationException naming what the training path does not cover (then train on DL4J); a
     *     {@link NativeMemoryExceeded} if the native memory it needs is refused (everything it allocated is freed)
     */
    public static TrainableGraph compile(ComputationGraph graph, long[] input, EngineMode mode, int plansKept) {
        Objects.requireNonNull(graph, "graph");
        if (plansKept < 1) {
            throw new IllegalArgumentException("plans kept must be at least 1, got " + plansKept);
        }
        if (input == null || input.length != 3 || input[0] < 1 || input[1] < 1 || input[2] < 1) {
            throw new IllegalArgumentException("input shape must be {channels, height, width}, all >= 1, got "
                    + java.util.Arrays.toString(input));
        }
        if (!Engine.enabled(mode) || Engine.executor(mode) != Engine.Executor.ONEDNN) {
            throw new UnsupportedOperationException("engine mode " + mode.id() + " does not train on oneDNN");
        }
        if (!Engine.available()) {
            throw new UnsupportedOperationException("oneDNN is not available here: " + Engine.unavailableReason());
        }
        String output = TrainChecks.check(graph);
        Lowering.Program p = Lowering.lowerForTraining(graph, output, input.clone());
        String logits = TrainChecks.logits(p, output);
        Losses.OutputLoss loss = Losses.of(output, (OutputLayer) graph.getLayer(output).conf().getLayer());
        TrainableGraph t = new TrainableGraph(graph, p, logits, loss, plansKept);
        try {
            t.bind();
            t.load();
            t.plan(1); // every primitive once: what oneDNN refuses shows up here
            t.plans.close(); // not kept: its memory is for the batch sizes trained
        } catch (RuntimeException | OutOfMemoryError e) {
            t.close();
            if (e instanceof OutOfMemoryError oom) { // JavaCPP refused the parameters' and gradients' buffers
                throw new NativeMemoryExceeded("parameters and gradients", oom);
            }
            throw e instanceof UnsupportedOperationException u ? u
                    : new UnsupportedOperationException("the training path cannot build this graph: " + e.getMessage(), e);
        }
        return t;
    }

    /** Maps every convolution and dense operation to its layer's parameters in the graph's flat parameter vector. */
    private void bind() {
        Map<String, Updates.Param> byName = new HashMap<>();
        BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) graph.getUpdater();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
                String layer = ps.getLayer().getConfig().getLayerName();
                int length = ps.getParamOffsetEnd() - ps.getParamOffsetStart();
                Updates.Param prm = new Updates.Param(layer + "/" + ps.getParamName(), Updates.offset(graph, ps), length,
                        floats(length), floats(length), ps.getLayer().getConfig(), ps.getParamName());
                params.add(prm);
                byName.put(prm.name(), prm);
            }
        }
        Map<String, long[]> shapes = new HashMap<>();
        shapes.put(program.input(), program.inputShape());
        for (Op op : program.ops()) {
            shapes.put(op.name, op.dims);
            if (op.kind == Op.Kind.BATCH_NORM) {
                norms.put(op.name, Normed.of(op, byName, this::floats));
                continue;
            }
            if (op.kind != Op.Kind.CONV && op.kind != Op.Kind.DENSE) {
                continue;
            }
            WeightBinding.Bound bound = WeightBinding.of(op, shapes.get(op.inputs.get(0)), graph, byName);
            String vertex = bound.vertex();
            Updates.Param w = bound.w();
            Updates.Param b = bound.b();
            Double keep = TrainChecks.dropout(graph.getLayer(vertex).conf().getLayer());
            if (keep != null) {
                dropout.put(op.name, keep);
            }
            // a convolution without bias: a zero bias of its own, whose gradient nothing reads
            weighted.put(op.name, new Weighted(bound.wDims(), bound.wStrides(), new long[] {op.shape[0]}, w.value(),
                    b != null ? b.value() : floats(op.shape[0]), w.grad(), b != null ? b.grad() : floats(op.shape[0])));
        }
    }

    /**
     * @return true if a training-mode batch normalization makes the training forward pass differ from inference
     *     (then {@link #output} is refused: measure with the compiled inference engine on the stored graph)
     */
    public boolean hasBatchStatistics() {
        return norms.values().stream().anyMatch(n -> !n.norm().frozen());
    }

    private FloatPointer floats(long n) {
        FloatPointer p = new FloatPointer(Math.max(1, n));
        p.zero();
        buffers.add(p);
        return p;
    }

    /** Takes the graph's current parameters, updater state and iteration count (call after it changed them). */
    public void load() {
        requireOpen();
        float[] all = graph.params().castTo(DataType.FLOAT).toFloatVector();
        for (Updates.Param p : params) {
            p.value().put(all, p.offset(), p.length());
        }
        iteration = graph.getConfiguration().getIterationCount();
        Updates.loadState(graph, params, iteration == 0);

        epoch = graph.getConfiguration().getEpochCount();
    }

    /** Writes the parameters, updater state and iteration count back into the graph. */
    public void store() {
        requireOpen();
        INDArray flat = graph.params();
        float[] all = flat.castTo(DataType.FLOAT).toFloatVector();
        for (Updates.Param p : params) {
            p.value().get(all, p.offset(), p.length());
        }
        flat.assign(Nd4j.createFromArray(all).reshape(flat.shape()).castTo(flat.dataType()));
        Updates.storeState(graph, params);
        graph.getConfiguration().setIterationCount(iteration);

    }

    /**
     * One training step: forward, the output layer's activation and loss against {@code labels} ({@link Losses}),
     * backward, and the optimizer's update of every parameter in place.
     *
     * @param images batch x C x H x W (NCHW) of the compiled input shape
     * @param labels batch x outputs targets (one-hot or smoothed classes, 0/1 labels, numbers)
     * @return the outputs (after the output layer's activation) of this step's forward pass (weights before the
     *     update) and the mean loss
     * @throws IllegalArgumentException if the shapes do not match
     * @throws NativeMemoryExceeded if the plan for this batch size cannot be allocated (nothing changed)
     */
    public Step fit(INDArray images, INDArray labels) {
        Step s = gradients(images, labels);
        Normed.moveRunningStatistics(norms, plan((int) images.size(0)).batchStats());
        Updates.apply(params, iteration, epoch);
        iteration++;
        return s;
    }

    /**
     * The network's outputs with the current weights, as DL4J's {@code output(false, x)} computes them (no dropout),
     * on the training plan's forward pass: nothing is compiled again after the weights change.
     *
     * @param images batch x C x H x W (NCHW) of the compiled input shape
     * @return batch x outputs, after the output layer's activation
     * @throws IllegalArgumentException if the shape does not match
     * @throws IllegalStateException if the graph has a training-mode batch normalization ({@link #hasBatchStatistics})
     * @throws NativeMemoryExceeded if the plan for this batch size cannot be allocated (nothing changed)
     */
    public INDArray output(INDArray images) {
        requireOpen();
        if (hasBatchStatistics()) {
            throw new IllegalStateException("the training forward pass normalizes with batch statistics; measure the "
                    + "stored graph on the inference engine instead");
        }
        INDArray x = checked(images, images.size(0));
        int n = (int) images.size(0);
        TrainPlan plan = plan(n);
        List<float[]> masks = new ArrayList<>();
        for (Map.Entry<String, Long> m : plan.masks().entrySet()) {
            float[] ones = new float[m.getValue().intValue()];
            java.util.Arrays.fill(ones, 1f);
            masks.add(ones);
        }
        float[] z = plan.forward(x.data().addressPointer(), masks)[0];
        int k = z.length / n;
        loss.activate(z, n, k);
        return Nd4j.create(z, new long[] {n, k}, 'c');
    }

    private INDArray checked(INDArray images, long labelRows) {
        long[] s = images.shape();
        long[] want = program.inputShape();
        if (s.length != 4 || s[1] != want[0] || s[2] != want[1] || s[3] != want[2] || labelRows != s[0]) {
            throw new IllegalArgumentException("images " + java.util.Arrays.toString(s) + " with " + labelRows
                    + " label rows; expected [batch, " + want[0] + ", " + want[1] + ", " + want[2] + "] and one label row "
                    + "per image");
        }
        return images.dataType() == DataType.FLOAT && images.ordering() == 'c' && !images.isView() && images.offset() == 0
                ? images : images.castTo(DataType.FLOAT).dup('c');
    }

    /** Forward and backward only: leaves the batch-mean gradients in each parameter's gradient buffer. */
    Step gradients(INDArray images, INDArray labels) {
        requireOpen();
        INDArray x = checked(images, labels.size(0));
        int n = (int) images.size(0);
        TrainPlan plan = plan(n);
        List<float[]> masks = new ArrayList<>();
        for (Map.Entry<String, Long> m : plan.masks().entrySet()) { // DL4J's draws, in its order, from ND4J's generator
            INDArray mask = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, m.getValue() / n}, 'c');
            mask.assign(1.0);
            Nd4j.getExecutioner().exec(new DropOutInverted(mask, mask, dropout.get(m.getKey())));
            masks.add(mask.reshape(mask.length()).toFloatVector());
        }
        float[][] out = plan.forward(x.data().addressPointer(), masks);
        float[] z = out[0];
        float[] y = labels.castTo(DataType.FLOAT).dup('c').reshape(labels.length()).toFloatVector();
        int k = z.length / n;
        if (y.length != z.length) {
            throw new IllegalArgumentException("labels have " + labels.size(1) + " classes; the network outputs " + k);
        }
        // z becomes the outputs, y the logits' gradient; the loss is reported as DL4J's score is, with weight decay's term
        double score = loss.apply(z, y, n, k) + Updates.regularizationScore(params, iteration, epoch);
        plan.backward(y);
        float[] shown = z;
        if (out[1] != null) { // the outputs without the output layer's input dropout, as DL4J's path reports them
            shown = out[1];
            loss.activate(shown, n, k);
        }
        return new Step(Nd4j.create(shown, new long[] {n, k}, 'c'), score);
    }

    /** @return every parameter's gradient of the latest step, in the graph's flat parameter order */
    float[] flatGradients() {
        float[] g = new float[(int) graph.numParams()];
        for (Updates.Param p : params) {
            p.grad().get(g, p.offset(), p.length());
        }
        return g;
    }

    /**
     * One training step on plain arrays, as {@link #fit(INDArray, INDArray)} computes it, without an ND4J array per
     * step (for a network so small that making them costs more than its step: a head on cached features). Dropout
     * masks are still DL4J's draws from ND4J's generator, into arrays kept per batch size.
     *
     * @param images n examples of the compiled input shape, row-major (NCHW)
     * @param labels n x outputs targets, row-major (as {@link #fit(INDArray, INDArray)} takes them); not changed
     * @param n the batch size, >= 1
     * @return the mean loss, as DL4J's score reports it
     * @throws IllegalArgumentException if the lengths do not match {@code n}
     * @throws NativeMemoryExceeded if the plan or input buffer for {@code n} cannot be allocated (nothing changed)
     */
    public double fit(float[] images, float[] labels, int n) {
        TrainPlan plan = planFor(images, n);
        float[][] out = plan.forward(staged(images), drawnMasks(plan, n, true));
        float[] z = out[0];
        if (labels.length != z.length) {
            throw new IllegalArgumentException("labels have " + labels.length + " values; " + n + " examples of "
                    + z.length / n + " classes need " + z.length);
        }
        float[] g = labels.clone(); // becomes the logits' gradient
        double score = loss.apply(z, g, n, z.length / n) + Updates.regularizationScore(params, iteration, epoch);
        plan.backward(g);
        Updates.apply(params, iteration, epoch);
        iteration++;
        return score;
    }

    /**
     * {@link #output(INDArray)} on plain arrays.
     *
     * @param images n examples of the compiled input shape, row-major (NCHW)
     * @param n the number of examples, >= 1
     * @return n x outputs after the output layer's activation, row-major
     * @throws IllegalArgumentException if the length does not match {@code n}
     * @throws NativeMemoryExceeded if the plan or input buffer for {@code n} cannot be allocated (nothing changed)
     */
    public float[] output(float[] images, int n) {
        TrainPlan plan = planFor(images, n);
        float[] z = plan.forward(staged(images), drawnMasks(plan, n, false))[0];
        loss.activate(z, n, z.length / n);
        return z;
    }

    private TrainPlan planFor(float[] images, int n) {
        requireOpen();
        long per = Lowering.product(program.inputShape());
        if (n < 1 || images.length != per * n) {
            throw new IllegalArgumentException("images have " + images.length + " values; " + n + " examples of "
                    + java.util.Arrays.toString(program.inputShape()) + " need " + per * n);
        }
        return plan(n);
    }

    /** @return the images in the staging buffer the plan reads (grown when a larger batch comes) */
    private Pointer staged(float[] images) {
        if (staging == null || staging.capacity() < images.length) {
            if (staging != null) {
                buffers.remove(staging);
                staging.deallocate();
                staging = null;
            }
            try {
                staging = floats(images.length);
            } catch (OutOfMemoryError e) {
                throw new NativeMemoryExceeded("input buffer of " + images.length + " values", e);
            }
        }
        staging.put(images, 0, images.length);
        return staging;
    }

    /**
     * @param drawn true for DL4J's dropout draws (as {@link #gradients} makes them, from ND4J's generator in the plan's
     *     mask order), false for no dropout (all ones)
     * @return one mask per dropout, into arrays kept per batch size
     */
    private List<float[]> drawnMasks(TrainPlan plan, int n, boolean drawn) {
        List<float[]> masks = new ArrayList<>();
        for (Map.Entry<String, Long> m : plan.masks().entrySet()) {
            INDArray[] keep = maskArrays.computeIfAbsent(m.getKey() + "@" + n, key -> new INDArray[] {
                Nd4j.ones(DataType.FLOAT, n, m.getValue() / n), Nd4j.createUninitialized(DataType.FLOAT, n, m.getValue() / n)});
            if (!drawn) {
                masks.add(keep[0].data().asFloat());
                continue;
            }
            Nd4j.getExecutioner().exec(new DropOutInverted(keep[0], keep[1], dropout.get(m.getKey())));
            masks.add(keep[1].data().asFloat());
        }
        return masks;
    }

    /** @return the lowered operations, one line each */
    public List<String> operations() {
        return program.ops().stream().map(Op::toString).toList();
    }

    /** @return the plan for {@code batch}'s buffer bytes as placed by liveness, and each in a buffer of its own */
    long[] planBytes(int batch) {
        requireOpen();
        return plan(batch).bytes();
    }

    /**
     * @return the plan for {@code batch}, built (and allocated) if not held
     * @throws NativeMemoryExceeded if its native memory is refused: nothing else changed (the plan frees what it took)
     */
    private TrainPlan plan(int batch) {
        try {
            return plans.get(batch, b -> new TrainPlan(program, logits, weighted, norms, dropout, b, engine, stream));
        } catch (OutOfMemoryError e) {
            throw new NativeMemoryExceeded("training plan for batch " + batch, e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("trainable graph is closed");
        }
    }

    /** Frees the native memory; later calls throw. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        plans.close();
        maskArrays.clear();
        buffers.forEach(FloatPointer::deallocate);
        buffers.clear();
        dnnl_stream_destroy(stream);
        dnnl_engine_destroy(engine);
    }
}
