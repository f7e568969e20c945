package org.transferkit.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/** Setting one OpenMP thread for the calling thread in every copy loaded, ND4J's among them. */
class OpenMpCopiesTest {
    @Test
    void oneThreadHereInEveryCopyIncludingNd4jsAndNotElsewhere() throws Exception {
        Nd4j.create(1); // ND4J's natives (and their OpenMP) loaded
        assumeTrue(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "OpenMP copies are found from /proc/self/maps on Linux only");
        OpenMpCopies omp = OpenMpCopies.find();
        assertFalse(omp.paths().isEmpty(), "ND4J's natives bring a libgomp");
        AtomicInteger inside = new AtomicInteger();
        Thread t = new Thread(() -> {
            omp.setThreadsHere(1);
            inside.set(NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        });
        t.start();
        t.join();
        assertEquals(1, inside.get());
        assertThrows(IllegalArgumentException.class, () -> omp.setThreadsHere(0));
    }
}
