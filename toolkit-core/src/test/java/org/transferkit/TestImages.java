package org.transferkit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Makes small labelled image folders for tests: class "red" is reddish, class "blue" bluish. */
public final class TestImages {
    private TestImages() {
    }

    /** @return an image of {@code size}x{@code size} dominated by the class colour, with a random square */
    public static BufferedImage image(String cls, int size, Random rnd) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        int noise = rnd.nextInt(60);
        Color base = switch (cls) {
            case "red" -> new Color(180 + rnd.nextInt(70), noise, noise);
            case "blue" -> new Color(noise, noise, 180 + rnd.nextInt(70));
            default -> new Color(noise, 180 + rnd.nextInt(70), noise);
        };
        g.setColor(base);
        g.fillRect(0, 0, size, size);
        g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
        int s = 2 + rnd.nextInt(size / 3);
        g.fillRect(rnd.nextInt(size - s), rnd.nextInt(size - s), s, s);
        g.dispose();
        return img;
    }

    /** Writes {@code perClass} PNGs per class into {@code dir/<class>/}. */
    public static Path folder(Path dir, int perClass, long seed, String... classes) throws IOException {
        Random rnd = new Random(seed);
        for (String c : classes) {
            Path cd = Files.createDirectories(dir.resolve(c));
            for (int i = 0; i < perClass; i++) {
                ImageIO.write(image(c, 24, rnd), "png", cd.resolve(c + "_" + i + ".png").toFile());
            }
        }
        return dir;
    }
}
