package org.transferkit.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A lowered program run with ND4J's own operations on whatever backend ND4J loaded: libnd4j's
 * {@code conv2d}, {@code depthwise_conv2d}, {@code maxpool2d} and {@code avgpool2d}, which the CUDA
 * backend's {@code -cudnn} build runs on cuDNN (DL4J's layers reach cuDNN only through a helper artifact
 * that does not exist for 1.0.0-M2.1). Batch norm stays folded and activations follow each operation.
 * Weights live in ND4J arrays on the backend's device. Not thread-safe: {@link CompiledGraph} serializes.
 */
final class OpsProgram {
    private final Lowering.Program program;
    private final Map<String, INDArray> weights = new HashMap<>();
    private final Map<String, INDArray> biases = new HashMap<>();

    OpsProgram(Lowering.Program program) {
        this.program = program;
        Map<String, long[]> shapes = new HashMap<>();
        shapes.put(program.input(), program.inputShape());
        for (Op op : program.ops()) {
            shapes.put(op.name, op.shape);
            if (op.kind == Op.Kind.CONV && op.same && op.foldedPadding) {
                throw Lowering.unsupported(op.name, "zero padding before a Same-mode convolution (ND4J operations)");
            }
            if (op.weights == null) {
                continue;
            }
            long cin = shapes.get(op.inputs.get(0))[0];
            INDArray w = Nd4j.create(op.weights);
            if (op.kind == Op.Kind.DENSE) {
                w = w.reshape(op.shape[0], op.weights.length / op.shape[0]).transpose().dup('c'); // [nIn, nOut]
            } else if (op.groups == 1) {
                w = w.reshape(op.shape[0], cin, op.kernel[0], op.kernel[1]); // OIYX
            } else { // goihw [c][m][1][y][x] -> [y][x][c][m]
                w = w.reshape(cin, op.shape[0] / cin, op.kernel[0], op.kernel[1]).permute(2, 3, 0, 1).dup('c');
            }
            weights.put(op.name, w);
            biases.put(op.name, Nd4j.create(op.bias));
        }
    }

    /** @param images batch x C x H x W @return the program's output for them */
    INDArray output(INDArray images) {
        Map<String, INDArray> t = new HashMap<>();
        t.put(program.input(), images.castTo(DataType.FLOAT));
        for (Op op : program.ops()) {
            List<INDArray> in = op.inputs.stream().map(t::get).toList();
            INDArray y = switch (op.kind) {
                case CONV -> conv(op, in.get(0));
                case DENSE -> in.get(0).reshape('c', in.get(0).size(0), -1).mmul(weights.get(op.name))
                        .addiRowVector(biases.get(op.name));
                case POOL -> pool(op, in.get(0));
                case GLOBAL_POOL -> {
                    INDArray r = op.max ? in.get(0).max(2, 3) : in.get(0).mean(2, 3);
                    yield op.shape.length == 3 ? r.reshape(r.size(0), r.size(1), 1, 1) : r;
                }
                case CONCAT -> Nd4j.concat(1, in.toArray(new INDArray[0]));
                case ADD -> in.get(0).add(in.get(1));
                case ELTWISE -> activate(op.act, in.get(0).dup());
                case SOFTMAX -> Transforms.softmax(in.get(0), true);
                case BATCH_NORM -> throw new IllegalStateException("unfolded batch normalization is lowered for training only");
            };
            for (Op.Post p : op.post) {
                y = p.sumWith() != null ? y.addi(t.get(p.sumWith())) : activate(p.act(), y);
            }
            t.put(op.name, y);
        }
        return t.get(program.output());
    }

    private INDArray conv(Op op, INDArray x) {
        INDArray in = x;
        long ph = op.padL[0];
        long pw = op.padL[1];
        boolean same = op.same;
        if (!same && (op.padL[0] != op.padR[0] || op.padL[1] != op.padR[1])) { // folded asymmetric zero padding
            in = Nd4j.pad(x, new int[][] {{0, 0}, {0, 0}, {op.padL[0], op.padR[0]}, {op.padL[1], op.padR[1]}});
            ph = 0;
            pw = 0;
        }
        Conv2DConfig.Conv2DConfigBuilder c = Conv2DConfig.builder().kH(op.kernel[0]).kW(op.kernel[1]).sH(op.stride[0])
                .sW(op.stride[1]).pH(same ? 0 : ph).pW(same ? 0 : pw).dH(1).dW(1)
                .paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID).dataFormat("NCHW");
        if (op.groups == 1) {
            return Nd4j.cnn().conv2d(in, weights.get(op.name), biases.get(op.name), c.weightsFormat(WeightsFormat.OIYX).build());
        }
        return Nd4j.cnn().depthWiseConv2d(in, weights.get(op.name), biases.get(op.name), c.build());
    }

    private static INDArray pool(Op op, INDArray x) {
        Pooling2DConfig c = Pooling2DConfig.builder().kH(op.kernel[0]).kW(op.kernel[1]).sH(op.stride[0]).sW(op.stride[1])
                .pH(op.same ? 0 : op.padL[0]).pW(op.same ? 0 : op.padL[1]).dH(1).dW(1)
                .paddingMode(op.same ? PaddingMode.SAME : PaddingMode.VALID)
                .divisor(op.includePad ? Pooling2D.Divisor.INCLUDE_PADDING : Pooling2D.Divisor.EXCLUDE_PADDING)
                .type(op.max ? Pooling2D.Pooling2DType.MAX : Pooling2D.Pooling2DType.AVG).isNHWC(false).build();
        return op.max ? Nd4j.cnn().maxPooling2d(x, c) : Nd4j.cnn().avgPooling2d(x, c);
    }

    private static INDArray activate(Act a, INDArray x) {
        int alg = a.alg();
        if (alg == org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_relu) {
            return a.alpha() == 0 ? Transforms.relu(x, false) : Transforms.leakyRelu(x, a.alpha(), false);
        } else if (alg == org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_clip) {
            return Transforms.min(Transforms.max(x, a.alpha(), false), a.beta(), false);
        } else if (alg == org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_logistic) {
            return Transforms.sigmoid(x, false);
        } else if (alg == org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_tanh) {
            return Transforms.tanh(x, false);
        } else if (alg == org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_elu) {
            INDArray neg = Transforms.exp(Transforms.min(x, 0, true), false).subi(1).muli(a.alpha());
            return Transforms.max(x, 0, false).addi(neg);
        } else if (alg == org.bytedeco.dnnl.global.dnnl.dnnl_eltwise_swish) {
            return x.muli(Transforms.sigmoid(x, true));
        }
        throw new IllegalStateException("no ND4J form for activation " + a);
    }
}
