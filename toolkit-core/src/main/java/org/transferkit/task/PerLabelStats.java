package org.transferkit.task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Per-class (or per-label) precision, recall, F1, support and ROC-AUC, and their shared JSON and table forms. */
interface PerLabelStats {
    /** @param c index @return precision */
    double precision(int c);

    /** @param c index @return recall */
    double recall(int c);

    /** @param c index @return F1 */
    double f1(int c);

    /** @param c index @return images that truly have it */
    long support(int c);

    /** @param c index @return ROC-AUC, NaN if undefined */
    double rocAuc(int c);

    /** @return label name to its precision, recall, f1, support and roc_auc (null when undefined) */
    static Map<String, Object> toMap(List<String> labels, PerLabelStats s) {
        Map<String, Object> per = new LinkedHashMap<>();
        for (int c = 0; c < labels.size(); c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("precision", s.precision(c));
            pc.put("recall", s.recall(c));
            pc.put("f1", s.f1(c));
            pc.put("support", s.support(c));
            double auc = s.rocAuc(c);
            pc.put("roc_auc", Double.isNaN(auc) ? null : auc);
            per.put(labels.get(c), pc);
        }
        return per;
    }

    /** Appends the header and one row per label; @return the width of the name column */
    static int appendRows(StringBuilder sb, String heading, List<String> labels, PerLabelStats s) {
        int w = Math.max(8, labels.stream().mapToInt(String::length).max().orElse(8));
        sb.append(String.format(Locale.ROOT, "%-" + w + "s  precision  recall     f1  support  roc_auc%n", heading));
        for (int c = 0; c < labels.size(); c++) {
            double auc = s.rocAuc(c);
            sb.append(String.format(Locale.ROOT, "%-" + w + "s  %9.3f  %6.3f  %5.3f  %7d  %7s%n", labels.get(c),
                    s.precision(c), s.recall(c), s.f1(c), s.support(c),
                    Double.isNaN(auc) ? "-" : String.format(Locale.ROOT, "%.3f", auc)));
        }
        return w;
    }
}
