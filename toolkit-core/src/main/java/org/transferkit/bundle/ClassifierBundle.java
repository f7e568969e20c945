package org.transferkit.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.transferkit.ModelFormatException;
import org.transferkit.TransferKitException;
import org.transferkit.task.Task;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.engine.Engine;
import org.transferkit.engine.EngineMode;
import org.transferkit.engine.Runner;
import org.transferkit.runtime.RuntimeOptions;
/**
 * A classifier in one file: a zip holding {@value #MANIFEST} (labels, input, preprocessing,
 * provenance, metrics) and {@value #NETWORK} (the DL4J graph without updater state). Loading needs
 * nothing else. Holds native memory: close it. Not thread-safe; {@link org.transferkit.serve.ImageClassifier}
 * is the thread-safe way to predict and evaluate.
 *
 * <p>{@link #graph()} and {@link #output} are the bundle format's interop door to Deeplearning4j, for the library's
 * serving and explaining code and for power users; the rest of the API never needs them.
 */
public final class ClassifierBundle implements AutoCloseable {
    /**
     * Newest bundle format; readers accept this and older ones. Format 2 adds the task (multi-label, regression)
     * and threshold; single-label bundles are still written as format 1, so older TransferKits keep reading them.
     */
    public static final int FORMAT_VERSION = 2;
    /** Zip entry of the JSON manifest. */
    public static final String MANIFEST = "transferkit-bundle.json";
    /** Zip entry recording the input shape the network was saved with (absent in bundles before it). */
    static final String NETWORK_INPUT = "network-input.json";
    /** Zip entry of the DL4J network. */
    public static final String NETWORK = "network.zip";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final BundleManifest manifest;
    private final ComputationGraph graph;
    private final EngineMode engine;
    private Runner runner;

    /**
     * @param manifest the metadata
     * @param graph the network; the bundle takes ownership
     */
    public ClassifierBundle(BundleManifest manifest, ComputationGraph graph) {
        this(manifest, graph, EngineMode.AUTO);
    }

    private ClassifierBundle(BundleManifest manifest, ComputationGraph graph, EngineMode engine) {
        this.manifest = manifest;
        this.graph = graph;
        this.engine = engine;
    }

    /**
     * @param task what a model predicts
     * @return the bundle format version its file is written in: 1 for single-label (so that TransferKits from before
     *     tasks existed keep reading them), {@link #FORMAT_VERSION} for the other tasks (task and threshold in the
     *     manifest)
     */
    public static int formatFor(Task task) {
        return task == Task.SINGLE_LABEL ? 1 : FORMAT_VERSION;
    }

    /** @return the metadata */
    public BundleManifest manifest() {
        return manifest;
    }

    /** @return the DL4J network (interop; owned by this bundle, valid until {@link #close()}) */
    public ComputationGraph graph() {
        return graph;
    }

    /**
     * Runs the network on a batch (interop, in ND4J arrays; {@code ImageClassifier} is the typed way): on the compiled
     * engine ({@link Engine}) when it is on and covers this
     * network (compiled on the first call; the network's weights must not change afterwards), else on DL4J.
     *
     * @param images batch x C x H x W, preprocessed as the manifest says; not modified
     * @return the network's output, batch x outputs (a new array)
     * @throws IllegalArgumentException if the images do not have the bundle's input shape
     */
    public INDArray output(INDArray images) {
        if (runner == null) {
            runner = Runner.ofOutput(graph, engine);
        }
        return runner.output(images);
    }

    /**
     * Writes the bundle. The file appears complete or not at all: it is written beside the target
     * and moved into place, so an existing file at {@code file} is only replaced by a whole new one.
     *
     * @param file where to write; parent folders are created
     * @throws TransferKitException if the file cannot be written; the message names it
     */
    public void save(Path file) throws TransferKitException {
        Path abs = file.toAbsolutePath();
        Path tmp = null;
        try {
            Files.createDirectories(abs.getParent());
            // not Files.createTempFile: that makes the file owner-only (0600), and a service account must read it
            tmp = abs.resolveSibling(abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part");
            try (OutputStream os = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    ZipOutputStream zip = new ZipOutputStream(os)) {
                zip.putNextEntry(new ZipEntry(MANIFEST));
                zip.write(JSON.writeValueAsBytes(manifest));
                zip.closeEntry();
                // the input shape again, beside the network: DL4J's graph does not record its input size, and a
                // manifest edited by hand must not make a 32x32 network read 64x64 images
                zip.putNextEntry(new ZipEntry(NETWORK_INPUT));
                zip.write(JSON.writeValueAsBytes(java.util.Map.of("input", manifest.input())));
                zip.closeEntry();
                zip.putNextEntry(new ZipEntry(NETWORK));
                ModelSerializer.writeModel(graph, new NonClosing(zip), false);
                zip.closeEntry();
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new TransferKitException("cannot write classifier bundle " + abs + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: a leftover .part file is never read as a bundle
                }
            }
        }
    }

    /**
     * Reads only the manifest of a bundle (fast: the network is not loaded).
     *
     * @param file the bundle
     * @return its manifest
     * @throws ModelFormatException if the file is missing, not a zip, truncated, not a TransferKit
     *     bundle, or of a newer format
     */
    public static BundleManifest readManifest(Path file) throws ModelFormatException {
        try (ZipFile zip = open(file)) {
            return manifest(zip, file);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read classifier bundle " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a bundle with its network.
     *
     * @param file the bundle
     * @return the loaded bundle; close it
     * @throws ModelFormatException if the file is missing, not a zip, truncated, not a TransferKit
     *     bundle, of a newer format, or its network does not load; or if the manifest holds an invalid value
     *     (shape, preprocessing, task or threshold) or disagrees with the network (input shape, or labels vs
     *     outputs): the message names the file and the two values
     */
    public static ClassifierBundle load(Path file) throws ModelFormatException {
        return load(file, RuntimeOptions.defaults());
    }

    /**
     * Loads a bundle with its network, to run with the given run-time options (engine, CPU helpers).
     *
     * @param file the bundle
     * @param options the run-time options
     * @return the loaded bundle; close it
     * @throws ModelFormatException as {@link #load(Path)}
     */
    public static ClassifierBundle load(Path file, RuntimeOptions options) throws ModelFormatException {
        try (ZipFile zip = open(file)) {
            BundleManifest m = manifest(zip, file);
            ZipEntry net = zip.getEntry(NETWORK);
            if (net == null) {
                throw new ModelFormatException(file + " is a TransferKit bundle without its network entry '"
                        + NETWORK + "' (damaged or edited by hand)");
            }
            ComputationGraph g;
            try (InputStream in = zip.getInputStream(net)) {
                g = ModelSerializer.restoreComputationGraph(in, false);
            } catch (IOException | RuntimeException e) {
                throw new ModelFormatException("network in " + file + " does not load: " + e, e);
            }
            if (g.getConfiguration().getNetworkOutputs().size() != 1) {
                throw new ModelFormatException("network in " + file + " has " + g.getConfiguration()
                        .getNetworkOutputs().size() + " outputs; a classifier has exactly 1");
            }
            try {
                ManifestCheck.againstNetwork(m, g, recordedInput(zip, file), file);
            } catch (ModelFormatException e) {
                g.close();
                throw e;
            }
            CpuHelpers.apply(g, options); // oneDNN convolutions and pooling for serving
            return new ClassifierBundle(m, g, options.engine());
        } catch (IOException e) {
            throw new ModelFormatException("cannot read classifier bundle " + file + ": " + e.getMessage(), e);
        }
    }

    /** @return the input shape recorded beside the network, or null in bundles written before it was */
    private static int[] recordedInput(ZipFile zip, Path file) throws ModelFormatException {
        ZipEntry e = zip.getEntry(NETWORK_INPUT);
        if (e == null) {
            return null;
        }
        try (InputStream in = zip.getInputStream(e)) {
            int[] shape = JSON.treeToValue(JSON.readTree(in).get("input"), int[].class);
            if (shape == null || shape.length != 3) {
                throw new IOException("no [c, h, w] array 'input'");
            }
            return shape;
        } catch (IOException | RuntimeException ex) {
            throw new ModelFormatException("entry " + NETWORK_INPUT + " of " + file.toAbsolutePath() + " is damaged: "
                    + ex.getMessage(), ex);
        }
    }

    private static ZipFile open(Path file) throws ModelFormatException {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException("classifier file " + file.toAbsolutePath() + " does not exist");
        }
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new ModelFormatException(file.toAbsolutePath() + " is not a TransferKit classifier bundle: not a "
                    + "zip file, or truncated (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new ModelFormatException("cannot open " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private static BundleManifest manifest(ZipFile zip, Path file) throws IOException, ModelFormatException {
        ZipEntry e = zip.getEntry(MANIFEST);
        if (e == null) {
            List<String> names = new ArrayList<>();
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements() && names.size() < 5) {
                names.add(en.nextElement().getName());
            }
            throw new ModelFormatException(file.toAbsolutePath() + " is a zip but not a TransferKit classifier bundle "
                    + "(no '" + MANIFEST + "' entry; entries start " + names + ")");
        }
        BundleManifest m;
        try (InputStream in = zip.getInputStream(e)) {
            m = JSON.readValue(in, BundleManifest.class);
        } catch (IOException ex) {
            throw new ModelFormatException("manifest of " + file.toAbsolutePath() + " is not valid JSON: "
                    + ex.getMessage(), ex);
        }
        if (m.formatVersion() < 1 || m.formatVersion() > FORMAT_VERSION) {
            throw new ModelFormatException(file.toAbsolutePath() + " has bundle format " + m.formatVersion()
                    + "; this TransferKit reads formats 1 to " + FORMAT_VERSION + " (a newer TransferKit wrote it)");
        }
        Task task;
        try {
            task = m.taskType();
        } catch (IllegalArgumentException ex) {
            throw new ModelFormatException("manifest of " + file.toAbsolutePath() + ": " + ex.getMessage(), ex);
        }
        int minLabels = task.minOutputs();
        if (m.labels() == null || m.labels().size() < minLabels || m.input() == null || m.input().length != 3
                || m.preprocessing() == null) {
            throw new ModelFormatException("manifest of " + file.toAbsolutePath()
                    + " lacks labels (>= " + minLabels + "), input [c, h, w] or preprocessing");
        }
        ManifestCheck.values(m, file);
        return m;
    }

    /** Releases the network's native memory. Idempotent. */
    @Override
    public void close() {
        if (runner != null) {
            runner.close();
        }
        graph.close();
    }

    /** Lets ModelSerializer write into a zip entry without closing the zip. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
