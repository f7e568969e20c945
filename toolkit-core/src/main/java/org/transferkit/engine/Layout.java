package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_aBcd16b;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;

import java.util.HashMap;
import java.util.Map;

/**
 * How a {@link Plan} lays out the feature maps between its operations. oneDNN 2.5 left to choose (format
 * "any") picks NHWC and its brgemm kernels on AVX-512 machines, the faster choice for heavy convolutions
 * (VGG16, ResNet50: 4–15% faster per convolution than blocked, docs/benchmarks.md); on light ones (SqueezeNet's 1x1
 * convolutions of 16–64 channels, 3x3 convolutions of 16–64 input channels) its direct kernels on 16-channel
 * blocks (nChw16c) are faster, and so are the concatenations, poolings and the first convolution, which then
 * reads the NCHW input without a reorder (SqueezeNet 1.1 at batch 16: 17% less time in oneDNN). So light
 * programs are planned blocked and heavy ones as oneDNN chooses. Either way the numbers are the same within
 * float rounding. Blocked needs oneDNN's AVX-512 kernels (16 floats a register); without them (AVX2) every program
 * is planned as oneDNN chooses, which there is already 8-channel blocks.
 */
enum Layout {
    /** Every convolution's source and destination in the layout oneDNN prefers for it. */
    CHOSEN,
    /** Feature maps whose channels are a multiple of 16 in nChw16c; others as oneDNN prefers. */
    BLOCKED;

    /** Programs below this many multiply-accumulates per example are light (SqueezeNet 1.1: 0.27 G; ResNet50: 3.9 G). */
    static final long LIGHT_MACS = 1_000_000_000L;

    /** @return {@link #BLOCKED} for a light program where oneDNN runs AVX-512 kernels, else {@link #CHOSEN} */
    static Layout of(Lowering.Program program) {
        return macs(program) < LIGHT_MACS && sixteenFloatKernels() ? BLOCKED : CHOSEN;
    }

    /** @return true if oneDNN runs its AVX-512 kernels here (its natives must be loaded) */
    static boolean sixteenFloatKernels() {
        return (dnnl_get_effective_cpu_isa() & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
    }

    /** @return multiply-accumulates per example of the program's convolutions and dense layers */
    static long macs(Lowering.Program program) {
        Map<String, long[]> shapes = new HashMap<>();
        shapes.put(program.input(), program.inputShape());
        long total = 0;
        for (Op op : program.ops()) {
            long[] in = shapes.get(op.inputs.get(0));
            if (op.kind == Op.Kind.CONV) {
                total += Lowering.product(op.shape) * (in[0] / op.groups) * op.kernel[0] * op.kernel[1];
            } else if (op.kind == Op.Kind.DENSE) {
                total += op.shape[0] * Lowering.product(in);
            }
            shapes.put(op.name, op.shape);
        }
        return total;
    }

    /** @return the format tag for a convolution's source or destination feature map of {@code channels} */
    int tag(long channels) {
        return this == BLOCKED && channels % 16 == 0 ? dnnl_aBcd16b : dnnl_format_tag_any;
    }
}
