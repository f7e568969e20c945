package org.transferkit.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import org.transferkit.task.EvaluationReport;
class EvaluationReportTest {
    @Test
    void metricsFromAKnownConfusionMatrix() {
        // true a: 8 right, 2 as b; true b: 1 as a, 9 right
        EvaluationReport r = new EvaluationReport(List.of("a", "b"), new long[][] {{8, 2}, {1, 9}}, List.of());
        assertEquals(17 / 20.0, r.accuracy(), 1e-12);
        assertEquals(8 / 9.0, r.precision(0), 1e-12);
        assertEquals(0.8, r.recall(0), 1e-12);
        assertEquals(2 * (8 / 9.0) * 0.8 / (8 / 9.0 + 0.8), r.f1(0), 1e-12);
        assertEquals(10, r.support(1));
        Map<String, Object> m = r.toMap();
        assertEquals(20L, m.get("images"));
        assertTrue(r.toTable().contains("accuracy 0.8500 on 20 images"), r.toTable());
    }

    @Test
    void classNeverPredictedHasZeroPrecisionNotNaN() {
        EvaluationReport r = new EvaluationReport(List.of("a", "b"), new long[][] {{5, 0}, {5, 0}}, List.of());
        assertEquals(0.0, r.precision(1));
        assertEquals(0.0, r.f1(1));
    }
}
