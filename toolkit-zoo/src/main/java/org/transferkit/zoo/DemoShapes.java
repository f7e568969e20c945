package org.transferkit.zoo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Procedurally drawn images of shapes on cluttered backgrounds: the project's own demo data, made at
 * run time (nothing downloaded, nothing committed). Two tasks with different classes share the same
 * visual vocabulary (edges, corners, curves), so a backbone pretrained on {@link Task#SOURCE} helps
 * on {@link Task#TARGET}. The same seed draws the same images. Stateless and thread-safe.
 */
public final class DemoShapes {
    /** Side of the square images, in pixels. */
    public static final int SIZE = 32;

    /** The two demo tasks. */
    public enum Task {
        /** What the demo backbone is pretrained on. */
        SOURCE(List.of("bar", "circle", "crescent", "cross", "square", "triangle")),
        /** What the demo fine-tunes on: classes the backbone never saw. */
        TARGET(List.of("arrow", "hexagon", "ring", "star"));

        private final List<String> classes;

        Task(List<String> classes) {
            this.classes = classes;
        }

        /** @return class names, sorted as folder names sort */
        public List<String> classes() {
            return classes;
        }
    }

    private DemoShapes() {
    }

    /**
     * Draws one image.
     *
     * @param shapeName one of the task's class names
     * @param rnd source of randomness (position, size, rotation, colours, clutter); advanced
     * @return a new {@value #SIZE}×{@value #SIZE} RGB image
     * @throws IllegalArgumentException if the shape name is unknown
     */
    public static BufferedImage draw(String shapeName, Random rnd) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            Color bg = new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256));
            g.setColor(bg);
            g.fillRect(0, 0, SIZE, SIZE);
            for (int i = 0, n = 3 + rnd.nextInt(5); i < n; i++) { // clutter: faint blobs and lines
                g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256), 40 + rnd.nextInt(50)));
                int x = rnd.nextInt(SIZE);
                int y = rnd.nextInt(SIZE);
                if (rnd.nextBoolean()) {
                    g.fillOval(x - 8, y - 8, 4 + rnd.nextInt(14), 4 + rnd.nextInt(14));
                } else {
                    g.setStroke(new BasicStroke(1 + rnd.nextInt(2)));
                    g.drawLine(x, y, rnd.nextInt(SIZE), rnd.nextInt(SIZE));
                }
            }
            Color fg = contrasting(bg, rnd);
            double size = SIZE * (0.45 + 0.35 * rnd.nextDouble());
            double cx = SIZE / 2.0 + (rnd.nextDouble() - 0.5) * (SIZE - size) * 0.8;
            double cy = SIZE / 2.0 + (rnd.nextDouble() - 0.5) * (SIZE - size) * 0.8;
            AffineTransform at = new AffineTransform();
            at.translate(cx, cy);
            at.rotate(rnd.nextDouble() * 2 * Math.PI);
            at.scale(size / 2, size / 2);
            g.setColor(fg);
            g.fill(at.createTransformedShape(unitShape(shapeName, rnd)));
        } finally {
            g.dispose();
        }
        return img;
    }

    private static Color contrasting(Color bg, Random rnd) {
        double lb = luminance(bg);
        while (true) {
            Color c = new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256));
            if (Math.abs(luminance(c) - lb) > 70) {
                return c;
            }
        }
    }

    private static double luminance(Color c) {
        return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    }

    /** A shape inside the unit square [-1, 1]². */
    private static Shape unitShape(String name, Random rnd) {
        switch (name) {
            case "circle":
                return new Ellipse2D.Double(-1, -1, 2, 2);
            case "square":
                return new Rectangle2D.Double(-0.8, -0.8, 1.6, 1.6);
            case "triangle":
                return polygon(3, 1.0, 0);
            case "hexagon":
                return polygon(6, 1.0, 0);
            case "bar":
                return new Rectangle2D.Double(-1, -0.22, 2, 0.44);
            case "cross": {
                Area a = new Area(new Rectangle2D.Double(-1, -0.25, 2, 0.5));
                a.add(new Area(new Rectangle2D.Double(-0.25, -1, 0.5, 2)));
                return a;
            }
            case "crescent": {
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-0.55, -1.05, 2, 2)));
                return a;
            }
            case "ring": {
                double inner = 0.45 + 0.2 * rnd.nextDouble();
                Area a = new Area(new Ellipse2D.Double(-1, -1, 2, 2));
                a.subtract(new Area(new Ellipse2D.Double(-inner, -inner, 2 * inner, 2 * inner)));
                return a;
            }
            case "star":
                return star(5, 1.0, 0.42);
            case "arrow": {
                Path2D p = new Path2D.Double();
                p.moveTo(-1, -0.22);
                p.lineTo(0.2, -0.22);
                p.lineTo(0.2, -0.6);
                p.lineTo(1, 0);
                p.lineTo(0.2, 0.6);
                p.lineTo(0.2, 0.22);
                p.lineTo(-1, 0.22);
                p.closePath();
                return p;
            }
            default:
                throw new IllegalArgumentException("unknown demo shape '" + name + "'; valid: "
                        + Task.SOURCE.classes() + " and " + Task.TARGET.classes());
        }
    }

    private static Shape polygon(int n, double r, double phase) {
        return radial(n, r, r, phase);
    }

    private static Shape star(int points, double outer, double inner) {
        return radial(2 * points, outer, inner, 0);
    }

    /** A closed path through {@code n} points at alternating radii {@code r0}, {@code r1}, starting at the top. */
    private static Shape radial(int n, double r0, double r1, double phase) {
        Path2D p = new Path2D.Double();
        for (int i = 0; i < n; i++) {
            double r = i % 2 == 0 ? r0 : r1;
            double a = phase + 2 * Math.PI * i / n - Math.PI / 2;
            if (i == 0) {
                p.moveTo(r * Math.cos(a), r * Math.sin(a));
            } else {
                p.lineTo(r * Math.cos(a), r * Math.sin(a));
            }
        }
        p.closePath();
        return p;
    }

    /**
     * Writes a folder-per-class dataset of PNG files: {@code dir/<class>/<class>_NNNN.png}. Files that
     * exist already are overwritten with the same content (same seed, same images).
     *
     * @param dir destination folder; created
     * @param task which classes
     * @param perClass images per class, >= 1
     * @param seed seed of the drawing
     * @return {@code dir}
     * @throws IOException if a file cannot be written
     * @throws IllegalArgumentException if {@code perClass < 1}
     */
    public static Path writeDataset(Path dir, Task task, int perClass, long seed) throws IOException {
        if (perClass < 1) {
            throw new IllegalArgumentException("images per class must be >= 1, got " + perClass);
        }
        for (int c = 0; c < task.classes().size(); c++) {
            String name = task.classes().get(c);
            Path classDir = Files.createDirectories(dir.resolve(name));
            Random rnd = new Random(seed * 1_000_003L + c);
            for (int i = 0; i < perClass; i++) {
                ImageIO.write(draw(name, rnd), "png",
                        classDir.resolve(String.format(Locale.ROOT, "%s_%04d.png", name, i)).toFile());
            }
        }
        return dir;
    }
}
