package org.transferkit.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.examples.serve.LoadTest;
import org.transferkit.examples.serve.PredictionService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit loadtest}: serve a classifier on 127.0.0.1 and measure it under concurrent clients. */
@Command(name = "loadtest", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start the HTTP service on 127.0.0.1, send it images from N concurrent clients for at most M "
            + "seconds, and print throughput, p50/p99 latency, errors and changed predictions. Exit 1 if any.")
public final class LoadTestCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a classifier saved by 'train'")
    Path model;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "8", description = "concurrent clients (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--seconds", paramLabel = "M", defaultValue = "20", description = "time limit (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--max-requests", paramLabel = "N", defaultValue = "100000",
            description = "request limit (default: ${DEFAULT-VALUE})")
    int maxRequests;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4", description = "service threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "images to send, in turn")
    List<Path> images;

    @Override
    public Integer call() throws TransferKitException, InterruptedException {
        RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
        try (PredictionService service = PredictionService.serve(model, options, 0, PredictionService.Limits.of(threads, 10_000_000))) {
            LoadTest.Result r = LoadTest.run(service.baseUri().resolve("/predict"), images, clients, seconds, maxRequests);
            spec.commandLine().getOut().println("loadtest " + clients + " clients, " + threads + " service threads: " + r);
            return r.errors() == 0 && r.changed() == 0 ? 0 : TransferKitCli.EXIT_FAILURE;
        } catch (IOException e) {
            throw new TransferKitException("load test failed: " + e.getMessage(), e);
        }
    }
}
