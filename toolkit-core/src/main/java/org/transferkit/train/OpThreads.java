package org.transferkit.train;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * ND4J's op and BLAS thread counts held at one while a small head trains on cached features, restored on
 * {@link #close()}. A head's ops (a 32 x 512 by 512 x 2 product, a softmax over two columns) are so small that splitting
 * each over threads costs more in start-up and waiting than it saves, much more when the other core is busy
 * (docs/benchmarks.md, "Head search ... faster"); the head search uses the cores by training folds at once instead.
 * The counts are ND4J's process-wide settings: other ND4J work in the same JVM during that time also runs on one
 * thread per op. Trainers on several threads share them: the first open instance saves them and sets one, the last
 * one closed restores them, so concurrent trainings never leave the process at one thread. OpenMP's own count is per thread: it is set for the calling thread here, and by
 * {@link #onThisThread()} for threads of the caller's own (the search's fold threads).
 * Not for big heads (see {@link #SMALL_HEAD_PARAMS}).
 */
final class OpThreads implements AutoCloseable {
    /** Heads with fewer parameters than this train with one thread per op. */
    static final long SMALL_HEAD_PARAMS = 2_000_000;

    /** Guards {@link #holders} and the saved counts: trainers on several threads share one process-wide setting. */
    private static final Object LOCK = new Object();
    /** Open instances in the process; the first saves ND4J's counts and sets one, the last restores them. */
    private static int holders;
    private static int savedOps;
    private static int savedMaster;
    private static int savedBlas;

    private final int omp;
    private boolean closed;

    private OpThreads() {
        synchronized (LOCK) {
            if (holders++ == 0) {
                savedOps = Nd4j.getEnvironment().maxThreads();
                savedMaster = Nd4j.getEnvironment().maxMasterThreads();
                savedBlas = Nd4j.factory().blas().getMaxThreads();
                Nd4j.getEnvironment().setMaxThreads(1);
                Nd4j.getEnvironment().setMaxMasterThreads(1);
                Nd4j.factory().blas().setMaxThreads(1);
            }
        }
        omp = native_().ompGetMaxThreads();
        onThisThread();
    }

    /** Sets OpenMP's thread count of the calling thread to one (for a thread that ends with its task). */
    static void onThisThread() {
        native_().setOmpNumThreads(1);
    }

    private static NativeOps native_() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps();
    }

    /** @return one thread per op until closed */
    static OpThreads one() {
        return new OpThreads();
    }

    /**
     * @param headParams the head's parameter count
     * @return one thread per op until closed if the head is small, else null (nothing to close)
     */
    static OpThreads forHead(long headParams) {
        return headParams < SMALL_HEAD_PARAMS ? new OpThreads() : null;
    }

    /**
     * Restores the calling thread's OpenMP count; the last open instance in the process restores ND4J's counts. Closing
     * twice does nothing more. Close on the thread that opened it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        native_().setOmpNumThreads(omp);
        synchronized (LOCK) {
            if (--holders == 0) {
                Nd4j.getEnvironment().setMaxThreads(savedOps);
                Nd4j.getEnvironment().setMaxMasterThreads(savedMaster);
                Nd4j.factory().blas().setMaxThreads(savedBlas);
            }
        }
    }

    /** @return how many instances are open in the process (for tests) */
    static int holders() {
        synchronized (LOCK) {
            return holders;
        }
    }
}
