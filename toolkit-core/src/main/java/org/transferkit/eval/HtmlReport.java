package org.transferkit.eval;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.transferkit.TransferKitException;
import org.transferkit.data.ImageDecoder;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.model.EpochStats;

import org.transferkit.task.EvaluationReport;
import org.transferkit.task.TaskReport;
import org.transferkit.task.ExamplePrediction;
/**
 * Writes an evaluation as one self-contained HTML file that opens offline: metrics table, confusion
 * heat map, training curves and a gallery of the most confidently wrong images, every picture an
 * embedded PNG (no external files, scripts or fonts). Stateless.
 */
public final class HtmlReport {
    /** Thumbnails in the gallery. */
    public static final int GALLERY_SIZE = 12;

    private HtmlReport() {
    }

    /**
     * @param file where to write (parent folders are created; an existing file is replaced)
     * @param title the page title, e.g. the classifier's file name
     * @param report the evaluation
     * @param history per-epoch training stats (may be empty)
     * @throws TransferKitException if the file cannot be written
     */
    public static void write(Path file, String title, EvaluationReport report, List<EpochStats> history)
            throws TransferKitException {
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Files.writeString(abs, render(title, report, history), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TransferKitException("cannot write report " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes the report of a model of any task: a single-label report gets the full page (see
     * {@link #write(Path, String, EvaluationReport, List)}); other tasks get their metrics table and the training
     * curves.
     *
     * @param file where to write (parent folders are created; an existing file is replaced)
     * @param title the page title
     * @param report the evaluation
     * @param history per-epoch training stats (may be empty)
     * @throws TransferKitException if the file cannot be written
     */
    public static void write(Path file, String title, TaskReport report, List<EpochStats> history)
            throws TransferKitException {
        if (report instanceof EvaluationReport single) { // the only report with a confusion matrix and a gallery
            write(file, title, single, history);
            return;
        }
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            StringBuilder h = new StringBuilder(4096);
            h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                    .append("</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}</style></head><body>\n")
                    .append("<h1>").append(esc(title)).append("</h1>\n")
                    .append(String.format(Locale.ROOT, "<p><b>%s %.4f</b> on %d images (%s); %d file(s) skipped.</p>%n",
                            esc(report.task().metricName()), report.headline(), report.total(), esc(report.task().id()),
                            report.skipped().size()))
                    .append("<h2>Metrics</h2>\n<pre>").append(esc(report.toTable())).append("</pre>\n")
                    .append("<h2>Training curves</h2>\n").append(img(Charts.trainingCurves(history), "training curves"))
                    .append("\n</body></html>\n");
            Files.writeString(abs, h, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TransferKitException("cannot write report " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link #write(Path, String, TaskReport, List)} with a section on the head search: each candidate's
     * cross-validated score (on the training images) and the one chosen.
     *
     * @param file where to write
     * @param title the page title
     * @param report the evaluation
     * @param history per-epoch training stats
     * @param search the search's record ({@code HeadSearch.Result.toMap()}), or null for none
     * @throws TransferKitException if the file cannot be written
     */
    public static void write(Path file, String title, TaskReport report, List<EpochStats> history,
            java.util.Map<String, Object> search) throws TransferKitException {
        write(file, title, report, history);
        if (search == null) {
            return;
        }
        Path abs = file.toAbsolutePath();
        try {
            String html = Files.readString(abs, StandardCharsets.UTF_8);
            int at = html.lastIndexOf("</body>");
            Files.writeString(abs, html.substring(0, at) + searchSection(search) + html.substring(at),
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TransferKitException("cannot write report " + abs + ": " + e.getMessage(), e);
        }
    }

    static String searchSection(java.util.Map<String, Object> s) {
        StringBuilder h = new StringBuilder("<h2>Head search</h2>\n<p>").append(esc(String.valueOf(s.get("why"))))
                .append(" (mode ").append(esc(String.valueOf(s.get("mode")))).append(", ")
                .append(esc(String.valueOf(s.get("on")))).append(")</p>\n");
        List<?> cands = (List<?>) s.get("candidates");
        if (cands == null || cands.isEmpty()) {
            return h.toString();
        }
        Object chosen = s.get("chosen");
        Object chosenName = chosen instanceof java.util.Map<?, ?> c ? c.get("name") : null;
        h.append("<table><tr><th>candidate</th><th>cv ").append(esc(String.valueOf(s.get("metric"))))
                .append("</th><th>epochs</th><th>chosen</th></tr>\n");
        for (Object o : cands) {
            java.util.Map<?, ?> c = (java.util.Map<?, ?>) o;
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.4f</td><td>%s</td><td>%s</td></tr>%n",
                    esc(String.valueOf(c.get("name"))), ((Number) c.get("cv_score")).doubleValue(), c.get("epochs"),
                    c.get("name").equals(chosenName) ? "&#10003;" : ""));
        }
        return h.append("</table>\n").toString();
    }

    static String render(String title, EvaluationReport r, List<EpochStats> history) throws IOException {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(esc(title)).append("</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}"
                + "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}"
                + "th:first-child,td:first-child{text-align:left}.g{display:flex;flex-wrap:wrap;gap:12px}"
                + ".g figure{margin:0;width:140px;font-size:12px}.g img{width:128px;height:128px;object-fit:contain;"
                + "background:#eee;image-rendering:pixelated}.bad{color:#b00}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append(String.format(Locale.ROOT, "<p><b>Accuracy %.4f</b> on %d images; macro F1 %.4f", r.accuracy(), r.total(),
                r.macroF1()));
        if (!r.examples().isEmpty() && r.labels().size() > 2) {
            h.append(String.format(Locale.ROOT, "; top-2 accuracy %.4f", r.topKAccuracy(2)));
        }
        h.append(String.format(Locale.ROOT, "; %d file(s) skipped.</p>%n", r.skipped().size()));
        h.append("<h2>Per class</h2>\n<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th>"
                + "<th>support</th><th>ROC-AUC</th></tr>\n");
        for (int c = 0; c < r.labels().size(); c++) {
            double auc = r.rocAuc(c);
            h.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%d</td>"
                    + "<td>%s</td></tr>%n", esc(r.labels().get(c)), r.precision(c), r.recall(c), r.f1(c), r.support(c),
                    Double.isNaN(auc) ? "–" : String.format(Locale.ROOT, "%.3f", auc)));
        }
        h.append("</table>\n<h2>Confusion matrix</h2>\n").append(img(Charts.confusionHeatMap(r), "confusion matrix"));
        h.append("\n<h2>Training curves</h2>\n").append(img(Charts.trainingCurves(history), "training curves"));
        h.append("\n<h2>Most confidently wrong</h2>\n");
        List<ExamplePrediction> worst = r.worstMisclassified(GALLERY_SIZE);
        if (worst.isEmpty()) {
            h.append("<p>No misclassified images").append(r.examples().isEmpty() ? " recorded" : "").append(".</p>\n");
        } else {
            h.append("<div class=\"g\">\n");
            for (ExamplePrediction e : worst) {
                h.append("<figure>").append(thumbnail(e.path())).append("<figcaption>")
                        .append(esc(e.path().getFileName().toString())).append("<br>true: ")
                        .append(esc(r.labels().get(e.trueLabel()))).append("<br><span class=\"bad\">predicted: ")
                        .append(esc(r.labels().get(e.predicted()))).append(String.format(Locale.ROOT, " (%.3f)",
                                e.probabilities()[e.predicted()])).append("</span></figcaption></figure>\n");
            }
            h.append("</div>\n");
        }
        if (!r.skipped().isEmpty()) {
            h.append("<h2>Skipped files</h2>\n<ul>\n");
            for (SkippedFile s : r.skipped()) {
                h.append("<li>").append(esc(s.path().toString())).append(": ").append(esc(s.reason())).append("</li>\n");
            }
            h.append("</ul>\n");
        }
        return h.append("</body></html>\n").toString();
    }

    private static String thumbnail(Path file) throws IOException {
        try {
            BufferedImage src = ImageDecoder.read(file);
            double s = 128.0 / Math.max(src.getWidth(), src.getHeight());
            InputShape shape = new InputShape(3, Math.max(1, (int) Math.round(src.getHeight() * s)),
                    Math.max(1, (int) Math.round(src.getWidth() * s)));
            return img(ImageDecoder.resize(src, shape, Preprocessing.Resize.SQUASH), file.getFileName().toString());
        } catch (IOException e) {
            return "<div>(image unreadable: " + esc(e.getMessage()) + ")</div>";
        }
    }

    private static String img(BufferedImage image, String alt) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bos);
        return "<img alt=\"" + esc(alt) + "\" src=\"data:image/png;base64,"
                + Base64.getEncoder().encodeToString(bos.toByteArray()) + "\">";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
