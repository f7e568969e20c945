package org.transferkit.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.LabelledImage;
import org.transferkit.engine.Runner;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;

/**
 * The frozen part's output at a phase-2 boundary vertex for every usable image of one part of a dataset, held in
 * memory and computed once ({@link Featurizer#featurize}, through the run's disk feature cache where there is one),
 * so that an end-to-end epoch without augmentation runs only the trainable part. {@link #batches} replays any
 * image order as the image pipeline would batch it. Immutable.
 */
final class BoundaryCache {
    /**
     * What the boundary is.
     *
     * @param backbone the backbone (its id and weights key the disk cache)
     * @param cut phase 1's cut point (part of the key, as for phase 1's features)
     * @param at the boundary vertex and its per-example output shape (pooling names the layout: "boundary")
     */
    record Spec(Backbone backbone, CutPoint cut, Featurizer.Features at) {
    }

    private final List<LabelledImage> images;
    private final Map<Path, Integer> rows;
    private final INDArray features;
    private final INDArray labels;
    private final long[] shape;

    private BoundaryCache(List<LabelledImage> images, INDArray features, INDArray labels, long[] shape) {
        this.images = images;
        this.features = features;
        this.labels = labels;
        this.shape = shape;
        this.rows = new HashMap<>();
        for (int i = 0; i < images.size(); i++) {
            rows.put(images.get(i).path(), i);
        }
    }

    /**
     * Runs every image of {@code part} (without augmentation) through the frozen part, or reads its output from
     * the disk cache.
     *
     * @param runner the frozen part, up to the boundary vertex
     * @param spec the boundary
     * @param part the images
     * @param pre their preprocessing
     * @param settings the batch size
     * @param env the disk cache and decoding threads
     * @param skipped receives the files that do not decode, by path
     * @param listener featurizing progress
     * @return the cache of the images that decode (possibly none)
     */
    static BoundaryCache compute(Runner runner, Spec spec, ImageDataset part, Preprocessing pre, FineTune settings,
            RunEnvironment env, Map<String, SkippedFile> skipped, TrainingListener listener) {
        List<SkippedFile> sk = new ArrayList<>();
        DataSet ds = Featurizer.featurize(runner, spec.backbone(), spec.cut(), spec.at(), pre, part, settings, env,
                null, 0, sk, new int[2], listener);
        Set<Path> gone = new HashSet<>();
        for (SkippedFile f : sk) {
            skipped.put(f.path().toString(), f);
            gone.add(f.path());
        }
        List<LabelledImage> used = part.images().stream().filter(i -> !gone.contains(i.path())).toList();
        long[] shape = spec.at().shape();
        if (ds == null) {
            return new BoundaryCache(List.of(), null, null, shape);
        }
        INDArray flat = ds.getFeatures().reshape('c', ds.numExamples(), spec.at().length());
        return new BoundaryCache(used, flat, ds.getLabels(), shape);
    }

    /** @return the images held, in dataset order */
    List<LabelledImage> images() {
        return images;
    }

    /**
     * @param order images in the order to visit them (those not held, because they do not decode, are left out)
     * @param batchSize the batch size: each batch is the held images of one consecutive run of {@code batchSize}
     *     images of {@code order}, as {@link org.transferkit.data.ImagePipeline} batches them; empty runs give none
     * @return the batches: boundary features (batch x shape) and targets
     */
    List<DataSet> batches(List<LabelledImage> order, int batchSize) {
        List<DataSet> out = new ArrayList<>();
        for (int from = 0; from < order.size(); from += batchSize) {
            List<Integer> idx = new ArrayList<>();
            for (LabelledImage img : order.subList(from, Math.min(order.size(), from + batchSize))) {
                Integer r = rows.get(img.path());
                if (r != null) {
                    idx.add(r);
                }
            }
            if (idx.isEmpty()) {
                continue;
            }
            int[] ix = idx.stream().mapToInt(Integer::intValue).toArray();
            long[] full = new long[shape.length + 1];
            full[0] = ix.length;
            System.arraycopy(shape, 0, full, 1, shape.length);
            out.add(new DataSet(Nd4j.pullRows(features, 1, ix).reshape('c', full), Nd4j.pullRows(labels, 1, ix)));
        }
        return out;
    }
}
