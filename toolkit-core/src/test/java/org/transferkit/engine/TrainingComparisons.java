package org.transferkit.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What the training-path tests share: one-hot labels over three classes and a relative closeness check vs DL4J. */
final class TrainingComparisons {
    private TrainingComparisons() {
    }

    /** @return {@code n} one-hot rows over 3 classes, row i of class i mod 3 */
    static INDArray labels(int n) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return y;
    }

    /** Asserts every value within {@code tol * (1 + |want|)} of DL4J's, naming the first one that is not. */
    static void assertClose(float[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": lengths");
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(want[i] - got[i]);
            assertTrue(err <= tol * (1 + Math.abs(want[i])), what + "[" + i + "]: DL4J " + want[i] + ", engine " + got[i]);
        }
    }
}
