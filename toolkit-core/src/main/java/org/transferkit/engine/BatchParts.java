package org.transferkit.engine;

import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * One batch size's execution: a {@link Plan} per part of the batch. A light program's layers are small (SqueezeNet
 * 1.1's 1x1 convolutions of 16-64 channels at 13x13), and one plan shared by several OpenMP threads pays a fork, a
 * barrier and, with passively waiting threads ({@code runtime.NativeThreads}), a wake-up per primitive, a good part of
 * such a layer's time. So a light program's batch is cut into parts (twice as many as oneDNN has threads, at least
 * one example each: a thread slowed by other work on its core takes fewer of them), each part runs its own plan on
 * one thread, and the caller's thread and workers take parts until none is left, with no synchronization between
 * them until the batch is done. Examples are independent, so the outputs are those of one plan. A single part is
 * simply the plan. Not thread-safe: its graph's lock guards it.
 */
final class BatchParts implements AutoCloseable {
    private final List<Plan> plans = new ArrayList<>();
    private final List<dnnl_stream> streams = new ArrayList<>();
    private final int[] first;
    private final long inFloats;
    private final long outFloats;

    /**
     * @param program the lowered program
     * @param batch the batch size
     * @param parts how many parts, 1 to {@code batch}
     * @param layout the plans' layout
     * @param winograd whether the plans run 3x3 stride-1 convolutions with Winograd's algorithm where oneDNN can
     * @param engine the oneDNN engine
     * @param stream the stream of the first part (the others get their own)
     * @param weights the weights, shared by every part (only read once the plans are made)
     * @param inFloats floats per input example
     * @param outFloats floats per output example
     */
    BatchParts(Lowering.Program program, int batch, int parts, Layout layout, boolean winograd, dnnl_engine engine,
            dnnl_stream stream, Weights weights, long inFloats, long outFloats) {
        if (parts < 1 || parts > batch) {
            throw new IllegalArgumentException("parts must be 1 to the batch size " + batch + ", got " + parts);
        }
        this.inFloats = inFloats;
        this.outFloats = outFloats;
        this.first = new int[parts + 1];
        int own = DnnlThreads.max();
        if (parts > 1) {
            DnnlThreads.set(1); // oneDNN fixes a primitive's threads when it makes it: the parts' plans run on one each
        }
        try {
            for (int k = 0; k < parts; k++) {
                first[k + 1] = first[k] + batch / parts + (k < batch % parts ? 1 : 0);
                dnnl_stream s = stream;
                if (k > 0) {
                    s = Dnnl.stream(engine);
                    streams.add(s);
                }
                plans.add(new Plan(program, first[k + 1] - first[k], layout, winograd, engine, s, weights));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        } finally {
            DnnlThreads.set(own);
        }
    }

    /** @return how many parts the batch is cut into */
    int parts() {
        return plans.size();
    }

    /**
     * Runs the batch: {@code input} holds batch x C x H x W floats (NCHW), {@code output} receives the result. As many
     * threads as oneDNN has on the calling thread (the caller's and workers', at most one a part) take the parts in
     * turn, each part on one thread, until none is left; with one thread the caller runs them one after the other.
     *
     * @param workers runs the threads after the caller's (able to run that many tasks at once); unused for one part
     */
    void run(Pointer input, Pointer output, ExecutorService workers) {
        int own = DnnlThreads.max();
        int threads = Math.min(own, plans.size());
        if (threads == 1) {
            for (int k = 0; k < plans.size(); k++) {
                runPart(k, input, output);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> rest = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            rest.add(workers.submit(() -> {
                DnnlThreads.set(1);
                takeParts(next, input, output);
            }));
        }
        DnnlThreads.set(1);
        try {
            takeParts(next, input, output);
        } finally {
            DnnlThreads.set(own);
            for (Future<?> f : rest) {
                await(f);
            }
        }
    }

    private void takeParts(AtomicInteger next, Pointer input, Pointer output) {
        for (int k = next.getAndIncrement(); k < plans.size(); k = next.getAndIncrement()) {
            runPart(k, input, output);
        }
    }

    private void runPart(int k, Pointer input, Pointer output) {
        plans.get(k).run(at(input, 4 * inFloats * first[k]), at(output, 4 * outFloats * first[k]));
    }

    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a batch part ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a batch part failed: " + e.getCause(), e.getCause());
        }
    }

    /** @return a pointer {@code bytes} past {@code p}'s current position */
    private static Pointer at(Pointer p, long bytes) {
        long start = p.address() + p.position() * p.sizeof() + bytes;
        return new Pointer() {
            {
                address = start;
            }
        };
    }

    /** @return one line per primitive of the first part's plan (every part runs the same program) */
    List<String> implementations() {
        return plans.get(0).implementations();
    }

    @Override
    public void close() {
        for (Plan p : plans) {
            p.close();
        }
        plans.clear();
        for (dnnl_stream s : streams) {
            dnnl_stream_destroy(s);
        }
        streams.clear();
    }
}
