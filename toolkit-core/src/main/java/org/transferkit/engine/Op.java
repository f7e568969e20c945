package org.transferkit.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One operation of a lowered graph. Mutable only while {@link Lowering} builds and fuses it; a
 * {@link CompiledGraph} never changes it afterwards.
 */
final class Op {
    /** What the operation computes. */
    enum Kind { CONV, DENSE, POOL, GLOBAL_POOL, CONCAT, ADD, ELTWISE, SOFTMAX, BATCH_NORM }

    /**
     * A batch normalization the training path runs unfolded ({@link Kind#BATCH_NORM}; only
     * {@link Lowering#lowerForTraining} makes these).
     *
     * @param frozen a fixed per-channel affine map ({@link #weights} the scale, {@link #bias} the shift), else a
     *     training-mode batch normalization of the layer's own parameters
     * @param eps the layer's epsilon (0 for a frozen affine)
     * @param decay the running statistics' decay ({@code new = decay * old + (1 - decay) * batch})
     * @param logStd the layer keeps its running spread as log10 of the standard deviation rather than the variance
     */
    record Norm(boolean frozen, float eps, double decay, boolean logStd) {
    }

    /** A fused step after the main computation: an activation, or adding another tensor first. */
    record Post(Act act, String sumWith) {
    }

    final String name;
    final Kind kind;
    final List<String> inputs;
    /** Per-example output shape: {C, H, W} or {C}. */
    long[] shape;
    /** Per-example shape as oneDNN sees it ({C, 1, 1} for a collapsed global pooling). */
    long[] dims;
    /** Convolution groups: 1, or the input channels for a depthwise convolution. */
    int groups = 1;
    int[] kernel;
    int[] stride;
    int[] padL;
    int[] padR;
    /** Padding computed by DL4J's Same mode (asymmetric where the input does not divide evenly). */
    boolean same;
    /** Zero padding of a ZeroPaddingLayer was folded into {@link #padL} / {@link #padR}. */
    boolean foldedPadding;
    boolean max;
    boolean includePad;
    /** Weights in oihw (conv) or oi (dense) order, after folding. */
    float[] weights;
    float[] bias;
    Act act;
    /** Set for {@link Kind#BATCH_NORM}. */
    Norm norm;
    final List<Post> post = new ArrayList<>();

    Op(String name, Kind kind, List<String> inputs) {
        this.name = name;
        this.kind = kind;
        this.inputs = List.copyOf(inputs);
    }

    /** @return the tensor this operation adds before its activations, or null */
    String sumWith() {
        return post.stream().map(Post::sumWith).filter(s -> s != null).findFirst().orElse(null);
    }

    /** @return true if nothing has been fused after the main computation yet */
    boolean bare() {
        return post.isEmpty();
    }

    @Override
    public String toString() {
        return name + " " + kind + " " + inputs + " -> " + Arrays.toString(shape) + (post.isEmpty() ? "" : " post " + post);
    }
}
