package org.transferkit.examples.cli;

import org.transferkit.bundle.BundleManifest;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.task.Task;
import org.transferkit.explain.ModelSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.backbone.BackboneInfo;
import org.transferkit.backbone.Backbones;
import org.transferkit.Checksums;
import org.transferkit.WeightsException;
import org.transferkit.zoo.CustomBackbone;
import org.transferkit.zoo.SqueezeNetBackbone;
import org.transferkit.zoo.ZooArchitecture;
import org.transferkit.zoo.ZooBackbone;
import org.transferkit.zoo.WeightsDownloader;
import org.transferkit.zoo.DemoPretrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import org.transferkit.runtime.RuntimeOptions;

/** {@code transferkit models}: the backbones of the {@link Backbones#installed() registry}. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List and inspect backbones.",
        subcommands = {ModelsCommand.ListCommand.class, ModelsCommand.InfoCommand.class,
            ModelsCommand.FetchCommand.class, ModelsCommand.VerifyCommand.class, ModelsCommand.PretrainDemoCommand.class})
public final class ModelsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A backbone whose shapes can be shown: with its weights if they are here, else its random-weight twin. */
    static Backbone describable(String name, RuntimeOptions options) throws TransferKitException {
        if (name.equals(CustomBackbone.ID)) {
            throw new IllegalArgumentException("a custom backbone is described by its file: "
                    + "transferkit models info --weights FILE.zip custom");
        }
        Backbones registry = Backbones.installed();
        if (registry.weightsLocal(name, options)) {
            return BackboneCatalog.open(name, null, 0, options);
        }
        if (name.equals(ZooArchitecture.NASNET.id())) {
            throw new WeightsException("nasnet's shapes come from its pretrained zip, which is not here (DL4J M2.1 cannot "
                    + "build NASNet with random weights); run: transferkit models fetch nasnet");
        }
        return BackboneCatalog.open(name + "-untrained", null, 0, options);
    }

    /** {@code models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the backbones.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() throws TransferKitException {
            RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%-21s %-10s %-8s %-11s %-7s %s%n", "name", "input", "features", "pretrained",
                    "local", "description");
            Backbones registry = Backbones.installed();
            for (BackboneInfo e : registry.list()) {
                boolean local = registry.weightsLocal(e.name(), options);
                String input = e.input() == null ? "-" : e.input().toString();
                String features = "-";
                try {
                    Backbone b = describable(e.name(), options);
                    input = b.inputShape().toString();
                    features = String.valueOf(b.defaultCutPoint().channels());
                } catch (TransferKitException | IllegalArgumentException notHere) {
                    // custom, or NASNet without its zip: nothing to measure
                }
                out.printf(Locale.ROOT, "%-21s %-10s %-8s %-11s %-7s %s%n", e.name(), input, features,
                        e.pretrained() ? "yes" : "no", !e.pretrained() ? "-" : local ? "yes" : "no", e.description());
            }
            return 0;
        }
    }

    /** {@code models info NAME}. */
    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a backbone's input, preprocessing, cut "
            + "points, blocks and layers (output shapes, parameters), or a saved model's task, labels and layers.")
    static final class InfoCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "a name from 'models list', or a model file saved by 'train'")
        String name;

        @Option(names = "--no-summary", description = "leave out the layer-by-layer summary")
        boolean noSummary;

        @Option(names = "--weights", paramLabel = "FILE", description = "describe the backbone with these weights "
                + "(required for 'custom': a DL4J model zip)")
        Path weights;

        @Override
        public Integer call() throws TransferKitException {
            RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
            PrintWriter out = spec.commandLine().getOut();
            Path asFile = Path.of(name);
            if (name.endsWith(".zip") && java.nio.file.Files.isRegularFile(asFile) && weights == null) {
                try (ClassifierBundle bundle = ClassifierBundle.load(asFile, options)) {
                    BundleManifest m = bundle.manifest();
                    out.println("model         " + asFile.toAbsolutePath());
                    out.println("task          " + m.taskType().id() + (m.taskType() == Task.MULTI_LABEL
                            ? String.format(Locale.ROOT, " (threshold %.2f)", m.decisionThreshold()) : ""));
                    out.println("labels        " + m.labels());
                    out.println("backbone      " + m.backbone() + " cut at " + m.cutPoint() + ", weights " + m.weights());
                    out.println("input         " + m.inputShape() + ", " + m.preprocessing().toPreprocessing());
                    out.println("layers:");
                    out.print(ModelSummary.of(bundle.graph(), m.inputShape()).toTable());
                    out.flush();
                }
                return 0;
            }
            Backbone b = weights != null ? BackboneCatalog.open(name, weights, 0, options) : describable(name, options);
            out.println("backbone      " + name);
            out.println("input         " + b.inputShape());
            out.println("preprocessing " + b.preprocessing());
            out.println("weights       " + b.weightsId());
            out.println("cut points (default marked *):");
            for (CutPoint c : b.cutPoints()) {
                out.printf(Locale.ROOT, " %s %-12s %-12s %s%n", c.equals(b.defaultCutPoint()) ? "*" : " ", c.name(),
                        c.shapeText(), c.description());
            }
            if (!b.blocks().isEmpty()) {
                out.println("blocks, input to output (train --unfreeze N trains the last N below the cut):");
                for (CutPoint c : b.blocks()) {
                    out.printf(Locale.ROOT, "   %-12s %-12s %s%n", c.name(), c.shapeText(), c.description());
                }
            }
            if (!noSummary) {
                out.println("layers:");
                out.print(ModelSummary.of(b.configuration(), b.inputShape()).toTable());
            }
            out.flush();
            return 0;
        }
    }

    /** {@code models fetch NAME}: download a backbone's weights into the weights cache. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download a backbone's weights into the weights cache (resumable, checksum-verified).")
    static final class FetchCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "a backbone with downloadable weights: squeezenet, vgg16, vgg19, "
                + "resnet50, darknet19, xception, nasnet")
        String name;

        @Option(names = "--url", paramLabel = "URL", description = "fetch from this exact URL instead of the default")
        String url;

        @Option(names = "--base-url", paramLabel = "URL", description = "a mirror folder holding DL4J's zoo file names "
                + "(default: $" + Environment.ZOO_BASE_URL_ENV + ", -D" + Environment.ZOO_BASE_URL_PROPERTY
                + ", else DL4J's host)")
        String baseUrl;

        @Option(names = "--dir", paramLabel = "DIR", description = "target folder (default: the weights cache)")
        Path dir;

        @Override
        public Integer call() throws TransferKitException {
            ZooArchitecture zoo = BackboneCatalog.zoo(name);
            boolean squeeze = name.equals(SqueezeNetBackbone.ID);
            if (!squeeze && (zoo == null || !zoo.pretrained() || !zoo.id().equals(name))) {
                throw new IllegalArgumentException("no downloadable weights for '" + name + "'; valid: squeezenet, "
                        + java.util.Arrays.stream(ZooArchitecture.values()).filter(ZooArchitecture::pretrained)
                                .map(ZooArchitecture::id).collect(java.util.stream.Collectors.joining(", ")));
            }
            RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
            Path target = dir != null ? dir : options.weightsDir();
            java.net.URI uri;
            try {
                uri = url != null ? java.net.URI.create(url)
                        : squeeze ? java.net.URI.create(SqueezeNetBackbone.KERAS_URL) : baseUrl != null ? zoo.weights().downloadUri(baseUrl)
                        : zoo.weights().downloadUri(options);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--url/--base-url is not a valid http(s) URL: "
                        + (url != null ? url : baseUrl), e);
            }
            WeightsDownloader.Spec what = squeeze
                    ? new WeightsDownloader.Spec(uri, SqueezeNetBackbone.KERAS_FILE, SqueezeNetBackbone.KERAS_SHA256, null)
                    : new WeightsDownloader.Spec(uri, zoo.weights().fileName(), null, zoo.weights().adler32());
            PrintWriter err = spec.commandLine().getErr();
            Path f = WeightsDownloader.defaults().fetch(what, target, new ProgressBar(err));
            err.println();
            spec.commandLine().getOut().println("weights for " + name + " verified at " + f.toAbsolutePath());
            return 0;
        }
    }

    /** {@code models verify NAME|FILE}: check weights on disk. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check a backbone's local weights (checksum, and that they load into the architecture), or print "
                + "a file's size and SHA-256.")
    static final class VerifyCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME|FILE", description = "a backbone name or a weights file")
        String what;

        @Override
        public Integer call() throws TransferKitException {
            RuntimeOptions options = Environment.announce(spec.commandLine().getErr());
            PrintWriter out = spec.commandLine().getOut();
            Backbones registry = Backbones.installed();
            boolean isName = registry.contains(what);
            if (!isName) {
                Path f = Path.of(what);
                if (!java.nio.file.Files.isRegularFile(f)) {
                    throw new IllegalArgumentException("'" + what + "' is neither a backbone name ("
                            + registry.names() + ") nor a file");
                }
                try {
                    out.println(f.toAbsolutePath() + ": " + java.nio.file.Files.size(f) + " bytes, sha256 "
                            + Checksums.sha256(f));
                } catch (java.io.IOException e) {
                    throw new TransferKitException("cannot read " + f.toAbsolutePath() + ": " + e.getMessage(), e);
                }
                return 0;
            }
            Backbone b = BackboneCatalog.open(what, null, 0, options);
            if (b instanceof SqueezeNetBackbone && !b.weightsId().equals(SqueezeNetBackbone.KERAS_SHA256)) {
                throw new TransferKitException("weights for " + what + " have sha256 " + b.weightsId() + ", expected "
                        + SqueezeNetBackbone.KERAS_SHA256);
            }
            if (b instanceof ZooBackbone z && z.weightsFile() != null) {
                long want = z.architecture().weights().adler32();
                long have = WeightsDownloader.adler32(z.weightsFile());
                if (have != want) {
                    throw new TransferKitException("weights for " + what + " at " + z.weightsFile().toAbsolutePath()
                            + " have Adler32 " + have + ", expected " + want + " (DL4J's published checksum)");
                }
            }
            b.loadGraph().close(); // throws if a layer is missing, unexpected or misshapen
            out.println(what + ": weights " + b.weightsId() + " load into the architecture: ok");
            return 0;
        }
    }

    /** A one-line progress bar on stderr. */
    static final class ProgressBar implements WeightsDownloader.Progress {
        private final PrintWriter err;
        private long lastPrinted = -1;

        ProgressBar(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void update(long bytes, long total) {
            long step = bytes >> 18; // print every 256 KiB
            if (step == lastPrinted && bytes != total) {
                return;
            }
            lastPrinted = step;
            if (total > 0) {
                int width = 30;
                int filled = (int) (width * bytes / total);
                err.printf(Locale.ROOT, "\r[%s%s] %5.1f%% %,d / %,d bytes", "#".repeat(filled), " ".repeat(width - filled),
                        100.0 * bytes / total, bytes, total);
            } else {
                err.printf(Locale.ROOT, "\r%,d bytes", bytes);
            }
            err.flush();
        }
    }

    /** {@code models pretrain-demo}: the recipe of models/demo-backbone.zip. */
    @Command(name = "pretrain-demo", mixinStandardHelpOptions = true,
            description = "Regenerate the demo backbone: pretrain it on generated shapes (the source task).")
    static final class PretrainDemoCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--out", paramLabel = "FILE", defaultValue = "models/demo-backbone.zip",
                description = "where to write it (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--per-class", paramLabel = "N", defaultValue = "" + DemoPretrainer.PER_CLASS,
                description = "images per class (default: ${DEFAULT-VALUE})")
        int perClass;

        @Option(names = "--epochs", paramLabel = "N", defaultValue = "" + DemoPretrainer.EPOCHS,
                description = "epochs (default: ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "" + DemoPretrainer.SEED,
                description = "seed (default: ${DEFAULT-VALUE})")
        long seed;

        @Override
        public Integer call() throws TransferKitException {
            PrintWriter out = spec.commandLine().getOut();
            DemoPretrainer.Result r = DemoPretrainer.run(this.out, perClass, epochs, seed, line -> {
                out.println(line);
                out.flush();
            });
            out.printf(Locale.ROOT, "wrote %s (sha256 %s), held-out source-task accuracy %.4f, %.0f s%n", r.file(),
                    r.sha256(), r.heldOutAccuracy(), r.seconds());
            return 0;
        }
    }
}
