package org.transferkit.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;

/**
 * Turns the part of a DL4J graph that a vertex depends on into {@link Op}s, folding and fusing on the
 * way (see the package description). Throws {@link UnsupportedOperationException} naming the first
 * vertex it cannot run. Single use; not thread-safe.
 */
final class Lowering {
    static final String SUPPORTED = "convolution, depthwise and separable convolution (NCHW, no dilation; Truncate, Strict "
            + "or Same mode), batch normalization of feature maps, activation, zero padding before a convolution, max/avg "
            + "subsampling, global avg/max pooling, merge, element-wise add, dense, output, loss and dropout layers, frozen "
            + "or not";

    /** The lowered program: operations in execution order, and where it starts and ends. */
    record Program(List<Op> ops, String input, String output, long[] inputShape) {
    }

    private final ComputationGraph graph;
    private final ComputationGraphConfiguration conf;
    private final String output;
    private final Map<String, String> tensorOf = new HashMap<>();
    private final Map<String, Op> producer = new HashMap<>();
    private final Map<String, long[]> shapeOf = new HashMap<>();
    private final Map<String, int[]> padOf = new HashMap<>();
    private final Map<String, Integer> consumers = new HashMap<>();
    private final List<Op> ops = new ArrayList<>();
    /** Lowered for the training path: nothing folded or fused that has its own gradient (see {@link #lowerForTraining}). */
    private final boolean training;

    private Lowering(ComputationGraph graph, String output, boolean training) {
        this.graph = graph;
        this.conf = graph.getConfiguration();
        this.output = output;
        this.training = training;
    }

    /**
     * @param graph an initialized graph (its parameters are copied, not kept)
     * @param output the vertex whose activations the program computes
     * @param inputShape per-example input shape {C, H, W}
     * @return the program
     * @throws IllegalArgumentException if {@code output} is not a vertex of the graph
     * @throws UnsupportedOperationException if a vertex it depends on cannot run on the engine
     */
    static Program lower(ComputationGraph graph, String output, long[] inputShape) {
        return new Lowering(graph, output, false).run(inputShape);
    }

    /**
     * As {@link #lower} for the training path: batch normalization is not folded into the convolution before it
     * but lowered as its own {@link Op.Kind#BATCH_NORM} (a trainable layer in training mode; the frozen affine map
     * {@code BatchNormFreezer} makes, a 1x1 depthwise convolution inside {@code FrozenLayerWithBackprop}, as a fixed
     * one), element-wise additions are not fused into a convolution but lowered as {@link Op.Kind#ADD}, and an
     * output layer whose activation is not softmax ends the program at its logits ({@code <vertex>:linear}, as a
     * softmax output's linear part is named): the training path applies that activation with the loss.
     *
     * @param graph an initialized graph
     * @param output the vertex whose activations the program computes
     * @param inputShape per-example input shape {C, H, W}
     * @return the program
     * @throws UnsupportedOperationException if a vertex it depends on cannot run on the engine
     */
    static Program lowerForTraining(ComputationGraph graph, String output, long[] inputShape) {
        return new Lowering(graph, output, true).run(inputShape);
    }

    /** @return true when lowering for the training path */
    boolean training() {
        return training;
    }

    private Program run(long[] inputShape) {
        if (!conf.getVertices().containsKey(output)) {
            throw new IllegalArgumentException("no vertex '" + output + "' in the graph; vertices: " + conf.getVertices().keySet());
        }
        if (conf.getNetworkInputs().size() != 1) {
            throw new UnsupportedOperationException("the engine runs graphs with one input; this one has " + conf.getNetworkInputs());
        }
        String input = conf.getNetworkInputs().get(0);
        Set<String> needed = ancestors();
        for (String v : needed) {
            for (String in : conf.getVertexInputs().getOrDefault(v, List.of())) {
                consumers.merge(in, 1, Integer::sum);
            }
        }
        tensorOf.put(input, input);
        shapeOf.put(input, inputShape.clone());
        for (int idx : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[idx].getVertexName();
            if (needed.contains(name) && !name.equals(input)) {
                lowerVertex(name, conf.getVertices().get(name), conf.getVertexInputs().get(name));
            }
        }
        String out = tensorOf.get(output);
        if (out == null || out.equals(input)) {
            throw new UnsupportedOperationException("vertex '" + output + "' computes nothing the engine can run");
        }
        return new Program(List.copyOf(ops), input, out, inputShape.clone());
    }

    private Set<String> ancestors() {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (seen.add(v)) {
                todo.addAll(conf.getVertexInputs().getOrDefault(v, List.of()));
            }
        }
        return seen;
    }

    private void lowerVertex(String name, GraphVertex vertex, List<String> inputs) {
        GraphVertex v = vertex;
        while (v instanceof FrozenVertex f) {
            v = f.getUnderlying();
        }
        if (v instanceof MergeVertex) {
            concat(name, inputs);
        } else if (v instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add && inputs.size() == 2) {
            add(name, inputs);
        } else if (v instanceof LayerVertex lv) {
            org.deeplearning4j.nn.api.Layer l = graph.getLayer(name);
            if (training && l instanceof FrozenLayerWithBackprop fb && Convolutions.frozenAffine(fb.getInsideLayer())) {
                Convolutions.affine(this, name, new Params(fb.getInsideLayer(), name), inputs.get(0));
                return;
            }
            while (l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop) {
                l = l instanceof FrozenLayer f ? f.getInsideLayer() : ((FrozenLayerWithBackprop) l).getInsideLayer();
            }
            Layer lc = l.conf().getLayer();
            boolean flatten = lv.getPreProcessor() instanceof CnnToFeedForwardPreProcessor p && p.getFormat() == CNN2DFormat.NCHW;
            if (lv.getPreProcessor() != null && !(flatten && lc instanceof FeedForwardLayer) && !noOp(lv.getPreProcessor(), inputs.get(0))) {
                throw unsupported(name, "input preprocessor " + lv.getPreProcessor().getClass().getSimpleName());
            }
            layer(name, lc, new Params(l, name), inputs.get(0));
        } else {
            throw unsupported(name, v.getClass().getSimpleName()
                    + (v instanceof ElementWiseVertex e ? " " + e.getOp() + " of " + inputs.size() + " inputs" : ""));
        }
    }

    /** A FeedForwardToCnn preprocessor is a no-op on a feature map that already has its shape (VGG's first layer). */
    private boolean noOp(org.deeplearning4j.nn.conf.InputPreProcessor pre, String in) {
        if (pre instanceof FeedForwardToCnnPreProcessor f && tensorOf.containsKey(in)) {
            long[] s = shapeOf.get(tensorOf.get(in));
            return s.length == 3 && s[0] == f.getNumChannels() && s[1] == f.getInputHeight() && s[2] == f.getInputWidth();
        }
        return false;
    }

    private void layer(String name, Layer lc, Params p, String in) {
        Class<?> c = lc.getClass();
        if (c == ConvolutionLayer.class || c == Convolution2D.class) {
            Convolutions.conv(this, name, (ConvolutionLayer) lc, p, in);
        } else if (lc instanceof SeparableConvolution2D sep) {
            Depthwise.separable(this, name, sep, p, in);
        } else if (lc instanceof DepthwiseConvolution2D dw) {
            Depthwise.depthwise(this, name, dw, p, in);
        } else if (c == SubsamplingLayer.class) {
            Convolutions.pool(this, name, (SubsamplingLayer) lc, in);
        } else if (lc instanceof BatchNormalization bn) {
            Convolutions.batchNorm(this, name, bn, p, in);
        } else if (lc instanceof ZeroPaddingLayer z) {
            if (z.getDataFormat() != CNN2DFormat.NCHW) {
                throw unsupported(name, "zero padding in " + z.getDataFormat());
            }
            if (padOf.containsKey(in)) {
                throw unsupported(name, "zero padding after zero padding");
            }
            padOf.put(name, z.getPadding().clone());
            tensorOf.put(name, tensor(in, name));
        } else if (lc instanceof ActivationLayer a) {
            activation(name, Act.of(a.getActivationFn(), name), in);
            if (!training && consumers.getOrDefault(in, 0) > 1 && !tensorOf.get(name).equals(tensorOf.get(in))) {
                // DL4J (M2.1) applies an ActivationLayer in place when not training: every later reader of its
                // input sees the activated values (Xception's residual adds do). Mirror it, so outputs match DL4J's.
                // Training, DL4J activates a copy (the other readers see the input itself), and so does this path.
                tensorOf.put(in, tensorOf.get(name));
            }
        } else if (lc instanceof LossLayer loss) {
            activation(name, Act.of(loss.getActivationFn(), name), in);
        } else if (lc instanceof DropoutLayer) {
            tensorOf.put(name, tensor(in, name));
        } else if (lc instanceof GlobalPoolingLayer g) {
            Convolutions.globalPool(this, name, g, in);
        } else if (c == DenseLayer.class || c == OutputLayer.class) {
            dense(name, (FeedForwardLayer) lc, p, in);
        } else {
            throw unsupported(name, c.getSimpleName());
        }
    }

    private void dense(String name, FeedForwardLayer lc, Params p, String in) {
        String t = tensor(in, name);
        long nIn = product(shapeOf.get(t));
        if (nIn != lc.getNIn()) {
            throw unsupported(name, "dense layer with nIn " + lc.getNIn() + " after " + nIn + " values");
        }
        Act act = Act.of(lc.getActivationFn(), name);
        // for training, an output layer's activation is its loss's (Losses): the program ends at its logits
        boolean lossActivated = training && lc instanceof OutputLayer && act != Act.SOFTMAX;
        Op op = new Op(act == Act.SOFTMAX || lossActivated ? name + ":linear" : name, Op.Kind.DENSE, List.of(t));
        op.weights = p.floats("W", true);
        op.bias = lc instanceof DenseLayer d && !d.hasBias() ? new float[(int) lc.getNOut()] : p.floats("b", false);
        op.shape = new long[] {lc.getNOut()};
        if (act == Act.SOFTMAX) {
            register(null, op);
            activation(name, act, op.name); // softmax is its own operation, named after the vertex
        } else if (lossActivated) {
            register(name, op);
        } else {
            if (act != null) {
                op.post.add(new Op.Post(act, null));
            }
            register(name, op);
        }
    }

    private void activation(String name, Act act, String in) {
        String t = tensor(in, name);
        if (act == null) {
            tensorOf.put(name, t);
            return;
        }
        Op p = fusable(in);
        if (act != Act.SOFTMAX && p != null && (p.kind == Op.Kind.CONV || p.kind == Op.Kind.DENSE)) {
            p.post.add(new Op.Post(act, null));
            tensorOf.put(name, p.name);
            return;
        }
        Op op = new Op(name, act == Act.SOFTMAX ? Op.Kind.SOFTMAX : Op.Kind.ELTWISE, List.of(t));
        if (act == Act.SOFTMAX && shapeOf.get(t).length != 1) {
            throw unsupported(name, "softmax over a feature map");
        }
        op.act = act;
        op.shape = shapeOf.get(t).clone();
        op.dims = producer.containsKey(t) ? producer.get(t).dims.clone() : op.shape.clone();
        register(name, op);
    }

    private void concat(String name, List<String> inputs) {
        List<String> ts = new ArrayList<>();
        long channels = 0;
        long[] first = null;
        for (String in : inputs) {
            String t = tensor(in, name);
            long[] s = shapeOf.get(t);
            if (first != null && (s.length != first.length || (s.length == 3 && (s[1] != first[1] || s[2] != first[2])))) {
                throw unsupported(name, "merge of shapes that differ beyond channels");
            }
            first = first == null ? s : first;
            channels += s[0];
            ts.add(t);
        }
        Op op = new Op(name, Op.Kind.CONCAT, ts);
        op.shape = first.clone();
        op.shape[0] = channels;
        register(name, op);
    }

    private void add(String name, List<String> inputs) {
        String a = tensor(inputs.get(0), name);
        String b = tensor(inputs.get(1), name);
        if (!java.util.Arrays.equals(shapeOf.get(a), shapeOf.get(b))) {
            throw unsupported(name, "add of different shapes");
        }
        Op into = null;
        String other = null;
        for (int i = 0; i < 2 && !training; i++) {
            Op p = fusable(inputs.get(i));
            String o = i == 0 ? b : a;
            Op op2 = producer.get(o);
            boolean ready = op2 == null || ops.indexOf(op2) < ops.indexOf(p);
            if (p != null && (p.kind == Op.Kind.CONV || p.kind == Op.Kind.DENSE) && p.bare() && ready
                    && (into == null || ops.indexOf(p) > ops.indexOf(into))) {
                into = p;
                other = o;
            }
        }
        if (into != null) {
            into.post.add(new Op.Post(null, other));
            tensorOf.put(name, into.name);
            return;
        }
        Op op = new Op(name, Op.Kind.ADD, List.of(a, b));
        op.shape = shapeOf.get(a).clone();
        register(name, op);
    }

    /** Adds an operation; {@code vertex}, when not null, now reads as its output. */
    void register(String vertex, Op op) {
        if (op.dims == null) {
            op.dims = op.shape.length == 1 && op.kind == Op.Kind.GLOBAL_POOL ? new long[] {op.shape[0], 1, 1} : op.shape.clone();
        }
        ops.add(op);
        producer.put(op.name, op);
        tensorOf.put(op.name, op.name);
        shapeOf.put(op.name, op.shape);
        if (vertex != null) {
            tensorOf.put(vertex, op.name);
        }
    }

    /** Makes {@code vertex} read as {@code tensor} (a layer folded or fused into the operation before it). */
    void alias(String vertex, String tensor) {
        tensorOf.put(vertex, tensor);
    }

    /** @return the operation producing {@code vertex}'s output if only one vertex reads it, else null */
    Op fusable(String vertex) {
        if (output.equals(vertex) || consumers.getOrDefault(vertex, 0) != 1) {
            return null;
        }
        return producer.get(tensorOf.get(vertex));
    }

    /** @return the tensor {@code vertex} resolves to; refuses zero padding read by anything but a convolution */
    String tensor(String vertex, String reader) {
        if (padOf.containsKey(vertex)) {
            throw unsupported(reader, "zero padding read by something other than a convolution");
        }
        return tensorOf.get(vertex);
    }

    /** @return the padding {top, bottom, left, right} a zero-padding vertex adds, or null */
    int[] padding(String vertex) {
        return padOf.get(vertex);
    }

    /** @return the tensor behind {@code vertex}, looking through zero padding */
    String tensorThroughPadding(String vertex) {
        return tensorOf.get(vertex);
    }

    long[] shape(String tensor) {
        return shapeOf.get(tensor);
    }

    static long product(long[] s) {
        long p = 1;
        for (long x : s) {
            p *= x;
        }
        return p;
    }

    static UnsupportedOperationException unsupported(String vertex, String what) {
        return new UnsupportedOperationException("vertex '" + vertex + "': " + what + " is not supported by the engine; supported: "
                + SUPPORTED);
    }

    static void requireNchw(String vertex, CNN2DFormat f, ConvolutionMode mode) {
        if (f != CNN2DFormat.NCHW) {
            throw unsupported(vertex, "data format " + f);
        }
        // null: a layer built outside a configuration builder (BatchNormFreezer's); DL4J then computes as Truncate
        if (mode != null && mode != ConvolutionMode.Truncate && mode != ConvolutionMode.Strict && mode != ConvolutionMode.Same) {
            throw unsupported(vertex, "convolution mode " + mode);
        }
    }

    static boolean maxOrAvg(PoolingType t) {
        return t == PoolingType.MAX || t == PoolingType.AVG;
    }
}
