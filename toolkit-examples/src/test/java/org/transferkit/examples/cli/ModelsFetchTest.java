package org.transferkit.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.zoo.SqueezeNetBackbone;
/** {@code models fetch} and {@code models verify} against a server on 127.0.0.1. */
class ModelsFetchTest {
    @TempDir
    Path tmp;
    HttpServer server;

    private String serve(byte[] body) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + SqueezeNetBackbone.KERAS_FILE;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aFileWithTheWrongChecksumIsRefusedAndNotLeftWhereItWouldBeTrusted() throws Exception {
        String url = serve("not the weights".getBytes());
        CliTest.Run r = CliTest.cli("models", "fetch", "squeezenet", "--url", url, "--dir", tmp.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("SHA-256 mismatch") && r.err().contains(SqueezeNetBackbone.KERAS_SHA256), r.err());
        assertFalse(Files.exists(tmp.resolve(SqueezeNetBackbone.KERAS_FILE)));
        assertEquals(2, CliTest.cli("models", "fetch", "resnet9000").code());
    }

    @Test
    void zooZipsComeFromAMirrorBaseUrlAndAreCheckedAgainstDl4jsAdler32() throws Exception {
        String url = serve("a zip that is not DL4J's darknet19".getBytes());
        String base = url.substring(0, url.lastIndexOf('/'));
        CliTest.Run r = CliTest.cli("models", "fetch", "darknet19", "--base-url", base, "--dir", tmp.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("Adler32 mismatch for darknet19_dl4j_inference.v2.zip from " + base
                + "/darknet19_dl4j_inference.v2.zip: expected 691100891"), r.err());
        assertFalse(Files.exists(tmp.resolve("darknet19_dl4j_inference.v2.zip")));
        assertTrue(Files.exists(tmp.resolve("darknet19_dl4j_inference.v2.zip.corrupt")));
        CliTest.Run bad = CliTest.cli("models", "fetch", "lenet");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("valid: squeezenet, vgg16, vgg19, resnet50, darknet19, xception, nasnet"), bad.err());
    }

    @Test
    void listAndInfoCoverTheZooWithBlocks() {
        CliTest.Run l = CliTest.cli("models", "list");
        assertEquals(0, l.code(), l.err());
        for (String n : new String[] {"vgg16 ", "vgg19 ", "resnet50 ", "resnet50-untrained", "darknet19 ", "xception ",
            "nasnet ", "inception-resnet-v1", "lenet", "simplecnn", "alexnet", "custom"}) {
            assertTrue(l.out().lines().anyMatch(line -> line.startsWith(n)), n + " in\n" + l.out());
        }
        CliTest.Run i = CliTest.cli("models", "info", "resnet50-untrained");
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("* stage5       2048x7x7"), i.out());
        assertTrue(i.out().contains("blocks, input to output") && i.out().contains("stage4       1024x14x14"), i.out());
    }

    @Tag("real-data")
    @Test
    void fetchesTheRealWeightsIntoTheCacheWhereListVerifyAndTrainFindThem() throws Exception {
        Path real = Path.of(System.getProperty("transferkit.shared", "../shared"))
                .resolve("weights/keras/" + SqueezeNetBackbone.KERAS_FILE);
        assumeTrue(Files.exists(real), "skipped: " + real + " is absent (real data lives in ../shared)");
        String url = serve(Files.readAllBytes(real));
        String old = System.getProperty(Environment.WEIGHTS_DIR_PROPERTY);
        System.setProperty(Environment.WEIGHTS_DIR_PROPERTY, tmp.resolve("cache").toString());
        try {
            CliTest.Run r = CliTest.cli("models", "fetch", "squeezenet", "--url", url);
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("100.0%"), "progress bar: " + r.err());
            assertTrue(Files.isRegularFile(tmp.resolve("cache").resolve(SqueezeNetBackbone.KERAS_FILE)));
            CliTest.Run v = CliTest.cli("models", "verify", "squeezenet");
            assertEquals(0, v.code(), v.err());
            assertTrue(v.out().contains("load into the architecture: ok"), v.out());
            CliTest.Run l = CliTest.cli("models", "list");
            assertTrue(l.out().lines().anyMatch(line -> line.startsWith("squeezenet ") && line.contains(" yes     ")),
                    l.out());
        } finally {
            if (old == null) {
                System.clearProperty(Environment.WEIGHTS_DIR_PROPERTY);
            } else {
                System.setProperty(Environment.WEIGHTS_DIR_PROPERTY, old);
            }
        }
    }
}
