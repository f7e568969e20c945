package org.transferkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's BLAS thread count (one of the counts held) is shared by trainers on several threads: the last one closed
 * restores it.
 */
class OpThreadsTest {

    @Test
    void overlappingHoldersOnTwoThreadsRestoreTheCountOnlyWhenTheLastCloses() throws Exception {
        int before = Nd4j.factory().blas().getMaxThreads();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            OpThreads first = OpThreads.one();
            assertEquals(1, Nd4j.factory().blas().getMaxThreads());
            Future<OpThreads> second = other.submit(OpThreads::one);
            OpThreads secondHolder = second.get();
            assertEquals(2, OpThreads.holders());
            first.close();
            first.close();
            assertEquals(1, Nd4j.factory().blas().getMaxThreads(), "the other thread still trains a small head");
            assertEquals(1, OpThreads.holders());
            other.submit(secondHolder::close).get();
            assertEquals(0, OpThreads.holders());
            assertEquals(before, Nd4j.factory().blas().getMaxThreads());
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void bigHeadsKeepTheProcessCount() {
        int before = Nd4j.factory().blas().getMaxThreads();
        try (OpThreads none = OpThreads.forHead(OpThreads.SMALL_HEAD_PARAMS)) {
            assertEquals(null, none);
            assertEquals(before, Nd4j.factory().blas().getMaxThreads());
        }
    }
}
