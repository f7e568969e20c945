package org.transferkit.serve;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.bundle.BundleManifest;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageDecoder;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.Tensors;
import org.transferkit.eval.Evaluator;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.task.Prediction;
import org.transferkit.task.Task;
import org.transferkit.task.TaskReport;

/**
 * Runs a saved bundle on images, whatever its task: every {@code predict} method returns the {@link Prediction}
 * of the model's {@link #task()} ({@link Prediction.Classes} ranked by probability for a single-label model,
 * {@link Prediction.Labels} at or above {@link #threshold()} for a multi-label one, {@link Prediction.Values} for
 * a regression model), decoded by {@link Task#decode}. Images come as a file, encoded bytes, a stream or a decoded
 * {@link BufferedImage}, one at a time or as a batch (one network pass per batch); the same pixels give the same
 * prediction whichever way they come.
 *
 * <p>Thread-safe: decoding, preprocessing and prediction decoding run in the calling thread, the network runs one
 * batch at a time under a lock (DL4J graphs are not safe for concurrent use), so concurrent callers get exactly
 * the results they would get alone. Holds native memory: close it.
 *
 * <p>{@link #evaluate} scores the classifier on labelled images (what {@code transferkit evaluate} prints);
 * {@link #interop()} is the one door to the underlying Deeplearning4j network.
 */
public final class ImageClassifier implements AutoCloseable {
    /** Images per network pass of {@link #evaluate(ImageDataset)}. */
    public static final int EVALUATION_BATCH = 32;

    private final Network network;
    private final InputShape shape;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private final Task task;
    private final double threshold;
    private final long maxPixels;

    private ImageClassifier(Network network, double threshold, long maxPixels) {
        BundleManifest m = network.bundle.manifest();
        this.network = network;
        this.shape = m.inputShape();
        this.preprocessing = m.preprocessing().toPreprocessing();
        this.labels = List.copyOf(m.labels());
        this.task = m.taskType();
        this.threshold = threshold;
        this.maxPixels = maxPixels;
    }

    /**
     * Loads a classifier bundle.
     *
     * @param file a bundle written by {@link ClassifierBundle#save}
     * @return the classifier, deciding multi-label predictions at the bundle's saved threshold
     * @throws ModelFormatException if the file is missing, corrupt or not a bundle
     */
    public static ImageClassifier load(Path file) throws ModelFormatException {
        return load(file, RuntimeOptions.defaults());
    }

    /**
     * Loads a classifier bundle to run with the given run-time options (engine, CPU helpers).
     *
     * @param file a bundle written by {@link ClassifierBundle#save}
     * @param options the run-time options
     * @return the classifier
     * @throws ModelFormatException if the file is missing, corrupt or not a bundle
     */
    public static ImageClassifier load(Path file, RuntimeOptions options) throws ModelFormatException {
        ClassifierBundle bundle = ClassifierBundle.load(file, options);
        return new ImageClassifier(new Network(bundle), bundle.manifest().decisionThreshold(),
                ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /**
     * A view of this classifier that decides multi-label predictions at another threshold (other tasks predict
     * the same as here). The view shares this classifier's network: closing either closes both.
     *
     * @param threshold probability in (0, 1) from which a label counts as present
     * @return the view
     * @throws IllegalArgumentException if the threshold is outside (0, 1); the message names it
     */
    public ImageClassifier withThreshold(double threshold) {
        if (!(threshold > 0 && threshold < 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1), got " + threshold);
        }
        return new ImageClassifier(network, threshold, maxPixels);
    }

    /**
     * A view of this classifier that refuses encoded images whose header declares more than {@code maxPixels}
     * pixels (before decoding them); {@link #load} gives {@link ImageDecoder#DEFAULT_MAX_PIXELS}. The view
     * shares this classifier's network: closing either closes both.
     *
     * @param maxPixels the pixel cap, >= 1
     * @return the view
     * @throws IllegalArgumentException if the cap is below 1; the message names it
     */
    public ImageClassifier withMaxPixels(long maxPixels) {
        return new ImageClassifier(network, threshold, ImageDecoder.checkMaxPixels(maxPixels));
    }

    /** @return the pixel cap applied to encoded images (see {@link #withMaxPixels}) */
    public long maxPixels() {
        return maxPixels;
    }

    /** @return what the model predicts, which decides the type of every {@link Prediction} returned */
    public Task task() {
        return task;
    }

    /**
     * @return the probability from which a multi-label prediction counts a label as present: the one saved in the
     *     bundle (tuned at training), or the one given to {@link #withThreshold}
     */
    public double threshold() {
        return threshold;
    }

    /** @return output names (classes, labels or targets), index = output unit */
    public List<String> labels() {
        return labels;
    }

    /** @return the bundle's metadata */
    public BundleManifest manifest() {
        return network.bundle.manifest();
    }

    /**
     * The raw outputs for an image: class probabilities (single-label, summing to 1), per-label probabilities
     * (multi-label) or values in the targets' units (regression), in {@link #labels()} order.
     *
     * @param image an image file
     * @return one value per output
     * @throws TransferKitException if the file cannot be read or decoded; the message names it
     * @throws IllegalStateException if the classifier is closed
     */
    public float[] scores(Path image) throws TransferKitException {
        float[] data = new float[shape.size()];
        decodeInto(image, data, 0);
        return network.run(data, 1, shape)[0];
    }

    /**
     * @param encoded encoded image bytes
     * @return one value per output, as {@link #scores(Path)}
     * @throws TransferKitException if the bytes are not a decodable image
     * @throws IllegalStateException if the classifier is closed
     */
    public float[] scores(byte[] encoded) throws TransferKitException {
        return network.run(decode(encoded), 1, shape)[0];
    }

    /**
     * @param image an image file (JPEG, PNG, GIF, BMP)
     * @return the prediction; a single-label one ranks every class
     * @throws TransferKitException if the file cannot be read or decoded; the message names it
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(Path image) throws TransferKitException {
        return predict(image, labels.size());
    }

    /**
     * @param image an image file (JPEG, PNG, GIF, BMP)
     * @param topK for a single-label model, how many classes to rank, >= 1 (capped at the number of classes);
     *     checked but unused for other tasks
     * @return the prediction
     * @throws TransferKitException if the file cannot be read or decoded; the message names it
     * @throws IllegalArgumentException if {@code topK < 1}; the message names it
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(Path image, int topK) throws TransferKitException {
        return predictPaths(List.of(image), topK).get(0);
    }

    /**
     * @param encoded encoded image bytes (JPEG, PNG, GIF, BMP)
     * @return the prediction; a single-label one ranks every class
     * @throws TransferKitException if the bytes are not a decodable image
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(byte[] encoded) throws TransferKitException {
        return predict(encoded, labels.size());
    }

    /**
     * @param encoded encoded image bytes (JPEG, PNG, GIF, BMP)
     * @param topK as in {@link #predict(Path, int)}
     * @return the prediction
     * @throws TransferKitException if the bytes are not a decodable image
     * @throws IllegalArgumentException if {@code topK < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(byte[] encoded, int topK) throws TransferKitException {
        checkTop(topK);
        return decodeOutputs(network.run(decode(encoded), 1, shape), topK).get(0);
    }

    /**
     * @param encoded a stream of encoded image bytes; read to its end, not closed
     * @return the prediction; a single-label one ranks every class
     * @throws TransferKitException if the stream cannot be read or is not a decodable image
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(InputStream encoded) throws TransferKitException {
        return predict(encoded, labels.size());
    }

    /**
     * @param encoded a stream of encoded image bytes; read to its end, not closed
     * @param topK as in {@link #predict(Path, int)}
     * @return the prediction
     * @throws TransferKitException if the stream cannot be read or is not a decodable image
     * @throws IllegalArgumentException if {@code topK < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(InputStream encoded, int topK) throws TransferKitException {
        checkTop(topK);
        byte[] bytes;
        try {
            bytes = encoded.readAllBytes();
        } catch (IOException e) {
            throw new TransferKitException("cannot read image stream: " + e.getMessage(), e);
        }
        return predict(bytes, topK);
    }

    /**
     * @param image a decoded image (resized here)
     * @return the prediction; a single-label one ranks every class
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(BufferedImage image) {
        return predict(image, labels.size());
    }

    /**
     * @param image a decoded image (resized here)
     * @param topK as in {@link #predict(Path, int)}
     * @return the prediction
     * @throws IllegalArgumentException if {@code topK < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public Prediction predict(BufferedImage image, int topK) {
        return predictAll(List.of(image), topK).get(0);
    }

    /**
     * Predicts several decoded images in one network pass; the same as predicting them one by one.
     *
     * @param images decoded images (resized here)
     * @param topK as in {@link #predict(Path, int)}
     * @return one prediction per image, in order (empty for no images)
     * @throws IllegalArgumentException if {@code topK < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public List<Prediction> predictAll(List<BufferedImage> images, int topK) {
        checkTop(topK);
        if (images.isEmpty()) {
            return List.of();
        }
        float[] data = new float[images.size() * shape.size()];
        for (int i = 0; i < images.size(); i++) {
            ImageDecoder.toChw(images.get(i), shape, preprocessing, data, i * shape.size());
        }
        return decodeOutputs(network.run(data, images.size(), shape), topK);
    }

    /**
     * Reads and predicts several image files in one network pass; the same as predicting them one by one. All
     * files are read before the network runs, so one unreadable file fails the whole batch.
     *
     * @param images image files (JPEG, PNG, GIF, BMP)
     * @param topK as in {@link #predict(Path, int)}
     * @return one prediction per file, in order (empty for no files)
     * @throws TransferKitException if a file cannot be read or decoded; the message names the first such file
     * @throws IllegalArgumentException if {@code topK < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public List<Prediction> predictPaths(List<Path> images, int topK) throws TransferKitException {
        checkTop(topK);
        if (images.isEmpty()) {
            return List.of();
        }
        float[] data = new float[images.size() * shape.size()];
        for (int i = 0; i < images.size(); i++) {
            decodeInto(images.get(i), data, i * shape.size());
        }
        return decodeOutputs(network.run(data, images.size(), shape), topK);
    }

    /**
     * Evaluates the classifier on labelled images at its {@link #threshold()}, {@value #EVALUATION_BATCH} images per
     * network pass: the same report that {@code TrainedModel.evaluate} gives for the model this classifier was saved
     * from. Holds the network for the whole evaluation: concurrent predictions wait.
     *
     * @param images images of the classifier's task and labels, e.g.
     *     {@code ImageDataset.from(dir, classifier.labels(), classifier.task())}
     * @return the task's report; undecodable files are listed in it, not thrown
     * @throws IllegalArgumentException if the images have another task or other labels; the message names both
     * @throws IllegalStateException if the classifier is closed
     */
    public TaskReport evaluate(ImageDataset images) {
        return evaluate(images, EVALUATION_BATCH);
    }

    /**
     * As {@link #evaluate(ImageDataset)}, with {@code batchSize} images per network pass (memory, not results).
     *
     * @param images images of the classifier's task and labels
     * @param batchSize images per network pass, >= 1
     * @return the task's report
     * @throws IllegalArgumentException if the images do not fit the classifier or {@code batchSize < 1}
     * @throws IllegalStateException if the classifier is closed
     */
    public TaskReport evaluate(ImageDataset images, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (images.task() != task || !images.labels().equals(labels)) {
            throw new IllegalArgumentException("images are " + images.task().id() + " " + images.labels()
                    + " but the classifier is " + task.id() + " " + labels);
        }
        synchronized (network.lock) {
            ComputationGraph graph = network.graph();
            try (ImagePipeline p = ImagePipeline.builder(images).shape(shape).preprocessing(preprocessing)
                    .batchSize(batchSize).build()) {
                return Evaluator.evaluate(graph, p, task, threshold);
            }
        }
    }

    /**
     * @return the door to Deeplearning4j for power users: the bundle's network (owned by this classifier and shared
     *     with its {@link #withThreshold} views; valid until {@link #close()}). Not thread-safe: do not use it while
     *     other threads predict.
     * @throws IllegalStateException if the classifier is closed
     */
    public Interop interop() {
        synchronized (network.lock) {
            return new Interop(network.graph());
        }
    }

    /**
     * The DL4J objects behind a classifier.
     *
     * @param graph the loaded network, preprocessed images in, the task's outputs out
     */
    public record Interop(ComputationGraph graph) {
    }

    /** Releases the network (shared with {@link #withThreshold} views). Later predictions throw
     * {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        network.close();
    }

    private static void checkTop(int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("top-k must be >= 1, got " + topK);
        }
    }

    private void decodeInto(Path image, float[] data, int offset) throws TransferKitException {
        try {
            ImageDecoder.decodeToChw(image, shape, preprocessing, data, offset, maxPixels);
        } catch (IOException e) {
            throw new TransferKitException("cannot classify " + image + ": " + e.getMessage(), e);
        }
    }

    private float[] decode(byte[] encoded) throws TransferKitException {
        float[] data = new float[shape.size()];
        try {
            ImageDecoder.decodeToChw(encoded, shape, preprocessing, data, 0, maxPixels);
        } catch (IOException e) {
            throw new TransferKitException("cannot classify image bytes: " + e.getMessage(), e);
        }
        return data;
    }

    /** Decodes in the caller's thread, through the task alone. */
    private List<Prediction> decodeOutputs(float[][] outputs, int topK) {
        List<Prediction> result = new ArrayList<>(outputs.length);
        for (float[] output : outputs) {
            result.add(task.decode(output, labels, topK, threshold));
        }
        return List.copyOf(result);
    }

    /** The bundle behind a classifier and its threshold views: one batch at a time, closed once. */
    private static final class Network {
        private final ClassifierBundle bundle;
        private final Object lock = new Object();
        private boolean closed;

        Network(ClassifierBundle bundle) {
            this.bundle = bundle;
        }

        /** @return the network; call under {@link #lock} */
        ComputationGraph graph() {
            if (closed) {
                throw new IllegalStateException("classifier is closed");
            }
            return bundle.graph();
        }

        /** @return the outputs of {@code n} preprocessed images, one row each */
        float[][] run(float[] data, int n, InputShape shape) {
            synchronized (lock) {
                if (closed) {
                    throw new IllegalStateException("classifier is closed");
                }
                return bundle.output(Tensors.nchw(data, n, shape)).toFloatMatrix();
            }
        }

        void close() {
            synchronized (lock) {
                if (!closed) {
                    closed = true;
                    bundle.close();
                }
            }
        }
    }
}
