package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.explain.Explainer;
import org.transferkit.explain.Render;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code transferkit explain}: feature-map grids and Grad-CAM heat maps of a saved model for images. */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what a saved model looks at: a Grad-CAM heat map of a class over each image and, with "
            + "--layer, a grid of that layer's activation maps. PNG files are written to --out.",
            "--list-layers prints the layers that have activation maps."})
public final class ExplainCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "a model saved by 'train'")
    Path model;

    @Option(names = "--layer", paramLabel = "NAME", description = "also draw this layer's activation maps "
            + "(see --list-layers)")
    String layer;

    @Option(names = "--maps", paramLabel = "N", defaultValue = "64", description = "activation maps per grid at most "
            + "(default: ${DEFAULT-VALUE})")
    int maps;

    @Option(names = "--class", paramLabel = "LABEL", description = "the class (or label, or target) to explain "
            + "(default: the model's top output for each image)")
    String label;

    @Option(names = "--no-gradcam", description = "draw only the activation maps")
    boolean noGradCam;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "transferkit-out/explain",
            description = "folder for the PNG files (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--list-layers", description = "print the layers with activation maps and exit")
    boolean listLayers;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "image files")
    List<Path> images = new ArrayList<>();

    /** The files the last run wrote, for callers and tests. */
    List<Path> written = new ArrayList<>();

    @Override
    public Integer call() throws TransferKitException {
        Environment.announce(spec.commandLine().getErr());
        PrintWriter o = spec.commandLine().getOut();
        try (Explainer ex = Explainer.load(model)) {
            if (listLayers) {
                ex.layers().forEach(l -> o.println(l + (l.name().equals(ex.gradCamLayer()) ? "  (Grad-CAM)" : "")));
                return 0;
            }
            if (images.isEmpty()) {
                throw new IllegalArgumentException("give at least one IMAGE (or --list-layers)");
            }
            if (noGradCam && layer == null) {
                throw new IllegalArgumentException("--no-gradcam leaves nothing to draw; add --layer NAME");
            }
            for (Path img : images) {
                String stem = stem(img);
                if (layer != null) {
                    Path f = out.resolve(stem + "-" + safe(layer) + "-maps.png");
                    Render.writePng(ex.featureMaps(img, layer, maps), f);
                    written.add(f);
                    o.println(img + ": activation maps of " + layer + " -> " + f);
                }
                if (!noGradCam) {
                    Explainer.HeatMap h = ex.gradCam(img, label);
                    Path f = out.resolve(stem + "-gradcam-" + safe(h.label()) + ".png");
                    Render.writePng(h.overlay(), f);
                    written.add(f);
                    o.printf(Locale.ROOT, "%s: Grad-CAM of '%s' (output %.4f) at %s -> %s%n", img, h.label(), h.output(),
                            h.layer(), f);
                }
            }
        }
        return 0;
    }

    private static String stem(Path img) {
        String n = img.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return safe(dot > 0 ? n.substring(0, dot) : n);
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
