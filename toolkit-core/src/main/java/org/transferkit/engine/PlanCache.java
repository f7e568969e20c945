package org.transferkit.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * oneDNN plans by batch size, the most recently used few kept: making one more first closes the least recently used
 * (so its memory is free before the new plan takes its own). A plan
 * holds native memory for one batch size, so a graph fed two sizes (training and validation batches, a last partial
 * batch) keeps both without growing with every size it ever saw. Not thread-safe: its graph's lock guards it.
 *
 * @param <P> the plan type
 */
final class PlanCache<P extends AutoCloseable> implements AutoCloseable {
    private final int kept;
    private final Map<Integer, P> plans = new LinkedHashMap<>(4, 0.75f, true);

    /** @param kept how many plans stay open, at least one */
    PlanCache(int kept) {
        if (kept < 1) {
            throw new IllegalArgumentException("plans kept must be at least 1, got " + kept);
        }
        this.kept = kept;
    }

    /**
     * @param batch the batch size
     * @param make makes the plan for a batch size not held
     * @return the plan for {@code batch}
     */
    P get(int batch, IntFunction<P> make) {
        P p = plans.get(batch);
        if (p == null) {
            if (plans.size() >= kept) { // freed before the new one is made: never one plan more than kept
                Iterator<Map.Entry<Integer, P>> it = plans.entrySet().iterator();
                closeQuietly(it.next().getValue());
                it.remove();
            }
            p = make.apply(batch);
            plans.put(batch, p);
        }
        return p;
    }

    /** Closes every plan held; the cache stays usable (it makes plans again as asked). Idempotent. */
    @Override
    public void close() {
        plans.values().forEach(PlanCache::closeQuietly);
        plans.clear();
    }

    private static void closeQuietly(AutoCloseable p) {
        try {
            p.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing a oneDNN plan failed: " + e.getMessage(), e);
        }
    }
}
