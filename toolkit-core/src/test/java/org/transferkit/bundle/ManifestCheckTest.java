package org.transferkit.bundle;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.ModelFormatException;
import org.transferkit.serve.ImageClassifier;

/**
 * Issue 18, problem 3: a manifest that disagrees with its network, or holds bad values, is refused on load with
 * a {@link ModelFormatException} naming the file and the disagreeing values. The bundles are the committed
 * two-label 3x16x16 fixture with its manifest edited in the zip.
 */
class ManifestCheckTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    /** @return the fixture saved again by this TransferKit (so it records the network's input shape) */
    Path resaved() throws Exception {
        Path out = tmp.resolve("resaved.zip");
        if (!Files.exists(out)) {
            try (ClassifierBundle b = ClassifierBundle.load(Path.of("src/test/resources/bundles/" + BundleFixture.BUNDLE))) {
                b.save(out);
            }
        }
        return out;
    }

    Path edited(String name, Consumer<ObjectNode> edit) throws Exception {
        Path src = resaved();
        Path out = tmp.resolve(name + ".zip");
        try (ZipFile in = new ZipFile(src.toFile());
                ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            Enumeration<? extends ZipEntry> en = in.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                zip.putNextEntry(new ZipEntry(e.getName()));
                try (InputStream is = in.getInputStream(e)) {
                    if (e.getName().equals(ClassifierBundle.MANIFEST)) {
                        ObjectNode m = (ObjectNode) JSON.readTree(is);
                        edit.accept(m);
                        zip.write(JSON.writeValueAsBytes(m));
                    } else {
                        is.transferTo(nonClosing(zip));
                    }
                }
                zip.closeEntry();
            }
        }
        return out;
    }

    static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void close() {
                // the zip stays open
            }
        };
    }

    void refused(String name, Consumer<ObjectNode> edit, String... mentions) throws Exception {
        Path bundle = edited(name, edit);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ImageClassifier.load(bundle).close());
        assertTrue(e.getMessage().contains(bundle.getFileName().toString()), "names the file: " + e.getMessage());
        for (String m : mentions) {
            assertTrue(e.getMessage().contains(m), "mentions '" + m + "': " + e.getMessage());
        }
    }

    @Test
    void theUneditedFixtureLoads() throws Exception {
        ImageClassifier.load(edited("same", m -> { })).close();
    }

    @Test
    void moreLabelsThanOutputs() throws Exception {
        refused("six-labels", m -> m.putArray("labels").add("a").add("b").add("c").add("d").add("e").add("f"),
                "6 labels", "2 outputs");
    }

    @Test
    void fewerLabelsThanOutputs() throws Exception {
        // the fixture has the minimum of two outputs, so one label is refused before the network is read; the
        // labels-vs-outputs check itself is symmetric (three labels on four outputs is refused like six on two)
        refused("one-label", m -> m.putArray("labels").add("a"), "lacks labels (>= 2)");
        refused("three-labels", m -> m.putArray("labels").add("a").add("b").add("c"), "3 labels", "2 outputs");
    }

    @Test
    void inputShapeOtherThanTheNetworks() throws Exception {
        refused("bigger-input", m -> m.putArray("input").add(3).add(64).add(64), "[3, 64, 64]", "[3, 16, 16]");
    }

    @Test
    void negativeShape() throws Exception {
        refused("negative-shape", m -> m.putArray("input").add(3).add(-16).add(16), "[3, -16, 16]");
    }

    @Test
    void zeroStd() throws Exception {
        refused("zero-std", m -> ((ObjectNode) m.get("preprocessing")).putArray("std").add(0.0), "std", "0.0");
    }

    @Test
    void infiniteScale() throws Exception {
        refused("infinite-scale", m -> ((ObjectNode) m.get("preprocessing")).put("scale", 1e39), "scale",
                "Infinity");
    }

    @Test
    void unknownResizeAndChannelOrderNames() throws Exception {
        refused("unknown-resize", m -> ((ObjectNode) m.get("preprocessing")).put("resize", "stretch"), "stretch");
        refused("unknown-order", m -> ((ObjectNode) m.get("preprocessing")).put("channel_order", "XYZ"), "XYZ");
        refused("unknown-task", m -> m.put("task", "segmentation"), "segmentation");
    }

    @Test
    void thresholdOutsideZeroOne() throws Exception {
        refused("threshold", m -> m.put("threshold", 1.5), "1.5", "(0, 1)");
    }
}
