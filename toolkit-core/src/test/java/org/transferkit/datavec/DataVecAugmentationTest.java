package org.transferkit.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.transform.FlipImageTransform;
import org.datavec.image.transform.ImageTransform;
import org.datavec.image.transform.PipelineImageTransform;
import org.datavec.image.transform.RotateImageTransform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.TestImages;
import org.transferkit.TinyBackbone;
import org.transferkit.data.Augmentation;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageDecoder;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.LabelledImage;
import org.transferkit.train.FineTuner;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.Unfreeze;

class DataVecAugmentationTest {
    @TempDir
    Path tmp;

    private static PipelineImageTransform pipeline(long seed) {
        return new PipelineImageTransform(seed, List.of(
                new Pair<>(new FlipImageTransform(new Random(0)), 0.8),
                new Pair<>(new RotateImageTransform(new Random(0), 40), 0.8)), false);
    }

    @Test
    void aPipelineChangesImagesReproduciblyForASeed() throws Exception {
        ImageDataset data = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("d"), 4, 2, "red", "blue"));
        Map<String, float[]> plain = features(data, null, 0);
        Map<String, float[]> a = features(data, DataVecAugmentation.of(pipeline(123)), 5);
        Map<String, float[]> again = features(data, DataVecAugmentation.of(pipeline(123)), 5);
        assertEquals(plain.keySet(), a.keySet(), "every image augmented, none skipped");
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k), again.get(k), "same seeds, same augmentation: " + k);
        }
        assertTrue(differ(plain, a) >= 6, "the transforms change most images: " + differ(plain, a));
        assertTrue(differ(a, features(data, DataVecAugmentation.of(pipeline(123)), 6)) >= 4, "training seed matters");
        assertTrue(differ(a, features(data, DataVecAugmentation.of(pipeline(124)), 5)) >= 4, "pipeline seed matters");
        assertEquals(DataVecAugmentation.of(pipeline(123)).toString(), DataVecAugmentation.of(pipeline(123)).toString());
        assertFalse(DataVecAugmentation.of(pipeline(123)).toString().equals(DataVecAugmentation.of(pipeline(124)).toString()));
    }

    @Test
    void transformsTrainingImagesOnly() throws Exception {
        ImageDataset data = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("d"), 6, 3, "red", "blue"));
        DatasetSplit split = DatasetSplit.stratified(data, 0.34, 0, 3);
        Recording recording = new Recording(new FlipImageTransform(1));
        FineTuner tuner = FineTuner.builder(new TinyBackbone(3)).epochs(2).seed(5).decodeThreads(2)
                .settings(s -> s.batchSize(4).augment(DataVecAugmentation.of(recording), 2)).build();
        try (TrainedModel model = tuner.fit(split)) {
            assertEquals(2, model.history().size());
            model.evaluate(split.val());
        }
        assertEquals(2 * split.train().size(), recording.seen.size(), "two augmented copies of each training image");
        Set<Integer> train = pixelHashes(split.train());
        Set<Integer> val = pixelHashes(split.val());
        assertTrue(train.containsAll(recording.seen), "only training images reach the transform");
        assertTrue(recording.seen.stream().noneMatch(val::contains), "no validation image reaches the transform");
    }

    @Test
    void augmentsEndToEndEpochsToo() throws Exception {
        ImageDataset data = ImageDataset.fromFolder(TestImages.folder(tmp.resolve("d"), 6, 4, "red", "blue"));
        DatasetSplit split = DatasetSplit.stratified(data, 0.34, 0, 3);
        Recording recording = new Recording(new RotateImageTransform(new Random(0), 20));
        FineTuner tuner = FineTuner.builder(new TinyBackbone(3)).epochs(1).seed(5).decodeThreads(2)
                .settings(s -> s.batchSize(4).augment(DataVecAugmentation.of(recording), 1)
                        .unfreeze(new Unfreeze(0, 2, 1e-3))).build();
        try (TrainedModel model = tuner.fit(split)) {
            assertEquals(List.of(), model.skipped());
        }
        // one cached copy, then two end-to-end epochs: every training image transformed three times, nothing else
        assertEquals(3 * split.train().size(), recording.seen.size());
        assertTrue(pixelHashes(split.train()).containsAll(recording.seen));
        assertThrows(IllegalArgumentException.class, () -> Augmentation.of(" ", (img, rnd) -> img));
    }

    private static Map<String, float[]> features(ImageDataset data, Augmentation aug, long seed) {
        ImagePipeline.Builder b = ImagePipeline.builder(data).shape(TinyBackbone.INPUT)
                .preprocessing(new TinyBackbone(1).preprocessing()).batchSize(3).threads(2);
        if (aug != null) {
            b.augment(aug, seed);
        }
        Map<String, float[]> out = new TreeMap<>();
        try (ImagePipeline p = b.build()) {
            while (p.hasNext()) {
                DataSet ds = p.next();
                float[][] rows = ds.getFeatures().reshape(ds.numExamples(), TinyBackbone.INPUT.size()).toFloatMatrix();
                for (int i = 0; i < rows.length; i++) {
                    out.put(String.valueOf(ds.getExampleMetaData().get(i)), rows[i]);
                }
            }
            assertEquals(List.of(), p.skipped());
        }
        return out;
    }

    private static int differ(Map<String, float[]> a, Map<String, float[]> b) {
        return (int) a.keySet().stream().filter(k -> !Arrays.equals(a.get(k), b.get(k))).count();
    }

    private static Set<Integer> pixelHashes(ImageDataset part) throws Exception {
        Set<Integer> out = new HashSet<>();
        for (LabelledImage img : part.images()) {
            out.add(hash(DataVecAugmentation.toImage(DataVecAugmentation.toWritable(ImageDecoder.read(img.path())))));
        }
        return out;
    }

    private static int hash(BufferedImage img) {
        return Arrays.hashCode(img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth()));
    }

    /** Records a hash of every image it is given, then flips it. */
    private static final class Recording implements ImageTransform {
        private final ImageTransform inner;
        private final List<Integer> seen = new ArrayList<>();

        Recording(ImageTransform inner) {
            this.inner = inner;
        }

        @Override
        public ImageWritable transform(ImageWritable image) {
            return transform(image, null);
        }

        @Override
        public ImageWritable transform(ImageWritable image, Random random) {
            try {
                seen.add(hash(DataVecAugmentation.toImage(image)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return inner.transform(image, random);
        }

        @Override
        public float[] query(float... coordinates) {
            return inner.query(coordinates);
        }

        @Override
        public ImageWritable getCurrentImage() {
            return inner.getCurrentImage();
        }
    }
}
