package org.transferkit.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.TransferKitException;
import org.transferkit.examples.serve.PredictionService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code transferkit serve}: an HTTP prediction service on the loopback address until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve a classifier over HTTP on 127.0.0.1 until stopped (Ctrl-C).",
            "POST /predict?top=K with the image bytes as the body; GET /health."})
public final class ServeCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a classifier saved by 'train'")
    Path model;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080", description = "port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4", description = "request threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--max-bytes", paramLabel = "N", defaultValue = "10000000",
            description = "largest accepted image in bytes (default: ${DEFAULT-VALUE})")
    long maxBytes;

    @Option(names = "--queue", paramLabel = "N", description = "requests that may wait for a free thread; more get 503"
            + " with Retry-After (default: 4 per thread)")
    Integer queue;

    @Option(names = "--connections", paramLabel = "N", description = "connections read and answered at once"
            + " (default: max(32, 8 per thread))")
    Integer connections;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "40000000",
            description = "largest width x height an image header may declare; more gets 413 before decoding"
                    + " (default: ${DEFAULT-VALUE})")
    long maxPixels;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "a request (line, headers, body) must arrive within this of its first byte, a reply be"
                    + " taken within as long, an idle connection is closed after as long (default: ${DEFAULT-VALUE})")
    int timeout;

    @Override
    public Integer call() throws TransferKitException, InterruptedException {
        RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
        PredictionService service;
        try {
            PredictionService.Limits d = PredictionService.Limits.of(threads, maxBytes);
            service = PredictionService.serve(model, options, port, new PredictionService.Limits(threads,
                    queue == null ? d.queue() : queue, connections == null ? d.connections() : connections, maxBytes,
                    maxPixels, timeout));
        } catch (IOException e) {
            throw new TransferKitException("cannot listen on port " + port + ": " + e.getMessage(), e);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stop.countDown();
        }));
        spec.commandLine().getOut().println("serving " + model + " at " + service.baseUri() + "/predict (Ctrl-C stops)");
        spec.commandLine().getOut().flush();
        stop.await();
        return 0;
    }
}
