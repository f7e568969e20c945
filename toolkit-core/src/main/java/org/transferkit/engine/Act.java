package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_clip;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_elu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_logistic;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_elu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_logistic_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_tanh_use_dst_for_bwd;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_swish;
import static org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_tanh;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * An element-wise activation as oneDNN computes it: algorithm kind and its two parameters.
 *
 * @param alg a {@code dnnl_eltwise_*} algorithm
 * @param alpha its first parameter (negative slope for ReLU, lower bound for clip)
 * @param beta its second parameter (upper bound for clip)
 */
record Act(int alg, float alpha, float beta) {
    /** Activations the engine runs; listed in messages. */
    static final String SUPPORTED = "identity, relu, leakyrelu, relu6, sigmoid, tanh, elu, swish (softmax on outputs)";

    /** Marker for softmax, which is not element-wise and becomes its own operation. */
    static final Act SOFTMAX = new Act(-1, 0, 0);

    /**
     * @param fn a DL4J activation
     * @param where the vertex, for the message
     * @return its oneDNN form, {@link #SOFTMAX}, or null for identity
     * @throws UnsupportedOperationException for an activation the engine does not run
     */
    static Act of(IActivation fn, String where) {
        if (fn == null || fn instanceof ActivationIdentity) {
            return null;
        }
        if (fn instanceof ActivationReLU r) {
            boolean plain = (r.getMax() == null || r.getMax().isInfinite()) && (r.getThreshold() == null || r.getThreshold() == 0)
                    && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0);
            if (plain) {
                return new Act(dnnl_eltwise_relu, 0, 0);
            }
        } else if (fn instanceof ActivationLReLU l) {
            return new Act(dnnl_eltwise_relu, (float) l.getAlpha(), 0);
        } else if (fn instanceof ActivationReLU6) {
            return new Act(dnnl_eltwise_clip, 0, 6);
        } else if (fn instanceof ActivationSigmoid) {
            return new Act(dnnl_eltwise_logistic, 0, 0);
        } else if (fn instanceof ActivationTanH) {
            return new Act(dnnl_eltwise_tanh, 0, 0);
        } else if (fn instanceof ActivationELU e) {
            return new Act(dnnl_eltwise_elu, (float) e.getAlpha(), 0);
        } else if (fn instanceof ActivationSwish) {
            return new Act(dnnl_eltwise_swish, 1, 0);
        } else if (fn instanceof ActivationSoftmax) {
            return SOFTMAX;
        }
        throw new UnsupportedOperationException("vertex '" + where + "': activation " + fn + " is not supported by the engine; "
                + "supported: " + SUPPORTED);
    }

    /**
     * The same function as oneDNN computes its gradient from the function's output alone, so the training path keeps
     * no input for it (and can write its input gradient in place): ReLU and leaky ReLU (slope at least 0), sigmoid,
     * tanh, ELU (alpha at least 0). DL4J's derivatives of these are the same functions of the output.
     *
     * @return the {@code dnnl_eltwise_*_use_dst_for_bwd} algorithm, or -1 when the gradient needs the input
     *     (ReLU6's clip, swish)
     */
    int fromOutput() {
        if (alg == dnnl_eltwise_relu && alpha >= 0) {
            return dnnl_eltwise_relu_use_dst_for_bwd;
        } else if (alg == dnnl_eltwise_logistic) {
            return dnnl_eltwise_logistic_use_dst_for_bwd;
        } else if (alg == dnnl_eltwise_tanh) {
            return dnnl_eltwise_tanh_use_dst_for_bwd;
        } else if (alg == dnnl_eltwise_elu && alpha >= 0) {
            return dnnl_eltwise_elu_use_dst_for_bwd;
        }
        return -1;
    }
}
