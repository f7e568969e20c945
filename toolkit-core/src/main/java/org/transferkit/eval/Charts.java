package org.transferkit.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.transferkit.model.EpochStats;

import org.transferkit.task.EvaluationReport;
/** Draws the report's charts as images with Java2D (no browser, no network). Stateless. */
public final class Charts {
    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color VAL = new Color(255, 127, 14);

    private Charts() {
    }

    private static Graphics2D canvas(BufferedImage img) {
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        return g;
    }

    /**
     * A confusion-matrix heat map: rows true class, columns predicted; colour by the share of the row,
     * the count written in each cell.
     *
     * @param report the evaluation
     * @return a new image
     */
    public static BufferedImage confusionHeatMap(EvaluationReport report) {
        List<String> labels = report.labels();
        long[][] m = report.confusion();
        int n = labels.size();
        int cell = Math.max(28, Math.min(64, 480 / n));
        int left = 20 + Math.min(140, 7 * labels.stream().mapToInt(String::length).max().orElse(5));
        int top = 40;
        int bottom = left;
        BufferedImage img = new BufferedImage(left + n * cell + 20, top + n * cell + bottom, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        FontMetrics fm = g.getFontMetrics();
        g.setColor(Color.DARK_GRAY);
        g.drawString("predicted →", left, 20);
        for (int r = 0; r < n; r++) {
            long rowSum = 0;
            for (long v : m[r]) {
                rowSum += v;
            }
            g.setColor(Color.DARK_GRAY);
            String lab = clip(labels.get(r), 20);
            g.drawString(lab, left - 8 - fm.stringWidth(lab), top + r * cell + cell / 2 + 4);
            for (int c = 0; c < n; c++) {
                double share = rowSum == 0 ? 0 : m[r][c] / (double) rowSum;
                int shade = (int) Math.round(255 - 200 * share);
                g.setColor(new Color(shade, shade, 255));
                g.fillRect(left + c * cell, top + r * cell, cell - 1, cell - 1);
                g.setColor(share > 0.5 ? Color.WHITE : Color.BLACK);
                String t = Long.toString(m[r][c]);
                g.drawString(t, left + c * cell + (cell - fm.stringWidth(t)) / 2, top + r * cell + cell / 2 + 4);
            }
        }
        g.setColor(Color.DARK_GRAY);
        for (int c = 0; c < n; c++) {
            Graphics2D rot = (Graphics2D) g.create();
            rot.translate(left + c * cell + cell / 2 + 4, top + n * cell + 8);
            rot.rotate(Math.PI / 2);
            rot.drawString(clip(labels.get(c), 20), 0, 0);
            rot.dispose();
        }
        g.dispose();
        return img;
    }

    /**
     * Training curves: loss (left) and accuracy (right) per epoch, train in blue and validation in orange.
     *
     * @param history per-epoch stats (may be empty: the chart then says so)
     * @return a new image
     */
    public static BufferedImage trainingCurves(List<EpochStats> history) {
        BufferedImage img = new BufferedImage(760, 280, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas(img);
        if (history.isEmpty()) {
            g.setColor(Color.DARK_GRAY);
            g.drawString("no training history recorded", 20, 140);
        } else {
            panel(g, 10, "loss", history, EpochStats::trainLoss, EpochStats::valLoss, false);
            panel(g, 390, history.isEmpty() ? "metric" : history.get(0).metric(), history, EpochStats::trainMetric, EpochStats::valMetric, true);
        }
        g.dispose();
        return img;
    }

    private static void panel(Graphics2D g, int x0, String title, List<EpochStats> h, ToDoubleFunction<EpochStats> train,
            ToDoubleFunction<EpochStats> val, boolean unit) {
        int w = 340;
        int ht = 200;
        int left = x0 + 45;
        int top = 35;
        double max = unit ? 1 : 0;
        double min = unit ? 0 : Double.MAX_VALUE;
        for (EpochStats e : h) {
            for (double v : new double[] {train.applyAsDouble(e), val.applyAsDouble(e)}) {
                if (!Double.isNaN(v) && !unit) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        if (!unit) {
            min = Math.min(0, min);
            max = max <= min ? min + 1 : max;
        }
        g.setColor(Color.BLACK);
        g.drawString(title + " per epoch (blue: train, orange: validation)", x0 + 10, 20);
        g.setColor(Color.LIGHT_GRAY);
        g.drawRect(left, top, w - 50, ht);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.2f", max), x0, top + 5);
        g.drawString(String.format(Locale.ROOT, "%.2f", min), x0, top + ht);
        g.drawString("1", left, top + ht + 15);
        g.drawString(Integer.toString(h.size()), left + w - 60, top + ht + 15);
        line(g, h, train, TRAIN, left, top, w - 50, ht, min, max);
        line(g, h, val, VAL, left, top, w - 50, ht, min, max);
    }

    private static void line(Graphics2D g, List<EpochStats> h, ToDoubleFunction<EpochStats> f, Color color, int left,
            int top, int w, int ht, double min, double max) {
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int px = -1;
        int py = -1;
        for (int i = 0; i < h.size(); i++) {
            double v = f.applyAsDouble(h.get(i));
            if (Double.isNaN(v)) {
                continue;
            }
            int x = left + (h.size() == 1 ? w / 2 : (int) Math.round(i * (w - 1.0) / (h.size() - 1)));
            int y = top + ht - (int) Math.round((v - min) / (max - min) * ht);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            g.fillOval(x - 2, y - 2, 5, 5);
            px = x;
            py = y;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }
}
