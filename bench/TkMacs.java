import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.nd4j.linalg.learning.config.Sgd;
import org.transferkit.backbone.Backbone;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.zoo.BackboneCatalog;

/**
 * Multiply-accumulates per image of the networks {@code transferkit bench models} times (backbone with random
 * weights, global pooling, 1000-way dense head): every convolution (output values x kernel area x input channels
 * per group; a separable one as its depthwise and pointwise parts) and dense layer (inputs x outputs; batch
 * normalization, though DL4J types it a feed-forward layer, is
 * per-element work like pooling and not counted), from DL4J's own shape inference. Run with the CLI jar on the
 * class path: {@code java -cp toolkit-examples/target/transferkit.jar bench/TkMacs.java squeezenet,resnet50,vgg16}.
 */
public final class TkMacs {
    private TkMacs() {
    }

    public static void main(String[] args) throws Exception {
        for (String model : args[0].split(",")) {
            Backbone b = BackboneCatalog.open(model + "-untrained", null, 1, RuntimeOptions.defaults());
            HeadSpec head = HeadSpec.builder().hidden(new int[0]).dropout(0).build();
            ComputationGraphConfiguration conf = TransferModel.surgery(b.loadGraph(), b.defaultCutPoint(), head, 1000)
                    .updater(new Sgd(1e-3)).freezeUpTo(null).build().getConfiguration();
            var in = b.inputShape();
            Map<String, InputType> types = conf.getLayerActivationTypes(
                    InputType.convolutional(in.height(), in.width(), in.channels()));
            long macs = 0;
            for (var e : conf.getVertices().entrySet()) {
                if (!(e.getValue() instanceof LayerVertex lv)) {
                    continue;
                }
                var layer = lv.getLayerConf().getLayer() instanceof FrozenLayer f ? f.getLayer() : lv.getLayerConf().getLayer();
                if (layer instanceof ConvolutionLayer c) {
                    InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) types.get(e.getKey());
                    long area = c.getKernelSize()[0] * c.getKernelSize()[1];
                    long pixels = out.getHeight() * out.getWidth();
                    if (c instanceof SeparableConvolution2D s) { // depthwise, then the pointwise 1x1
                        long mid = c.getNIn() * s.getDepthMultiplier();
                        macs += pixels * (mid * area + mid * out.getChannels());
                    } else if (c instanceof DepthwiseConvolution2D) { // one filter per output channel
                        macs += pixels * out.getChannels() * area;
                    } else {
                        macs += pixels * out.getChannels() * area * c.getNIn();
                    }
                } else if (layer instanceof FeedForwardLayer f && !(layer instanceof BatchNormalization)) {
                    macs += f.getNIn() * f.getNOut();
                }
            }
            System.out.printf(Locale.ROOT, "model=%s input=%s gmacs_per_image=%.3f%n", model, in, macs / 1e9);
        }
    }
}
