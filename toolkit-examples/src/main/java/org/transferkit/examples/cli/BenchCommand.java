package org.transferkit.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.examples.bench.DecodeBenchmark;
import org.transferkit.examples.bench.ModelBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import org.transferkit.runtime.RuntimeOptions;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit bench}: the measurements behind docs/benchmarks.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (see docs/benchmarks.md).",
        subcommands = {BenchCommand.Decode.class, BenchCommand.Models.class})
public final class BenchCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code bench models}: backbone images/s for inference, frozen-backbone and full training steps. */
    @Command(name = "models", mixinStandardHelpOptions = true,
            description = "Images/s of each backbone (random weights): inference, a training step with the backbone frozen, "
                + "a full training step, a phase-2 step with the top blocks trainable; with peak memory. One line per model "
                + "and mode.")
    static final class Models implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--model", paramLabel = "NAME", split = ",", defaultValue = "squeezenet,resnet50,vgg16",
                description = "backbones (default: ${DEFAULT-VALUE})")
        List<String> models;

        @Option(names = "--mode", paramLabel = "MODE", split = ",", defaultValue = "inference,frozen_step,full_step",
                description = "what to time: inference, frozen_step, full_step, partial_step (default: ${DEFAULT-VALUE})")
        List<String> modes;

        @Option(names = "--unfreeze", paramLabel = "N", defaultValue = "0", description = "partial_step: top blocks trainable; "
                + "0 = per model: SqueezeNet 2 (fire8, fire9), ResNet50 1 (stage 5), VGG16 1 (block 5) (default: ${DEFAULT-VALUE})")
        int unfreeze;

        @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "images per iteration (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--iterations", paramLabel = "N", defaultValue = "5", description = "timed iterations; the median is "
                + "reported (default: ${DEFAULT-VALUE})")
        int iterations;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "untimed iterations first (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--json", paramLabel = "FILE", description = "also write the results as JSON")
        Path json;

        @Override
        public Integer call() throws TransferKitException {
            if (batch < 1 || iterations < 1 || warmup < 0 || unfreeze < 0) {
                throw new IllegalArgumentException("--batch and --iterations must be >= 1, --warmup and --unfreeze >= 0; got "
                        + batch + ", " + iterations + ", " + warmup + ", " + unfreeze);
            }
            RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
            List<ModelBenchmark.Mode> ms = new java.util.ArrayList<>();
            for (String m : modes) {
                try {
                    ms.add(ModelBenchmark.Mode.valueOf(m.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--mode: unknown '" + m + "'; valid: inference, frozen_step, full_step, "
                            + "partial_step", e);
                }
            }
            List<java.util.Map<String, Object>> all = new java.util.ArrayList<>();
            for (String model : models) {
                String random = model.trim() + "-untrained"; // random weights: nothing to download
                String name = org.transferkit.zoo.BackboneCatalog.entries().stream().anyMatch(e -> e.name().equals(random))
                        ? random : model.trim();
                for (var r : ModelBenchmark.run(name, ms, batch, warmup, iterations, options, unfreeze)) {
                    spec.commandLine().getOut().println(r.line());
                    spec.commandLine().getOut().flush();
                    all.add(r.toMap());
                }
            }
            if (json != null) {
                Json.write(json, all);
            }
            return 0;
        }
    }

    /** {@code bench decode}: images/s of decode + resize + normalize. */
    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Decode + resize + normalize throughput of the image pipeline over folders of class sub-folders.")
    static final class Decode implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--size", paramLabel = "PX", defaultValue = "224", description = "output side (default: ${DEFAULT-VALUE})")
        int size;

        @Option(names = "--passes", paramLabel = "N", defaultValue = "3", description = "timed passes (default: ${DEFAULT-VALUE})")
        int passes;

        @Option(names = "--threads", paramLabel = "N", split = ",", defaultValue = "1,2",
                description = "decoding thread counts (default: ${DEFAULT-VALUE})")
        int[] threads;

        @Parameters(paramLabel = "DIR", arity = "1..*", description = "dataset folders")
        List<Path> folders;

        @Override
        public Integer call() throws TransferKitException {
            if (passes < 1 || size < 8) {
                throw new IllegalArgumentException("--passes must be >= 1 and --size >= 8, got " + passes + " and " + size);
            }
            for (DecodeBenchmark.Result r : DecodeBenchmark.run(folders, size, threads, passes)) {
                spec.commandLine().getOut().printf(Locale.ROOT, "transferkit threads=%d images=%d images_per_s=%.1f%n",
                        r.threads(), r.images(), r.imagesPerSecond());
            }
            return 0;
        }
    }
}
