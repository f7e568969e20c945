package org.transferkit.train;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training metric without a second forward pass: DL4J hands a listener the activations of each fit's own
 * forward pass ({@code onForwardPass}), which stop below the output layer; for a dense {@link OutputLayer} this
 * recomputes its outputs from its input, {@code activation(x W + b)}, with the weights before the step and without
 * dropout (what Keras and PyTorch report as the running training accuracy). Costs one small matrix product per
 * batch. Attach to one network; not thread-safe.
 */
final class FitOutputs extends BaseTrainingListener {
    private final Layer layer;
    private final String input;
    private final IActivation activation;
    private INDArray last;

    private FitOutputs(Layer layer, String input, IActivation activation) {
        this.layer = layer;
        this.input = input;
        this.activation = activation;
    }

    /**
     * @param net a single-output graph
     * @return a listener for it, or null when its output is not a dense output layer with a single input (then
     *     the caller computes outputs itself)
     */
    static FitOutputs of(ComputationGraph net) {
        String out = net.getConfiguration().getNetworkOutputs().get(0);
        List<String> in = net.getConfiguration().getVertexInputs().get(out);
        Layer l = net.getVertex(out).hasLayer() ? net.getVertex(out).getLayer() : null;
        if (l == null || in == null || in.size() != 1 || !(l.conf().getLayer() instanceof OutputLayer conf)) {
            return null;
        }
        return new FitOutputs(l, in.get(0), conf.getActivationFn());
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        INDArray x = activations.get(input);
        if (x == null || x.rank() != 2) {
            last = null;
            return;
        }
        INDArray w = layer.getParam("W");
        INDArray b = layer.getParam("b");
        INDArray z = x.castTo(w.dataType()).mmul(w);
        if (b != null) {
            z.addiRowVector(b);
        }
        last = activation.getActivation(z, false);
    }

    /** @return the outputs of the latest fit's forward pass (then forgotten), or null if none were seen */
    INDArray take() {
        INDArray r = last;
        last = null;
        return r;
    }
}
