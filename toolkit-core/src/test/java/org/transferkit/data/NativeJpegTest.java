package org.transferkit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
/** The OpenCV JPEG path and the ImageIO path must agree (within float tolerance), EXIF included. */
class NativeJpegTest {
    private static BufferedImage smooth(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(200, 40, 30), w, h, new Color(20, 90, 220)));
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    private static double meanAbsDiff(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] - b[i]);
        }
        return s / a.length;
    }

    @Test
    void nativeAndImageIoPathsAgreeForEveryResizePolicy() throws Exception {
        assertTrue(NativeJpeg.AVAILABLE, "OpenCV natives load on this platform");
        byte[] jpeg = BadInputTest.encode(smooth(120, 80), "jpg");
        assertArrayEquals(new int[] {120, 80}, NativeJpeg.jpegSize(jpeg));
        InputShape shape = new InputShape(3, 32, 32);
        for (Preprocessing.Resize r : Preprocessing.Resize.values()) {
            Preprocessing pre = Preprocessing.imagenet().withResize(r);
            float[] fast = new float[shape.size()];
            float[] slow = new float[shape.size()];
            ImageDecoder.decodeToChw(jpeg, shape, pre, fast, 0);
            ImageDecoder.toChw(ImageDecoder.read(jpeg), shape, pre, slow, 0);
            double d = meanAbsDiff(fast, slow);
            assertTrue(d < 0.05, r + ": mean |difference| " + d + " (in normalized units, about 0.01 per grey level)");
        }
    }

    @Test
    void nativePathAppliesExifOrientation() throws Exception {
        BufferedImage wide = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 10, 20); // white band on the left; displayed upright it is on top
        g.dispose();
        InputShape shape = new InputShape(1, 8, 8);
        float[] out = new float[shape.size()];
        ImageDecoder.decodeToChw(BadInputTest.exifRotatedJpeg(wide), shape, Preprocessing.minusOneToOne(), out, 0);
        assertTrue(out[3] > 0.8f, "top row is white: " + out[3]);
        assertTrue(out[7 * 8 + 3] < -0.6f, "bottom row is black: " + out[7 * 8 + 3]);
    }
}
