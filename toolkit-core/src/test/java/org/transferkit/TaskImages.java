package org.transferkit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/** Writes small multi-label and regression datasets (images plus CSV) for tests. */
public final class TaskImages {
    private TaskImages() {
    }

    /**
     * Images 16x16 whose right half is red or grey and whose left half is blue or grey; labels "red" and "blue"
     * say which are present. Writes {@code dir/labels.csv} ({@code path,labels,split}: 60% train, 20% val, 20% test).
     */
    public static Path multiLabel(Path dir, int n, long seed) throws IOException {
        Random rnd = new Random(seed);
        Files.createDirectories(dir);
        List<String> rows = new ArrayList<>(List.of("path,labels,split"));
        for (int i = 0; i < n; i++) {
            boolean red = rnd.nextBoolean();
            boolean blue = rnd.nextBoolean();
            BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(red ? new Color(170 + rnd.nextInt(80), rnd.nextInt(50), rnd.nextInt(50)) : grey(rnd));
            g.fillRect(8, 0, 8, 16);
            g.setColor(blue ? new Color(rnd.nextInt(50), rnd.nextInt(50), 170 + rnd.nextInt(80)) : grey(rnd));
            g.fillRect(0, 0, 8, 16);
            g.dispose();
            String f = String.format(Locale.ROOT, "img%03d.png", i);
            ImageIO.write(img, "png", dir.resolve(f).toFile());
            String labels = String.join(";", red ? List.of("red") : List.of()) + (red && blue ? ";" : "")
                    + (blue ? "blue" : "");
            rows.add(f + "," + labels + "," + split(i, n));
        }
        return Files.write(dir.resolve("labels.csv"), rows);
    }

    /**
     * Grey images 16x16 whose brightness is a known number; targets "brightness" (0..100, the mean grey level in
     * percent) and "inverse" (100 - brightness). Writes {@code dir/targets.csv} with a split column.
     */
    public static Path regression(Path dir, int n, long seed) throws IOException {
        Random rnd = new Random(seed);
        Files.createDirectories(dir);
        List<String> rows = new ArrayList<>(List.of("path,brightness,inverse,split"));
        for (int i = 0; i < n; i++) {
            int v = 20 + rnd.nextInt(216);
            BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(v, v, v));
            g.fillRect(0, 0, 16, 16);
            g.dispose();
            String f = String.format(Locale.ROOT, "img%03d.png", i);
            ImageIO.write(img, "png", dir.resolve(f).toFile());
            double b = v / 255.0 * 100;
            rows.add(String.format(Locale.ROOT, "%s,%.3f,%.3f,%s", f, b, 100 - b, split(i, n)));
        }
        return Files.write(dir.resolve("targets.csv"), rows);
    }

    private static Color grey(Random rnd) {
        int d = 110 + rnd.nextInt(40);
        return new Color(d, d, d);
    }

    private static String split(int i, int n) {
        return i < n * 0.6 ? "train" : i < n * 0.8 ? "val" : "test";
    }
}
