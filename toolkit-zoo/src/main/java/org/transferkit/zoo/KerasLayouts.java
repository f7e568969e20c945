package org.transferkit.zoo;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.transferkit.zoo.keras.KerasWeights;
/**
 * The layer names of {@code keras.applications} weight files (the classic layouts, as in
 * {@code vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5} and
 * {@code resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5}) mapped onto DL4J zoo graphs. The dense
 * top layers are optional, so files with and without the top both load. Stateless.
 */
public final class KerasLayouts {
    private KerasLayouts() {
    }

    /**
     * VGG: {@code block{b}_conv{k}} onto the graph's convolutions in order, then {@code fc1} (after the
     * flatten), {@code fc2} and {@code predictions}.
     *
     * @param conf the DL4J VGG graph (its {@code init()} names its vertices "0", "1", ...)
     * @param convsPerBlock convolutions in each of the 5 blocks ({2,2,3,3,3} for VGG16, {2,2,4,4,4} for VGG19)
     * @return the mapping
     * @throws IllegalArgumentException if the graph has a different number of convolutions or fewer than 2 dense layers
     */
    public static List<KerasWeights.Mapping> vgg(ComputationGraphConfiguration conf, int[] convsPerBlock) {
        List<String> convs = new ArrayList<>();
        List<String> dense = new ArrayList<>();
        for (String v : Locator.topologicalOrder(conf)) {
            if (conf.getVertices().get(v) instanceof LayerVertex lv) {
                var l = lv.getLayerConf().getLayer();
                if (l instanceof ConvolutionLayer) {
                    convs.add(v);
                } else if (l instanceof DenseLayer || l instanceof OutputLayer) {
                    dense.add(v);
                }
            }
        }
        int total = 0;
        for (int n : convsPerBlock) {
            total += n;
        }
        if (convs.size() != total || dense.size() < 2) {
            throw new IllegalArgumentException("not a VGG graph with " + total + " convolutions and dense layers: found "
                    + convs.size() + " and " + dense.size());
        }
        List<KerasWeights.Mapping> m = new ArrayList<>();
        int i = 0;
        for (int b = 0; b < convsPerBlock.length; b++) {
            for (int k = 1; k <= convsPerBlock[b]; k++) {
                m.add(new KerasWeights.Mapping("block" + (b + 1) + "_conv" + k, convs.get(i++), KerasWeights.Kind.CONV));
            }
        }
        m.add(new KerasWeights.Mapping("fc1", dense.get(0), KerasWeights.Kind.DENSE_AFTER_FLATTEN, true));
        if (dense.size() == 3) { // DL4J M2.1's VGG19 graph lacks fc2: a Keras top for it is reported as unexpected
            m.add(new KerasWeights.Mapping("fc2", dense.get(1), KerasWeights.Kind.DENSE, true));
        }
        m.add(new KerasWeights.Mapping("predictions", dense.get(dense.size() - 1), KerasWeights.Kind.DENSE, true));
        return List.copyOf(m);
    }

    /**
     * ResNet50 v1 (classic Keras names): {@code conv1}/{@code bn_conv1} onto DL4J's stem, then for stages 2-5
     * (3, 4, 6, 3 blocks) {@code res{s}{b}_branch2a|2b|2c} and {@code bn...}, plus {@code branch1} in each
     * stage's first block (DL4J's zoo graph uses the same names); {@code fc1000} onto the output layer.
     *
     * @return the mapping
     */
    public static List<KerasWeights.Mapping> resnet50() {
        List<KerasWeights.Mapping> m = new ArrayList<>();
        m.add(new KerasWeights.Mapping("conv1", "stem-cnn1", KerasWeights.Kind.CONV));
        m.add(new KerasWeights.Mapping("bn_conv1", "stem-batch1", KerasWeights.Kind.BATCH_NORM));
        int[] blocks = {3, 4, 6, 3};
        for (int s = 0; s < blocks.length; s++) {
            for (int b = 0; b < blocks[s]; b++) {
                String id = (s + 2) + String.valueOf((char) ('a' + b));
                List<String> branches = new ArrayList<>(List.of("branch2a", "branch2b", "branch2c"));
                if (b == 0) {
                    branches.add("branch1");
                }
                for (String br : branches) {
                    m.add(new KerasWeights.Mapping("res" + id + "_" + br, "res" + id + "_" + br, KerasWeights.Kind.CONV));
                    m.add(new KerasWeights.Mapping("bn" + id + "_" + br, "bn" + id + "_" + br, KerasWeights.Kind.BATCH_NORM));
                }
            }
        }
        m.add(new KerasWeights.Mapping("fc1000", "output", KerasWeights.Kind.DENSE, true));
        return List.copyOf(m);
    }
}
