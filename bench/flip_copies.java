import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Writes two lossless PNG copies of every readable image under SRC, keeping the folder tree: unflipped under
 * PLAIN and mirrored left-right under FLIPPED (file name + ".png"). Used by bench/head_ceiling.sh only.
 * usage: java bench/flip_copies.java SRC PLAIN FLIPPED
 */
public class flip_copies {
    public static void main(String[] a) throws Exception {
        Path src = Path.of(a[0]);
        List<Path> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path p : files) {
            BufferedImage im = ImageIO.read(p.toFile());
            if (im == null) {
                System.out.println("not an image, skipped: " + p);
                continue;
            }
            int w = im.getWidth();
            int h = im.getHeight();
            BufferedImage plain = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            BufferedImage flipped = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = im.getRGB(x, y);
                    plain.setRGB(x, y, rgb);
                    flipped.setRGB(w - 1 - x, y, rgb);
                }
            }
            write(plain, Path.of(a[1]).resolve(src.relativize(p) + ".png"));
            write(flipped, Path.of(a[2]).resolve(src.relativize(p) + ".png"));
        }
    }

    private static void write(BufferedImage im, Path out) throws Exception {
        Files.createDirectories(out.getParent());
        ImageIO.write(im, "png", out.toFile());
    }
}
