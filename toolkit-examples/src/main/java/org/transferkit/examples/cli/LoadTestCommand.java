package org.transferkit.examples.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.examples.serve.LoadTest;
import org.transferkit.examples.serve.MixedLoad;
import org.transferkit.examples.serve.PredictionService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit loadtest}: serve a classifier on 127.0.0.1 and measure it under concurrent clients. */
@Command(name = "loadtest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Start the HTTP service on 127.0.0.1, send it images from N concurrent clients for at most M "
            + "seconds, and print throughput, p50/p99 latency, errors and changed predictions. Exit 1 if any.",
            "With --bombs, --truncated or --slow, hostile clients run in the same bounded run: decompression bombs "
            + "(must get 413), the first half of each JPEG image (must get 200 or 400, as alone) and connections that "
            + "never finish their request (must be cut off within --timeout + 5 s). It prints per class of request "
            + "the answers, p50/p99/max latency, unexpected and changed answers, and this JVM's memory (heap after "
            + "GC, RSS) at start, peak and end; exit 1 if any answer is unexpected or changed."})
public final class LoadTestCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a classifier saved by 'train'")
    Path model;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "8", description = "concurrent clients posting the images (default: ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--seconds", paramLabel = "M", defaultValue = "20", description = "time limit (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--max-requests", paramLabel = "N", defaultValue = "100000",
            description = "request limit (default: ${DEFAULT-VALUE})")
    int maxRequests;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4", description = "service threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--bombs", paramLabel = "N", defaultValue = "0",
            description = "clients posting decompression bombs, PNG 46000x46000 and JPEG 65500x65500 in turn "
                    + "(default: ${DEFAULT-VALUE})")
    int bombs;

    @Option(names = "--truncated", paramLabel = "N", defaultValue = "0",
            description = "clients posting the first half of each JPEG image (default: ${DEFAULT-VALUE})")
    int truncated;

    @Option(names = "--slow", paramLabel = "N", defaultValue = "0",
            description = "clients holding connections that never finish their request: headers trickled, an "
                    + "endless chunked body, a Content-Length never reached, in turn (default: ${DEFAULT-VALUE})")
    int slow;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "the service's request, response and idle deadline, as in 'serve' (default: "
                    + "${DEFAULT-VALUE})")
    int timeout;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "images to send, in turn")
    List<Path> images;

    @Override
    public Integer call() throws TransferKitException, InterruptedException {
        boolean mixed = bombs != 0 || truncated != 0 || slow != 0;
        if (mixed) {
            new MixedLoad.Plan(clients, bombs, truncated, slow, seconds, maxRequests, timeout); // usage errors first
        }
        RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
        PredictionService.Limits d = PredictionService.Limits.of(threads, 10_000_000);
        PredictionService.Limits limits = new PredictionService.Limits(threads, d.queue(), d.connections(),
                d.maxBytes(), d.maxPixels(), timeout);
        try (PredictionService service = PredictionService.serve(model, options, 0, limits)) {
            URI predict = service.baseUri().resolve("/predict");
            if (mixed) {
                MixedLoad.Result r = MixedLoad.run(predict, images, new MixedLoad.Plan(clients, bombs, truncated,
                        slow, seconds, maxRequests, service.jdkTimeoutSeconds()));
                spec.commandLine().getOut().println("loadtest " + threads + " service threads, deadline "
                        + service.jdkTimeoutSeconds() + " s:\n" + r);
                return r.passed() ? 0 : TransferKitCli.EXIT_FAILURE;
            }
            LoadTest.Result r = LoadTest.run(predict, images, clients, seconds, maxRequests);
            spec.commandLine().getOut().println("loadtest " + clients + " clients, " + threads + " service threads: " + r);
            return r.errors() == 0 && r.changed() == 0 ? 0 : TransferKitCli.EXIT_FAILURE;
        } catch (IOException e) {
            throw new TransferKitException("load test failed: " + e.getMessage(), e);
        }
    }
}
