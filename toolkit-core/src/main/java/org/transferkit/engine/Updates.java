package org.transferkit.engine;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.L1Regularization;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * The optimizer steps of the training path, applied in place as DL4J M2.1 computes them (its {@code adam_updater},
 * {@code nesterovs_updater}, {@code rms_prop_updater} and {@code sgd_updater} operations; {@link L2Regularization}
 * and {@link L1Regularization} added to the gradient before the updater, {@link WeightDecay} after it), on
 * batch-mean gradients; and the softmax cross-entropy loss. The updater state lives in DL4J's layout (per updater
 * block: Adam's m then v, Nesterov's v, RMSprop's mean square), so it moves to and from the graph's updater state
 * array unchanged. Stateless.
 */
final class Updates {
    /** Values per chunk of an optimizer step (two float arrays of it per parameter array). */
    private static final int CHUNK = 1 << 14;

    private Updates() {
    }

    /** One parameter array: where it sits in the graph's flat vector, its buffers, its configuration and state. */
    static final class Param {
        private final String name;
        private final int offset;
        private final int length;
        private final FloatPointer value;
        private final FloatPointer grad;
        private final TrainingConfig conf;
        private final String key;
        private final FloatBuffer values;
        private final FloatBuffer grads;
        private float[] first;
        private float[] second;

        Param(String name, int offset, int length, FloatPointer value, FloatPointer grad, TrainingConfig conf, String key) {
            this.name = name;
            this.offset = offset;
            this.length = length;
            this.value = value;
            this.grad = grad;
            this.conf = conf;
            this.key = key;
            this.values = value.asBuffer();
            this.grads = grad.asBuffer();
        }

        String name() {
            return name;
        }

        int offset() {
            return offset;
        }

        int length() {
            return length;
        }

        FloatPointer value() {
            return value;
        }

        FloatPointer grad() {
            return grad;
        }

        IUpdater updater() {
            return conf.getUpdaterByParam(key);
        }

        List<Regularization> regularization() {
            return conf.getRegularizationByParam(key);
        }
    }

    /** @return null if DL4J's {@code updater} and {@code regularization} are covered, else what is not */
    static String unsupported(IUpdater updater, List<Regularization> regularization) {
        if (!(updater instanceof Adam || updater instanceof Nesterovs || updater instanceof Sgd
                || updater instanceof RmsProp)) {
            return "updater " + updater.getClass().getSimpleName()
                    + " (the training path runs Adam, Nesterovs, RmsProp and Sgd)";
        }
        for (Regularization r : regularization == null ? List.<Regularization>of() : regularization) {
            if (!(r instanceof WeightDecay || r instanceof L2Regularization || r instanceof L1Regularization)) {
                return "regularization " + r.getClass().getSimpleName()
                        + " (the training path runs WeightDecay, L1Regularization and L2Regularization)";
            }
        }
        return null;
    }

    /** Where a parameter's updater state sits in the graph's whole updater state array. */
    private record Slot(int first, int second) {
    }

    /**
     * @return each parameter's state offsets in the graph's current updater (looked up each time: DL4J re-creates
     *     the updater, with new blocks over the same state, whenever the learning rate is set)
     */
    private static Map<String, Slot> slots(ComputationGraph graph) {
        Map<String, Slot> slots = new java.util.HashMap<>();
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) graph.getUpdater()).getUpdaterBlocks()) {
            int n = b.getParamOffsetEnd() - b.getParamOffsetStart();
            for (UpdaterBlock.ParamState ps : b.getLayersAndVariablesInBlock()) {
                int at = b.getUpdaterViewOffsetStart() + offset(graph, ps) - b.getParamOffsetStart();
                slots.put(ps.getLayer().getConfig().getLayerName() + "/" + ps.getParamName(), new Slot(at, at + n));
            }
        }
        return slots;
    }

    /**
     * @return where the parameter of {@code ps} starts in the graph's flat parameter (and gradient) vector: where its
     *     view really lies, which for DL4J M2.1's depthwise and separable convolutions differs from the updater block's
     *     bookkeeping (that takes the weights first, while their views put the bias first; DL4J's own updater applies
     *     the block as one range, so it does not notice)
     */
    static int offset(ComputationGraph graph, UpdaterBlock.ParamState ps) {
        int length = ps.getParamOffsetEnd() - ps.getParamOffsetStart();
        INDArray view = graph.getLayer(ps.getLayer().getConfig().getLayerName()).getParam(ps.getParamName());
        INDArray flat = graph.params();
        long at = view == null ? -1 : view.offset() - flat.offset();
        boolean inside = view != null && view.length() == length && at >= 0 && at + length <= flat.length();
        return inside ? (int) at : ps.getParamOffsetStart();
    }

    /**
     * Reads every parameter's updater state from the graph's updater state array.
     *
     * @param fresh the graph has not trained yet (iteration 0): the state starts at zero, as DL4J zeroes it on its
     *     first update (until then the array holds uninitialized memory)
     */
    static void loadState(ComputationGraph graph, List<Param> params, boolean fresh) {
        INDArray view = graph.getUpdater().getStateViewArray();
        float[] st = fresh || view == null ? new float[0] : view.castTo(DataType.FLOAT).toFloatVector();
        Map<String, Slot> slots = slots(graph);
        for (Param p : params) {
            Slot s = slots.get(p.name);
            IUpdater u = p.updater();
            p.first = u instanceof Sgd || u instanceof NoOp ? null : slice(st, s.first(), p.length);
            p.second = u instanceof Adam ? slice(st, s.second(), p.length) : null;
            if (fresh && u instanceof RmsProp r) { // DL4J starts RMSprop's mean square at epsilon, not zero
                java.util.Arrays.fill(p.first, (float) r.getEpsilon());
            }
        }
    }

    /** Writes every parameter's updater state back into the graph's updater state array. */
    static void storeState(ComputationGraph graph, List<Param> params) {
        BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) graph.getUpdater();
        INDArray view = updater.getStateViewArray();
        if (view == null || view.length() == 0) {
            return;
        }
        // DL4J's own gradient updaters, made now: each zeroes its part of the array once, before the state is written
        updater.getUpdaterBlocks().forEach(UpdaterBlock::init);
        float[] st = view.castTo(DataType.FLOAT).toFloatVector();
        Map<String, Slot> slots = slots(graph);
        for (Param p : params) {
            Slot s = slots.get(p.name);
            if (p.first != null) {
                System.arraycopy(p.first, 0, st, s.first(), p.length);
            }
            if (p.second != null) {
                System.arraycopy(p.second, 0, st, s.second(), p.length);
            }
        }
        view.assign(Nd4j.createFromArray(st).reshape(view.shape()).castTo(view.dataType()));
    }

    private static float[] slice(float[] st, int from, int length) {
        float[] s = new float[length];
        if (from + length <= st.length) {
            System.arraycopy(st, from, s, 0, length);
        }
        return s;
    }

    /**
     * Applies each parameter's updater (and weight decay) to its gradient and subtracts the update in place; a
     * parameter whose updater is {@link NoOp} is left as it is.
     */
    static void apply(List<Param> params, int iteration, int epoch) {
        for (Param p : params) {
            IUpdater u = p.updater();
            if (u instanceof NoOp) {
                continue; // fixed (a frozen affine map) or moved by the training path itself (running statistics)
            }
            double lr = u.getLearningRate(iteration, epoch);
            double decay = 0;
            double l2 = 0;
            double l1 = 0;
            for (Regularization r : p.regularization() == null ? List.<Regularization>of() : p.regularization()) {
                if (r instanceof L2Regularization l) {
                    l2 += l.getL2().valueAt(iteration, epoch);
                } else if (r instanceof L1Regularization l) {
                    l1 += l.getL1().valueAt(iteration, epoch);
                } else {
                    WeightDecay wd = (WeightDecay) r;
                    double c = wd.getCoeff().valueAt(iteration, epoch);
                    decay += wd.isApplyLR() ? c * lr : c;
                }
            }
            float[] w = new float[Math.min(CHUNK, p.length)];
            float[] g = new float[w.length];
            // chunk by chunk through plain arrays: the JIT vectorizes these loops, not ones over a direct buffer
            for (int at = 0; at < p.length; at += CHUNK) {
                int n = Math.min(CHUNK, p.length - at);
                p.values.get(at, w, 0, n);
                p.grads.get(at, g, 0, n);
                if (l2 != 0 || l1 != 0) { // before the updater, as DL4J applies them: l2 times the weight, l1 its sign
                    regularize(w, g, n, (float) l2, (float) l1);
                }
                if (u instanceof Adam ad) {
                    adam(p, w, g, at, n, lr, ad.getBeta1(), ad.getBeta2(), ad.getEpsilon(), iteration, decay);
                } else if (u instanceof RmsProp r) {
                    rmsProp(p.first, w, g, at, n, lr, r.getRmsDecay(), r.getEpsilon(), decay);
                } else if (u instanceof Nesterovs ne) {
                    nesterovs(p.first, w, g, at, n, lr, ne.currentMomentum(iteration, epoch), decay);
                } else {
                    sgd(w, g, n, lr, decay);
                }
                p.values.put(at, w, 0, n);
            }
        }
    }

    /**
     * @return DL4J's regularization score: {@code 0.5 * coeff * ||w||^2} per parameter with weight decay or L2,
     *     {@code coeff * sum |w|} with L1
     */
    static double regularizationScore(List<Param> params, int iteration, int epoch) {
        double score = 0;
        for (Param p : params) {
            List<Regularization> rs = p.regularization();
            if (rs == null || rs.isEmpty() || p.updater() instanceof NoOp) {
                continue;
            }
            double sq = 0;
            double abs = 0;
            float[] chunk = new float[Math.min(CHUNK, p.length)];
            for (int at = 0; at < p.length; at += CHUNK) {
                int n = Math.min(CHUNK, p.length - at);
                p.values.get(at, chunk, 0, n);
                for (int i = 0; i < n; i++) {
                    double w = chunk[i];
                    sq += w * w;
                    abs += Math.abs(w);
                }
            }
            for (Regularization r : rs) {
                if (r instanceof L1Regularization l) { // l1 times the sum of absolute weights
                    score += l.getL1().valueAt(iteration, epoch) * abs;
                    continue;
                }
                double c = r instanceof L2Regularization l ? l.getL2().valueAt(iteration, epoch)
                        : ((WeightDecay) r).getCoeff().valueAt(iteration, epoch);
                score += 0.5 * c * sq;
            }
        }
        return score;
    }

    private static void regularize(float[] w, float[] g, int n, float l2, float l1) {
        for (int i = 0; i < n; i++) {
            g[i] += l2 * w[i] + l1 * Math.signum(w[i]);
        }
    }

    private static void adam(Param p, float[] w, float[] g, int at, int n, double lr, double beta1, double beta2,
            double eps, int iteration, double decay) {
        double b1t = Math.pow(beta1, iteration + 1);
        double b2t = Math.pow(beta2, iteration + 1);
        double epsT = lr * Math.sqrt(1 - b2t) / (1 - b1t);
        if (Double.isNaN(epsT) || Double.isInfinite(epsT) || epsT == 0) {
            epsT = eps;
        }
        float[] m = p.first;
        float[] v = p.second;
        float fb1 = (float) beta1;
        float fb2 = (float) beta2;
        for (int i = 0; i < n; i++) {
            int j = at + i;
            float gi = g[i];
            m[j] = fb1 * m[j] + gi * (1 - fb1);
            v[j] = fb2 * v[j] + gi * gi * (1 - fb2);
            float wi = w[i];
            float up = (float) (m[j] * epsT / (Math.sqrt(v[j]) + eps)) + (float) (decay * wi);
            w[i] = wi - up;
        }
    }

    private static void nesterovs(float[] v, float[] w, float[] g, int at, int n, double lr, double mu, double decay) {
        float fmu = (float) mu;
        float flr = (float) lr;
        for (int i = 0; i < n; i++) {
            int j = at + i;
            float prev = v[j];
            v[j] = fmu * prev - flr * g[i];
            float wi = w[i];
            float up = fmu * prev - (1 + fmu) * v[j] + (float) (decay * wi);
            w[i] = wi - up;
        }
    }

    /**
     * DL4J's {@code rms_prop_updater}: {@code s = decay * s + (1 - decay) * g^2}, {@code w -= lr * g / (sqrt(s) + eps)},
     * epsilon outside the square root.
     */
    private static void rmsProp(float[] s, float[] w, float[] g, int at, int n, double lr, double rmsDecay, double eps,
            double decay) {
        float fd = (float) rmsDecay;
        for (int i = 0; i < n; i++) {
            int j = at + i;
            float gi = g[i];
            s[j] = s[j] * fd + gi * gi * (1 - fd);
            float wi = w[i];
            float up = (float) (lr * gi / (Math.sqrt(s[j]) + eps)) + (float) (decay * wi);
            w[i] = wi - up;
        }
    }

    private static void sgd(float[] w, float[] g, int n, double lr, double decay) {
        for (int i = 0; i < n; i++) {
            float wi = w[i];
            w[i] = wi - (float) (lr * g[i] + decay * wi);
        }
    }
}
