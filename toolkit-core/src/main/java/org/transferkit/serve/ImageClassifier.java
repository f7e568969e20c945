package org.transferkit.serve;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.bundle.BundleManifest;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.ImageDecoder;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.task.Task;
import org.transferkit.data.Tensors;

import org.transferkit.task.ScoredLabel;
/**
 * Runs a saved bundle on images: ranks classes (single-label), picks labels above a threshold (multi-label) or
 * predicts values (regression). Thread-safe: decoding and preprocessing run in the calling
 * thread, the network runs one batch at a time (DL4J graphs are not safe for concurrent use), so
 * concurrent callers get exactly the results they would get alone. Holds native memory: close it.
 */
public final class ImageClassifier implements AutoCloseable {
    private final ClassifierBundle bundle;
    private final InputShape shape;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private final Task task;
    private final double threshold;
    private final Object lock = new Object();
    private volatile boolean closed;

    private ImageClassifier(ClassifierBundle bundle) {
        this.bundle = bundle;
        BundleManifest m = bundle.manifest();
        this.shape = m.inputShape();
        this.preprocessing = m.preprocessing().toPreprocessing();
        this.labels = List.copyOf(m.labels());
        this.task = m.taskType();
        this.threshold = m.decisionThreshold();
    }

    /** @return what the model predicts; {@link #predict} ranks classes or labels, {@link #predictValues} regresses */
    public Task task() {
        return task;
    }

    /** @return the probability from which a multi-label model predicts a label (stored in the bundle) */
    public double threshold() {
        return threshold;
    }

    /**
     * The raw outputs for an image: class probabilities (single-label, summing to 1), per-label probabilities
     * (multi-label) or values in the targets' units (regression), in {@link #labels()} order.
     *
     * @param image an image file
     * @return one value per label
     * @throws TransferKitException if the file cannot be read or decoded; the message names it
     */
    public float[] scores(Path image) throws TransferKitException {
        return outputs(decode(image, "cannot read image "), 1)[0];
    }

    /**
     * @param encoded encoded image bytes
     * @return one value per label, as {@link #scores(Path)}
     * @throws TransferKitException if the bytes are not a decodable image
     */
    public float[] scores(byte[] encoded) throws TransferKitException {
        return outputs(decode(encoded, "cannot read image bytes"), 1)[0];
    }

    /** @return the decoded, preprocessed CHW pixels; the failure message starts with {@code what} and the file */
    private float[] decode(Path image, String what) throws TransferKitException {
        float[] data = new float[shape.size()];
        try {
            ImageDecoder.decodeToChw(image, shape, preprocessing, data, 0);
        } catch (IOException e) {
            throw new TransferKitException(what + image + ": " + e.getMessage(), e);
        }
        return data;
    }

    private float[] decode(byte[] encoded, String what) throws TransferKitException {
        float[] data = new float[shape.size()];
        try {
            ImageDecoder.decodeToChw(encoded, shape, preprocessing, data, 0);
        } catch (IOException e) {
            throw new TransferKitException(what + ": " + e.getMessage(), e);
        }
        return data;
    }

    /**
     * The labels a multi-label model predicts for an image: those whose probability reaches {@code threshold}.
     *
     * @param image an image file
     * @param threshold probability in (0, 1); {@link #threshold()} is the one tuned at training
     * @return the predicted labels, most probable first (may be empty)
     * @throws TransferKitException if the file cannot be read or decoded
     * @throws IllegalStateException if the model is not multi-label
     * @throws IllegalArgumentException if the threshold is outside (0, 1)
     */
    public List<ScoredLabel> predictLabels(Path image, double threshold) throws TransferKitException {
        requireTask(Task.MULTI_LABEL, "predictLabels");
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        return rank(scores(image), labels.size()).stream().filter(p -> p.probability() >= threshold).toList();
    }

    /**
     * @param image an image file
     * @return target name to predicted value (in the targets' units), in {@link #labels()} order
     * @throws TransferKitException if the file cannot be read or decoded
     * @throws IllegalStateException if the model is not a regression model
     */
    public java.util.Map<String, Double> predictValues(Path image) throws TransferKitException {
        requireTask(Task.REGRESSION, "predictValues");
        float[] v = scores(image);
        java.util.Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < v.length; i++) {
            out.put(labels.get(i), (double) v[i]);
        }
        return out;
    }

    private void requireTask(Task wanted, String method) {
        if (task != wanted) {
            throw new IllegalStateException(method + " needs a " + wanted.id() + " model; this one is " + task.id()
                    + (task == Task.REGRESSION ? " (use predictValues or scores)" : " (use predict)"));
        }
    }

    /**
     * Loads a classifier bundle.
     *
     * @param file a bundle written by {@link ClassifierBundle#save}
     * @return the classifier
     * @throws ModelFormatException if the file is missing, corrupt or not a bundle
     */
    public static ImageClassifier load(Path file) throws ModelFormatException {
        return new ImageClassifier(ClassifierBundle.load(file));
    }

    /** @return class names, index = output unit */
    public List<String> labels() {
        return labels;
    }

    /** @return the bundle's metadata */
    public BundleManifest manifest() {
        return bundle.manifest();
    }

    /**
     * @param image an image file
     * @param topK how many classes to return, >= 1 (capped at the number of classes)
     * @return the top classes, most probable first
     * @throws TransferKitException if the file cannot be read or decoded; the message names it
     * @throws IllegalArgumentException if {@code topK < 1}
     */
    public List<ScoredLabel> predict(Path image, int topK) throws TransferKitException {
        checkTop(topK);
        return run(decode(image, "cannot classify "), 1, topK).get(0);
    }

    /**
     * @param encoded encoded image bytes (JPEG, PNG, GIF, BMP)
     * @param topK how many classes to return, >= 1
     * @return the top classes, most probable first
     * @throws TransferKitException if the bytes are not a decodable image
     */
    public List<ScoredLabel> predict(byte[] encoded, int topK) throws TransferKitException {
        checkTop(topK);
        return run(decode(encoded, "cannot classify image bytes"), 1, topK).get(0);
    }

    /**
     * @param encoded a stream of encoded image bytes; read, not closed
     * @param topK how many classes to return, >= 1
     * @return the top classes, most probable first
     * @throws TransferKitException if the stream is not a decodable image
     */
    public List<ScoredLabel> predict(InputStream encoded, int topK) throws TransferKitException {
        byte[] bytes;
        try {
            bytes = encoded.readAllBytes();
        } catch (IOException e) {
            throw new TransferKitException("cannot read image stream: " + e.getMessage(), e);
        }
        return predict(bytes, topK);
    }

    /**
     * @param image a decoded image
     * @param topK how many classes to return, >= 1
     * @return the top classes, most probable first
     */
    public List<ScoredLabel> predict(BufferedImage image, int topK) {
        return predictAll(List.of(image), topK).get(0);
    }

    /**
     * Classifies several decoded images in one network pass.
     *
     * @param images decoded images
     * @param topK how many classes to return per image, >= 1
     * @return per image, its top classes
     * @throws IllegalArgumentException if {@code topK < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public List<List<ScoredLabel>> predictAll(List<BufferedImage> images, int topK) {
        checkTop(topK);
        if (images.isEmpty()) {
            return List.of();
        }
        float[] data = new float[images.size() * shape.size()];
        for (int i = 0; i < images.size(); i++) {
            ImageDecoder.toChw(images.get(i), shape, preprocessing, data, i * shape.size());
        }
        return run(data, images.size(), topK);
    }

    private void checkTop(int topK) {
        if (task == Task.REGRESSION) {
            throw new IllegalStateException("this is a regression model: it has no classes to rank; use predictValues "
                    + "or scores");
        }
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + topK);
        }
    }

    private List<List<ScoredLabel>> run(float[] data, int n, int topK) {
        List<List<ScoredLabel>> result = new ArrayList<>();
        for (float[] p : outputs(data, n)) {
            result.add(rank(p, topK));
        }
        return result;
    }

    private float[][] outputs(float[] data, int n) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("classifier is closed");
            }
            INDArray in = Tensors.nchw(data, n, shape);
            return bundle.output(in).toFloatMatrix();
        }
    }

    private List<ScoredLabel> rank(float[] p, int topK) {
        List<ScoredLabel> all = new ArrayList<>();
        for (int c = 0; c < p.length; c++) {
            all.add(new ScoredLabel(labels.get(c), c, p[c]));
        }
        all.sort(Comparator.comparingDouble(ScoredLabel::probability).reversed().thenComparing(ScoredLabel::index));
        return List.copyOf(all.subList(0, Math.min(topK, all.size())));
    }

    /** Releases the network. Later predictions throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                bundle.close();
            }
        }
    }
}
