package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_aBcd16b;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
import static org.bytedeco.dnnl.global.dnnl.dnnl_format_tag_any;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;

import java.util.HashMap;
import java.util.Map;

/**
 * How a {@link Plan} lays out the feature maps between its operations. oneDNN 2.5 left to choose (format
 * "any") picks NHWC and its brgemm kernels on AVX-512 machines, the faster choice for heavy convolutions without
 * Winograd's algorithm (VGG16: 4–15% faster per convolution than blocked, docs/benchmarks.md); on light programs
 * (SqueezeNet's 1x1 convolutions of 16–64 channels, 3x3 convolutions of 16–64 input channels) its direct kernels on
 * 16-channel blocks (nChw16c) are faster, and so are the concatenations, poolings and the first convolution, which
 * then reads the NCHW input without a reorder (SqueezeNet 1.1 at batch 16: 17% less time in oneDNN). In residual
 * networks the 1x1 convolutions that add the shortcut are faster blocked (ResNet50 at 55x55, batch 16, one thread:
 * 9.5 ms blocked against 14.7 ms NHWC), and their 3x3 convolutions run Winograd's algorithm, which oneDNN has on
 * 16-channel blocks only (ResNet50's 2.2x faster than NHWC's direct ones). So light programs and heavy residual ones
 * are planned blocked, other heavy ones as oneDNN chooses (their Winograd convolutions still take and give
 * 16-channel blocks, with a reorder where the layout changes). Either way the numbers are the same within float
 * rounding. Blocked needs oneDNN's AVX-512 kernels (16 floats a register); without them (AVX2) every program is
 * planned as oneDNN chooses, which there is already 8-channel blocks.
 */
enum Layout {
    /** Every convolution's source and destination in the layout oneDNN prefers for it. */
    CHOSEN,
    /** Feature maps whose channels are a multiple of 16 in nChw16c; others as oneDNN prefers. */
    BLOCKED;

    /** Programs below this many multiply-accumulates per example are light (SqueezeNet 1.1: 0.27 G; ResNet50: 3.9 G). */
    static final long LIGHT_MACS = 1_000_000_000L;

    /** Residual additions on outputs of at least this many pixels make a heavy program blocked (ResNet50: 112x112 to 28x28). */
    static final long LARGE_AREA = 28 * 28;

    /**
     * @return where oneDNN runs AVX-512 kernels: {@link #BLOCKED} for a light program and for a heavy one with
     *     residual additions on large feature maps (a convolution of at least {@link #LARGE_AREA} output pixels
     *     that adds into another's output: ResNet50, not Xception, whose fused additions are at 19x19), else
     *     {@link #CHOSEN}
     */
    static Layout of(Lowering.Program program) {
        if (!sixteenFloatKernels()) {
            return CHOSEN;
        }
        return macs(program) < LIGHT_MACS || largeResiduals(program) ? BLOCKED : CHOSEN;
    }

    /** @return true if a convolution of at least {@link #LARGE_AREA} output pixels adds into another's output */
    static boolean largeResiduals(Lowering.Program program) {
        return program.ops().stream().anyMatch(o -> o.kind == Op.Kind.CONV && o.sumWith() != null && o.dims[1] * o.dims[2] >= LARGE_AREA);
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

    /**
     * @param channels the feature map's channels
     * @return the format tag for a convolution's source or destination feature map
     */
    int tag(long channels) {
        return this == BLOCKED && channels % 16 == 0 ? dnnl_aBcd16b : dnnl_format_tag_any;
    }
}
