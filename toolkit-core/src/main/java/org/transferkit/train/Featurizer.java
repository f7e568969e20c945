package org.transferkit.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.DatasetException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.Augmentation;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageDecoder;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.LabelledImage;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.engine.Runner;
/** Turns images into backbone features for the head, through the feature cache where there is one. Stateless. */
final class Featurizer {
    private Featurizer() {
    }

    /** Where features are taken: the vertex, its per-example shape, and what reduces the feature map. */
    record Features(String vertex, long[] shape, String pooling) {
        /**
         * @return where a head reads its features: after the global pooling when the head pools a feature map (a
         *     vector per image: epochs and the cache stay small), else at the cut point itself
         */
        static Features of(CutPoint cut, HeadSpec head) {
            boolean pooled = cut.spatial() && head.pooling() != HeadSpec.Pooling.FLATTEN;
            return pooled ? new Features(TransferModel.POOL, new long[] {cut.channels()}, head.pooling().name())
                    : new Features(cut.vertex(), cut.outputShape(), head.pooling().name());
        }

        int length() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }
    }

    /**
     * Runs every image of {@code part} through the frozen backbone (or takes its features from the
     * cache), in dataset order; the files {@code part}'s source skipped, and the images that do not decode whole,
     * are added to {@code skipped}.
     */
    static DataSet featurize(Runner runner, Backbone backbone, CutPoint cut, Features at,
            Preprocessing pre, ImageDataset part, FineTune settings, RunEnvironment env, Augmentation augmentation, long augmentSeed,
            List<SkippedFile> skipped, int[] reusedComputed, TrainingListener listener) {
        int len = at.length();
        int classes = part.labels().size();
        skipped.addAll(part.skipped()); // what the listing left out, also when every feature comes from the cache
        FeatureCache cache = env.featureCache();
        // the decoder's rules are part of the key: an image it now refuses must not come back from an older cache
        String key = FeatureCache.settingsKey(backbone.id(), backbone.weightsId(), cut.name(), cut.vertex(),
                at.vertex() + "/" + at.pooling(), pre.toString(), backbone.inputShape().toString(),
                augmentation == null ? "none" : augmentation + "#" + augmentSeed,
                "decoder rules " + ImageDecoder.RULES_VERSION);
        Map<Path, float[]> features = new HashMap<>();
        Map<Path, String> contentKeys = new HashMap<>();
        List<LabelledImage> todo = new ArrayList<>();
        for (LabelledImage img : part.images()) {
            float[] f = null;
            if (cache != null) {
                try {
                    String ck = FeatureCache.contentKey(Files.readAllBytes(img.path()));
                    contentKeys.put(img.path(), ck);
                    f = cache.get(key, ck, len);
                } catch (IOException | RuntimeException e) {
                    // unreadable: the pipeline reports it
                }
            }
            if (f != null) {
                features.put(img.path(), f);
            } else {
                todo.add(img);
            }
        }
        if (!todo.isEmpty()) {
            ImagePipeline.Builder b = ImagePipeline.builder(part.withImages(todo)).shape(backbone.inputShape())
                    .preprocessing(pre).batchSize(settings.batchSize()).threads(env.decodeThreads());
            if (augmentation != null) {
                b.augment(augmentation, augmentSeed);
            }
            long t0 = System.nanoTime();
            int done = 0;
            try (ImagePipeline pipe = b.build()) {
                while (pipe.hasNext()) {
                    DataSet in = pipe.next();
                    done += in.numExamples();
                    float[][] rows = runner.output(in.getFeatures()).reshape(in.numExamples(), len).toFloatMatrix();
                    for (int i = 0; i < rows.length; i++) {
                        Path p = Path.of(String.valueOf(in.getExampleMetaData().get(i)));
                        features.put(p, rows[i]);
                        String ck = contentKeys.get(p);
                        if (cache != null && ck != null) {
                            cache.put(key, ck, rows[i]);
                        }
                    }
                    listener.onFeaturizeProgress(done, todo.size(), (System.nanoTime() - t0) / 1e9);
                }
                skipped.addAll(pipe.skipped());
            }
        }
        reusedComputed[0] += part.size() - todo.size();
        reusedComputed[1] += todo.size();
        List<LabelledImage> used = part.images().stream().filter(i -> features.containsKey(i.path())).toList();
        if (used.isEmpty()) {
            return null;
        }
        float[] all = new float[used.size() * len];
        float[][] targets = new float[used.size()][];
        for (int i = 0; i < used.size(); i++) {
            System.arraycopy(features.get(used.get(i).path()), 0, all, i * len, len);
            targets[i] = used.get(i).targetRow(classes);
        }
        INDArray labels = Nd4j.create(targets);
        long[] shape = at.shape();
        long[] full = new long[shape.length + 1];
        full[0] = used.size();
        System.arraycopy(shape, 0, full, 1, shape.length);
        INDArray f = Nd4j.createUninitialized(DataType.FLOAT, full, 'c');
        try (FloatPointer fp = new FloatPointer(f.data().addressPointer())) {
            fp.put(all, 0, all.length);
        }
        return new DataSet(f, labels);
    }

    static void checkUsable(DataSet train, List<String> labels, List<SkippedFile> skipped)
            throws DatasetException {
        int[] counts = new int[labels.size()];
        if (train != null) {
            INDArray perClass = train.getLabels().sum(0);
            for (int c = 0; c < labels.size(); c++) {
                counts[c] = (int) Math.round(perClass.getDouble(c));
            }
        }
        checkUsable(counts, labels, skipped);
    }

    /**
     * @param perClass training images per class
     * @throws DatasetException if a class has none (naming it) or fewer than two classes have any (listing skipped
     *     files)
     */
    static void checkUsable(int[] perClass, List<String> labels, List<SkippedFile> skipped) throws DatasetException {
        int classesWithImages = 0;
        for (int c = 0; c < labels.size(); c++) {
            if (perClass[c] > 0) {
                classesWithImages++;
            }
        }
        if (classesWithImages >= 2 && classesWithImages < labels.size()) {
            List<String> empty = new ArrayList<>();
            for (int c = 0; c < labels.size(); c++) {
                if (perClass[c] == 0) {
                    empty.add(labels.get(c));
                }
            }
            throw new DatasetException("class(es) " + empty + " have no usable training images (empty folder, or "
                    + "every file skipped); add images or remove the class folder. Classes: " + labels);
        }
        if (classesWithImages < 2) {
            StringBuilder sb = new StringBuilder("after skipping files that do not decode, only ")
                    .append(classesWithImages).append(" of the classes ").append(labels)
                    .append(" have training images; at least 2 are needed.");
            int shown = 0;
            for (SkippedFile s : skipped) {
                if (shown++ == 10) {
                    sb.append("\n  ... and ").append(skipped.size() - 10).append(" more");
                    break;
                }
                sb.append("\n  skipped ").append(s);
            }
            throw new DatasetException(sb.toString());
        }
    }

}
