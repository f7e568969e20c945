package org.transferkit.bundle;

import java.nio.file.Path;
import java.util.Arrays;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.ModelFormatException;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;

/**
 * Checks a bundle's manifest on its own and against its network, so that a manifest edited by hand (or
 * written by a buggy tool) is refused on load instead of answering wrongly. Every refusal is a {@link
 * ModelFormatException} naming the file and the two values that disagree (or the bad value and what is allowed).
 */
final class ManifestCheck {
    private ManifestCheck() {
    }

    /**
     * Checks the values the manifest holds: input shape, preprocessing (known channel order and resize names,
     * finite values, scale and every std > 0, 1 or 3 means and stds) and the multi-label threshold in (0, 1).
     *
     * @param m the manifest
     * @param file the bundle, for messages
     * @throws ModelFormatException if a value is invalid
     */
    static void values(BundleManifest m, Path file) throws ModelFormatException {
        String where = "manifest of " + file.toAbsolutePath() + ": ";
        try {
            m.inputShape();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + "input " + Arrays.toString(m.input()) + " is not a valid shape ("
                    + e.getMessage() + ")", e);
        }
        BundleManifest.PreprocessingJson p = m.preprocessing();
        if (p.channelOrder() == null || p.resize() == null || p.mean() == null || p.std() == null) {
            throw new ModelFormatException(where + "preprocessing lacks channel_order, resize, mean or std");
        }
        if (Arrays.stream(Preprocessing.ChannelOrder.values()).noneMatch(o -> o.name().equals(p.channelOrder()))) {
            throw new ModelFormatException(where + "unknown channel_order '" + p.channelOrder() + "'; valid: "
                    + Arrays.toString(Preprocessing.ChannelOrder.values()));
        }
        try {
            Preprocessing.Resize.parse(p.resize());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + e.getMessage(), e);
        }
        checkFinite(where, "scale", new float[] {p.scale()});
        checkFinite(where, "mean", p.mean());
        checkFinite(where, "std", p.std());
        try {
            p.toPreprocessing();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + "preprocessing is invalid: " + e.getMessage(), e);
        }
        if (m.threshold() != null && !(m.threshold() > 0 && m.threshold() < 1)) {
            throw new ModelFormatException(where + "threshold " + m.threshold() + " is outside (0, 1)");
        }
    }

    private static void checkFinite(String where, String name, float[] values) throws ModelFormatException {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                throw new ModelFormatException(where + "preprocessing " + name + " " + Arrays.toString(values)
                        + " holds a value that is not a finite number");
            }
        }
    }

    /**
     * Checks the manifest against the network: the input shape against the one recorded beside the network when
     * the bundle was saved (bundles written before that record it not), and the number of labels against the
     * network's output size, found by running one blank image of the manifest's shape.
     *
     * @param m the manifest, {@link #values checked} already
     * @param g the network
     * @param recordedInput the input shape saved beside the network, or null if the bundle has none
     * @param file the bundle, for messages
     * @throws ModelFormatException if they disagree, or the network does not run on the manifest's shape
     */
    static void againstNetwork(BundleManifest m, ComputationGraph g, int[] recordedInput, Path file)
            throws ModelFormatException {
        String where = file.toAbsolutePath() + ": ";
        InputShape shape = m.inputShape();
        if (recordedInput != null && !Arrays.equals(recordedInput, m.input())) {
            throw new ModelFormatException(where + "the manifest's input " + Arrays.toString(m.input())
                    + " disagrees with the network's input " + Arrays.toString(recordedInput));
        }
        long outputs;
        try (INDArray blank = Nd4j.zeros(1, shape.channels(), shape.height(), shape.width());
                INDArray out = g.outputSingle(false, blank)) {
            outputs = out.length();
        } catch (RuntimeException e) {
            throw new ModelFormatException(where + "the network does not run on the manifest's input "
                    + Arrays.toString(m.input()) + ": " + e.getMessage(), e);
        }
        if (outputs != m.labels().size()) {
            throw new ModelFormatException(where + "the manifest has " + m.labels().size() + " labels but the network"
                    + " has " + outputs + " outputs");
        }
    }
}
