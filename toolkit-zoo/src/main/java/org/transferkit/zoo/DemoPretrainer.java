package org.transferkit.zoo;

import org.transferkit.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import java.util.function.Consumer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TransferKitException;
import org.transferkit.data.ImageDecoder;
import org.transferkit.model.Preprocessing;
import org.transferkit.data.Tensors;

/**
 * The recipe of {@code models/demo-backbone.zip}: pretrains {@link DemoBackbone}'s architecture on
 * {@link DemoShapes.Task#SOURCE} images drawn in memory with fixed seeds, and writes the graph without
 * updater state. Run it with {@code ./transferkit models pretrain-demo}. Stateless.
 */
public final class DemoPretrainer {
    /** Default images per class. */
    public static final int PER_CLASS = 400;
    /** Default epochs. */
    public static final int EPOCHS = 10;
    /** Default seed. */
    public static final long SEED = 20261122L;
    /** Timestamp written on every zip entry (2020-01-01T00:00:00Z), for byte-identical output. */
    static final long FIXED_TIME = 1_577_836_800_000L;

    /**
     * What a pretraining run measured.
     *
     * @param file the written weights
     * @param sha256 their SHA-256
     * @param heldOutAccuracy accuracy on freshly drawn source-task images not trained on
     * @param seconds wall time
     */
    public record Result(Path file, String sha256, double heldOutAccuracy, double seconds) {
    }

    private DemoPretrainer() {
    }

    /**
     * Pretrains and writes the demo backbone.
     *
     * @param out destination file (replaced atomically)
     * @param perClass training images per class, >= 1
     * @param epochs epochs, >= 1
     * @param seed seed of drawing, init and shuffling
     * @param log receives one progress line per epoch
     * @return what it measured
     * @throws TransferKitException if the file cannot be written
     * @throws IllegalArgumentException if a count is < 1
     */
    public static Result run(Path out, int perClass, int epochs, long seed, Consumer<String> log) throws TransferKitException {
        if (perClass < 1 || epochs < 1) {
            throw new IllegalArgumentException("images per class and epochs must be >= 1, got " + perClass + " and "
                    + epochs);
        }
        long t0 = System.nanoTime();
        Nd4j.getRandom().setSeed(seed);
        List<String> classes = DemoShapes.Task.SOURCE.classes();
        DataSet train = draw(classes, perClass, seed);
        DataSet heldOut = draw(classes, Math.max(10, perClass / 5), seed + 1);
        ComputationGraph g = new ComputationGraph(DemoBackbone.architecture(classes.size(), seed));
        g.init();
        for (int e = 1; e <= epochs; e++) {
            DataSet shuffled = train.copy();
            shuffled.shuffle(seed + e);
            for (DataSet b : shuffled.batchBy(64)) {
                g.fit(b);
            }
            log.accept(String.format(Locale.ROOT, "pretrain epoch %d/%d  loss %.4f  held-out accuracy %.4f", e, epochs,
                    g.score(), accuracy(g, heldOut)));
        }
        double acc = accuracy(g, heldOut);
        try {
            Path abs = out.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path tmp = Files.createTempFile(abs.getParent(), abs.getFileName().toString(), ".part");
            try {
                ModelSerializer.writeModel(g, tmp.toFile(), false);
                canonicalize(tmp);
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return new Result(abs, Checksums.sha256(abs), acc, (System.nanoTime() - t0) / 1e9);
        } catch (IOException e) {
            throw new TransferKitException("cannot write demo backbone to " + out.toAbsolutePath() + ": " + e, e);
        } finally {
            g.close();
        }
    }

    /**
     * Rewrites a zip in place with every entry's timestamp fixed, so that the same content gives the
     * same bytes (ModelSerializer stamps entries with the current time).
     *
     * @param zip the zip file
     * @throws IOException if it cannot be read or written
     */
    public static void canonicalize(Path zip) throws IOException {
        Path out = Files.createTempFile(zip.toAbsolutePath().getParent(), "canonical", ".part");
        try (ZipFile in = new ZipFile(zip.toFile());
                ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            List<? extends ZipEntry> entries = Collections.list(in.entries());
            for (ZipEntry e : entries) {
                ZipEntry c = new ZipEntry(e.getName());
                c.setTime(FIXED_TIME);
                z.putNextEntry(c);
                try (InputStream is = in.getInputStream(e)) {
                    is.transferTo(z);
                }
                z.closeEntry();
            }
        } catch (IOException e) {
            Files.deleteIfExists(out);
            throw e;
        }
        Files.move(out, zip, StandardCopyOption.REPLACE_EXISTING);
    }

    private static DataSet draw(List<String> classes, int perClass, long seed) {
        int n = classes.size() * perClass;
        int size = DemoBackbone.INPUT.size();
        float[] data = new float[n * size];
        INDArray labels = Nd4j.zeros(n, classes.size());
        List<int[]> order = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            for (int i = 0; i < perClass; i++) {
                order.add(new int[] {c, i});
            }
        }
        Collections.shuffle(order, new Random(seed));
        Random[] rnd = new Random[classes.size()];
        for (int c = 0; c < rnd.length; c++) {
            rnd[c] = new Random(seed * 1_000_003L + 7919L * c);
        }
        Preprocessing pre = Preprocessing.minusOneToOne();
        for (int k = 0; k < n; k++) {
            int c = order.get(k)[0];
            ImageDecoder.toChw(DemoShapes.draw(classes.get(c), rnd[c]), DemoBackbone.INPUT, pre, data, k * size);
            labels.putScalar(k, c, 1f);
        }
        INDArray features = Tensors.nchw(data, n, DemoBackbone.INPUT);
        return new DataSet(features, labels);
    }

    private static double accuracy(ComputationGraph g, DataSet ds) {
        INDArray pred = g.outputSingle(false, ds.getFeatures()).argMax(1);
        INDArray truth = ds.getLabels().argMax(1);
        int right = 0;
        for (int i = 0; i < pred.length(); i++) {
            if (pred.getInt(i) == truth.getInt(i)) {
                right++;
            }
        }
        return right / (double) pred.length();
    }
}
