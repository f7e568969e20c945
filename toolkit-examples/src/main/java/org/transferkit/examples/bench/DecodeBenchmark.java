package org.transferkit.examples.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.transferkit.DatasetException;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.model.InputShape;
import org.transferkit.data.LabelledImage;
import org.transferkit.model.Preprocessing;

/**
 * Decode + resize + normalize throughput of {@link ImagePipeline}: every image under the given
 * folders (each a folder of class sub-folders) to 3×size×size float batches of 32, squashed, ImageNet
 * mean/std, one warm-up pass, then the median of {@code passes} timed passes.
 */
public final class DecodeBenchmark {
    /**
     * What one configuration measured.
     *
     * @param threads decoding threads
     * @param images images per pass
     * @param imagesPerSecond median throughput
     * @param passSeconds every timed pass
     */
    public record Result(int threads, int images, double imagesPerSecond, double[] passSeconds) {
    }

    private DecodeBenchmark() {
    }

    /**
     * @param folders dataset folders, all images taken
     * @param size output side in pixels
     * @param threads decoding thread counts to measure
     * @param passes timed passes per thread count, >= 1
     * @return one result per thread count
     * @throws DatasetException if a folder cannot be read
     */
    public static List<Result> run(List<Path> folders, int size, int[] threads, int passes) throws DatasetException {
        List<LabelledImage> all = new ArrayList<>();
        List<String> labels = null;
        for (Path f : folders) {
            ImageDataset d = ImageDataset.fromFolder(f, labels);
            labels = d.labels();
            all.addAll(d.images());
        }
        ImageDataset ds = new ImageDataset(labels, all, List.of());
        Preprocessing pre = Preprocessing.imagenet().withResize(Preprocessing.Resize.SQUASH);
        List<Result> results = new ArrayList<>();
        for (int t : threads) {
            double[] secs = new double[passes];
            int n = 0;
            try (ImagePipeline p = ImagePipeline.builder(ds).shape(new InputShape(3, size, size)).preprocessing(pre)
                    .batchSize(32).threads(t).prefetch(Math.max(2, 2 * t)).build()) {
                for (int pass = -1; pass < passes; pass++) {
                    p.reset();
                    long t0 = System.nanoTime();
                    n = 0;
                    while (p.hasNext()) {
                        n += p.next().numExamples();
                    }
                    if (pass >= 0) {
                        secs[pass] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
            double[] sorted = secs.clone();
            Arrays.sort(sorted);
            results.add(new Result(t, n, n / sorted[passes / 2], secs));
        }
        return results;
    }
}
