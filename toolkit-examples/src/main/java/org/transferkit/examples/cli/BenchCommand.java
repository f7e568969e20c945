package org.transferkit.examples.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.examples.bench.DecodeBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit bench}: the measurements behind docs/benchmarks.md. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (see docs/benchmarks.md).",
        subcommands = {BenchCommand.Decode.class})
public final class BenchCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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
