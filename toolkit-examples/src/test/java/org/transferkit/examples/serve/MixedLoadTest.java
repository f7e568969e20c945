package org.transferkit.examples.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.examples.QuickStart;
import org.transferkit.examples.serve.MixedLoad.Kind;
import org.transferkit.zoo.DemoShapes;

/**
 * Issue 18: good clients, decompression bombs, truncated JPEGs and slow clients in one bounded run against the
 * service with the tiny demo classifier. The JDK deadlines are 3 s in this module's test JVM (see
 * toolkit-examples/pom.xml), so slow connections are cut off within a run of a few seconds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MixedLoadTest {
    @TempDir
    static Path tmp;
    static List<Path> images;
    static PredictionService service;

    @BeforeAll
    static void start() throws Exception {
        Path data = DemoShapes.writeDataset(tmp.resolve("shapes"), DemoShapes.Task.TARGET, 12, 5);
        Path model = QuickStart.run(data.toString(), tmp.resolve("c.zip").toString()).classifier();
        Path ring = data.resolve("ring/ring_0001.png");
        Path arrow = data.resolve("arrow/arrow_0002.png");
        images = List.of(ring, arrow, data.resolve("hexagon/hexagon_0003.png"), asJpeg(ring), asJpeg(arrow));
        service = PredictionService.serve(model, 0, 4, 50_000);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** Returns a baseline JPEG copy of a PNG, beside it. */
    static Path asJpeg(Path png) throws Exception {
        BufferedImage src = ImageIO.read(png.toFile());
        BufferedImage rgb = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.createGraphics().drawImage(src, 0, 0, null);
        Path out = tmp.resolve(png.getFileName().toString().replace(".png", ".jpg"));
        assertTrue(ImageIO.write(rgb, "jpg", out.toFile()), "a JPEG writer is installed");
        return out;
    }

    @Test
    void goodClientsKeepTheirAnswersWhileBombsTruncatedFilesAndSlowClientsRun() throws Exception {
        assertEquals(3, service.jdkTimeoutSeconds(), "the test JVM's deadline (toolkit-examples/pom.xml)");
        MixedLoad.Plan plan = new MixedLoad.Plan(2, 1, 1, 3, 6, 100_000, service.jdkTimeoutSeconds());
        MixedLoad.Result r = MixedLoad.run(service.baseUri().resolve("/predict"), images, plan);

        MixedLoad.ClassResult good = r.of(Kind.GOOD);
        assertTrue(good.requests() > 0, r.toString());
        assertEquals(Set.of(200), good.answers().keySet(), r.toString());
        assertEquals(0, good.unexpected(), r.toString());
        assertEquals(0, good.changed(), "predictions changed under the mixed load\n" + r);

        MixedLoad.ClassResult bombs = r.of(Kind.BOMB);
        assertTrue(bombs.requests() > 0, r.toString());
        assertEquals(Set.of(413), bombs.answers().keySet(), "every bomb refused from its header\n" + r);

        MixedLoad.ClassResult truncated = r.of(Kind.TRUNCATED);
        assertTrue(truncated.requests() > 0, r.toString());
        assertTrue(Set.of(200, 400).containsAll(truncated.answers().keySet()), r.toString());
        assertEquals(0, truncated.changed(), "a truncated file gets the answer it gets alone\n" + r);

        MixedLoad.ClassResult slow = r.of(Kind.SLOW);
        assertTrue(slow.requests() >= 3, "each slow client holds connections until the time limit\n" + r);
        assertEquals(0, slow.unexpected(), "every slow connection cut off within deadline + 5 s\n" + r);
        assertTrue(slow.answers().containsKey(LoadTally.CUT_OFF), r.toString());
        assertTrue(r.passed(), r.toString());

        MemorySampler.Summary memory = r.memory();
        assertTrue(memory.samples().size() >= 2, memory.toString());
        assertTrue(memory.start().heapAfterGcBytes() > 0 && memory.end().heapAfterGcBytes() > 0, memory.toString());
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertTrue(memory.start().rssBytes() > 0 && memory.peak(MemorySampler.Sample::rssBytes) > 0,
                    memory.toString());
        }
    }

    @Test
    void plansThatCannotBeMeasuredAreRefusedWithTheReason() {
        IllegalArgumentException noDeadline = assertThrows(IllegalArgumentException.class,
                () -> new MixedLoad.Plan(1, 0, 0, 1, 60, 10, -1));
        assertTrue(noDeadline.getMessage().contains("slow clients need a service deadline"), noDeadline.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MixedLoad.Plan(0, 1, 0, 0, 5, 10, 3), "no good client");
        IllegalArgumentException noJpeg = assertThrows(IllegalArgumentException.class, () -> MixedLoad.run(
                service.baseUri().resolve("/predict"), images.subList(0, 1), new MixedLoad.Plan(1, 0, 1, 0, 1, 1, 3)));
        assertTrue(noJpeg.getMessage().contains("JPEG"), noJpeg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MixedLoad.run(URI.create("http://192.0.2.1:9/predict"),
                images, new MixedLoad.Plan(1, 0, 0, 0, 1, 1, 3)), "loopback only");
    }

    /** Rounding in the last bits is the same answer; another label, order, status or a visible change is not. */
    @Test
    void answersAreTheSameUpToRoundingOnly() {
        MixedLoad.Answer alone = MixedLoad.answer(200,
                "{\"predictions\":[{\"label\":\"ant\",\"probability\":0.7312},{\"label\":\"bee\",\"probability\":0.2688}],\"millis\":3}");
        assertTrue(MixedLoad.sameAnswer(alone, MixedLoad.answer(200,
                "{\"predictions\":[{\"label\":\"ant\",\"probability\":0.7312004},{\"label\":\"bee\",\"probability\":0.2687996}],\"millis\":9}")));
        assertFalse(MixedLoad.sameAnswer(alone, MixedLoad.answer(200,
                "{\"predictions\":[{\"label\":\"ant\",\"probability\":0.7313},{\"label\":\"bee\",\"probability\":0.2687}]}")));
        assertFalse(MixedLoad.sameAnswer(alone, MixedLoad.answer(200,
                "{\"predictions\":[{\"label\":\"bee\",\"probability\":0.7312},{\"label\":\"ant\",\"probability\":0.2688}]}")));
        assertFalse(MixedLoad.sameAnswer(alone, MixedLoad.answer(200,
                "{\"predictions\":[{\"label\":\"ant\",\"probability\":0.7312}]}")));
        assertFalse(MixedLoad.sameAnswer(alone, MixedLoad.answer(400, alone.text())));
    }
}
