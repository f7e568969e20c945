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

    @Override
    public Integer call() throws TransferKitException, InterruptedException {
        RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
        PredictionService service;
        try {
            service = PredictionService.serve(model, options, port, threads, maxBytes);
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
