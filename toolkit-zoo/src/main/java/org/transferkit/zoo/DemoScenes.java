package org.transferkit.zoo;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Generated demo data for the multi-label and regression tasks: 2x2 scenes ({@value #SIZE} px) in which each
 * quadrant holds one of the demo target shapes ({@link DemoShapes.Task#TARGET}) or plain background. One set of
 * images serves both tasks: {@code labels.csv} says which shapes appear (multi-label), {@code counts.csv} how many
 * shapes there are (regression, 0..4). Rows are split 60/20/20 into train, val and test. The same seed draws the
 * same files. Stateless.
 */
public final class DemoScenes {
    /** Side of a scene in pixels. */
    public static final int SIZE = 64;
    /** The multi-label CSV written by {@link #write}. */
    public static final String LABELS_CSV = "labels.csv";
    /** The regression CSV written by {@link #write}. */
    public static final String COUNTS_CSV = "counts.csv";

    private DemoScenes() {
    }

    /**
     * Writes {@code n} scenes as PNG files plus {@value #LABELS_CSV} ({@code path,labels,split}) and
     * {@value #COUNTS_CSV} ({@code path,shapes,split}) into {@code dir}.
     *
     * @param dir destination folder; created
     * @param n number of scenes, >= 5
     * @param seed seed of the drawing
     * @return {@code dir}
     * @throws IOException if a file cannot be written
     * @throws IllegalArgumentException if {@code n < 5}
     */
    public static Path write(Path dir, int n, long seed) throws IOException {
        if (n < 5) {
            throw new IllegalArgumentException("need at least 5 scenes for a train/val/test split, got " + n);
        }
        Files.createDirectories(dir);
        Random rnd = new Random(seed);
        List<String> shapes = DemoShapes.Task.TARGET.classes();
        List<String> labelRows = new ArrayList<>(List.of("path,labels,split"));
        List<String> countRows = new ArrayList<>(List.of("path,shapes,split"));
        for (int i = 0; i < n; i++) {
            BufferedImage scene = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scene.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            g.fillRect(0, 0, SIZE, SIZE);
            List<Integer> quadrants = new ArrayList<>(List.of(0, 1, 2, 3));
            Collections.shuffle(quadrants, rnd);
            int count = rnd.nextInt(5);
            List<String> present = new ArrayList<>();
            for (int q = 0; q < count; q++) {
                String shape = shapes.get(rnd.nextInt(shapes.size()));
                int quad = quadrants.get(q);
                g.drawImage(DemoShapes.draw(shape, rnd), (quad % 2) * SIZE / 2, (quad / 2) * SIZE / 2, SIZE / 2,
                        SIZE / 2, null);
                if (!present.contains(shape)) {
                    present.add(shape);
                }
            }
            g.dispose();
            String file = String.format(Locale.ROOT, "scene_%05d.png", i);
            ImageIO.write(scene, "png", dir.resolve(file).toFile());
            String split = i % 5 < 3 ? "train" : i % 5 == 3 ? "val" : "test";
            Collections.sort(present);
            labelRows.add(file + "," + String.join(";", present) + "," + split);
            countRows.add(file + "," + count + "," + split);
        }
        Files.write(dir.resolve(LABELS_CSV), labelRows);
        Files.write(dir.resolve(COUNTS_CSV), countRows);
        return dir;
    }
}
