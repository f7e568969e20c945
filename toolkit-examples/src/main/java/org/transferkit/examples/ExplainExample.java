package org.transferkit.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.transferkit.backbone.Backbone;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.explain.Explainer;
import org.transferkit.explain.Render;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoShapes;

/**
 * Looking inside a classifier: the activation maps of a layer as a grid, and a Grad-CAM heat map of the predicted
 * class over the image, written as PNG files.
 */
public final class ExplainExample {
    /**
     * What the example wrote.
     *
     * @param image the image explained
     * @param layers the layers with activation maps
     * @param mapsPng the activation-map grid of the first layer
     * @param gradCamPng the Grad-CAM overlay
     * @param explained the class Grad-CAM explained
     * @param gradCamLayer where Grad-CAM was computed
     */
    public record Result(Path image, List<String> layers, Path mapsPng, Path gradCamPng, String explained,
            String gradCamLayer) {
    }

    private ExplainExample() {
    }

    /** @param args {@code [MODEL [IMAGE [OUT_DIR]]]} @throws Exception on failure */
    public static void main(String[] args) throws Exception {
        Result r = run(args);
        System.out.printf("%s: %s at %s -> %s; %s%n", r.image(), r.explained(), r.gradCamLayer(), r.gradCamPng(),
                r.mapsPng());
    }

    /**
     * @param args {@code [MODEL [IMAGE [OUT_DIR]]]}: a saved model and an image (default: a demo classifier trained
     *     here on generated shapes, and one of its images), and the output folder (default {@code explain-out})
     * @return what it wrote
     * @throws Exception if the model, image or output cannot be used
     */
    public static Result run(String... args) throws Exception {
        Path model;
        Path image;
        if (args.length >= 2) {
            model = Path.of(args[0]);
            image = Path.of(args[1]);
        } else {
            Path data = DemoShapes.writeDataset(Files.createTempDirectory("explain-shapes"), DemoShapes.Task.TARGET, 30, 3);
            Backbone demo = BackboneCatalog.open("demo", null, 42);
            DatasetSplit split = DatasetSplit.stratified(ImageDataset.fromFolder(data), 0.2, 0, 42);
            model = Files.createTempFile("explain-model", ".zip");
            try (TrainedModel trained = FineTuner.builder(demo).epochs(10).seed(42).build().fit(split)) {
                trained.save(model, Map.of());
            }
            image = data.resolve("star/star_0000.png");
        }
        Path out = args.length > 2 ? Path.of(args[2]) : Path.of("explain-out");
        try (Explainer ex = Explainer.load(model)) {
            List<String> layers = ex.layers().stream().map(Explainer.Layer::name).toList();
            Path maps = out.resolve("maps-" + layers.get(0) + ".png");
            Render.writePng(ex.featureMaps(image, layers.get(0), 32), maps);
            Explainer.HeatMap heat = ex.gradCam(image, null); // null: the predicted class
            Path cam = out.resolve("gradcam-" + heat.label() + ".png");
            Render.writePng(heat.overlay(), cam);
            return new Result(image, layers, maps, cam, heat.label(), heat.layer());
        }
    }
}
