import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Inference images/s of ONNX models on ONNX Runtime's CPU provider: all graph optimizations, sequential execution,
 * THREADS intra-op threads, one batch of random input per iteration, the median of the timed iterations after the
 * warm-up; the process's peak resident memory so far. Prints the key=value lines of {@code transferkit bench models}.
 * Run by run.sh: {@code OrtBench ONNX_DIR MODELS BATCH ITERATIONS WARMUP THREADS [PROFILE_PREFIX]}; with a profile
 * prefix, ONNX Runtime also writes its per-node timings (JSON, microseconds) to a file starting with that prefix.
 */
public final class OrtBench {
    private static final Map<String, Integer> SIZES = Map.of("squeezenet", 227, "resnet50", 224, "vgg16", 224);

    private OrtBench() {
    }

    public static void main(String[] args) throws OrtException {
        Path dir = Path.of(args[0]);
        int batch = Integer.parseInt(args[2]);
        int iterations = Integer.parseInt(args[3]);
        int warmup = Integer.parseInt(args[4]);
        int threads = Integer.parseInt(args[5]);
        String profile = args.length > 6 ? args[6] : null;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        for (String model : args[1].split(",")) {
            int size = SIZES.get(model);
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
                opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                opts.setIntraOpNumThreads(threads);
                opts.setInterOpNumThreads(1);
                if (profile != null) {
                    opts.enableProfiling(profile + "-" + model);
                }
                try (OrtSession session = env.createSession(dir.resolve(model + ".onnx").toString(), opts)) {
                    double rate = time(env, session, batch, size, iterations, warmup);
                    System.out.printf(Locale.ROOT, "model=%s mode=inference batch=%d input=3x%dx%d images_per_s=%.2f "
                            + "peak_rss_mb=%d engine=onnxruntime-%s threads=%d%n", model, batch, size, size, rate, peakRssMb(),
                            env.getVersion(), threads);
                }
            }
        }
    }

    private static double time(OrtEnvironment env, OrtSession session, int batch, int size, int iterations, int warmup)
            throws OrtException {
        float[] data = new float[batch * 3 * size * size];
        Random r = new Random(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextFloat();
        }
        String input = session.getInputNames().iterator().next();
        double[] rates = new double[iterations];
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[] {batch, 3, size, size})) {
            for (int i = 0; i < warmup + iterations; i++) {
                long t0 = System.nanoTime();
                try (OrtSession.Result out = session.run(Map.of(input, x))) {
                    if (out.size() != 1) {
                        throw new IllegalStateException("expected one output");
                    }
                }
                if (i >= warmup) {
                    rates[i - warmup] = batch / ((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        Arrays.sort(rates);
        return rates[iterations / 2];
    }

    private static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }
}
