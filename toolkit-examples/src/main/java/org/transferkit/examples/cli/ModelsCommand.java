package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoPretrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit models}: the backbone catalogue. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List and inspect backbones.",
        subcommands = {ModelsCommand.ListCommand.class, ModelsCommand.InfoCommand.class,
            ModelsCommand.PretrainDemoCommand.class})
public final class ModelsCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code models list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the backbones.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() throws TransferKitException {
            PrintWriter out = spec.commandLine().getOut();
            out.printf(Locale.ROOT, "%-21s %-10s %-8s %-11s %-7s %s%n", "name", "input", "features", "pretrained",
                    "local", "description");
            for (BackboneCatalog.Entry e : BackboneCatalog.entries()) {
                boolean local = BackboneCatalog.weightsLocal(e.name());
                Backbone b = local ? BackboneCatalog.open(e.name(), null, 0)
                        : BackboneCatalog.open(e.name() + "-untrained", null, 0);
                out.printf(Locale.ROOT, "%-21s %-10s %-8s %-11s %-7s %s%n", e.name(), b.inputShape(),
                        b.defaultCutPoint().channels(), e.pretrained() ? "yes" : "no",
                        !e.pretrained() ? "-" : local ? "yes" : "no", e.description());
            }
            return 0;
        }
    }

    /** {@code models info NAME}. */
    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a backbone's input, preprocessing and cut points.")
    static final class InfoCommand implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "a name from 'models list'")
        String name;

        @Override
        public Integer call() throws TransferKitException {
            PrintWriter out = spec.commandLine().getOut();
            Backbone b = BackboneCatalog.weightsLocal(name) ? BackboneCatalog.open(name, null, 0)
                    : BackboneCatalog.open(name + "-untrained", null, 0);
            out.println("backbone      " + name);
            out.println("input         " + b.inputShape());
            out.println("preprocessing " + b.preprocessing());
            out.println("weights       " + b.weightsId());
            out.println("cut points (default marked *):");
            for (CutPoint c : b.cutPoints()) {
                out.printf(Locale.ROOT, " %s %-10s %-10s %s%n", c.equals(b.defaultCutPoint()) ? "*" : " ", c.name(),
                        c.shapeText(), c.description());
            }
            return 0;
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
