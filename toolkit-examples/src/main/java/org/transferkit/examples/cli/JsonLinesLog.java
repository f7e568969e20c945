package org.transferkit.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.transferkit.TransferKitException;
import org.transferkit.model.EpochStats;
import org.transferkit.train.TrainingListener;

/**
 * Writes one JSON object per epoch to a file, flushed as it goes, so a killed run keeps its history.
 * The first line a run writes first drops any lines already there for that epoch or later, so a
 * resumed run (whatever instant the kill hit) ends with every epoch exactly once.
 */
final class JsonLinesLog implements TrainingListener, AutoCloseable {
    private final Path file;
    private BufferedWriter w;

    JsonLinesLog(Path file, boolean keepEarlierEpochs) throws TransferKitException {
        this.file = file;
        try {
            Files.createDirectories(file.getParent());
            if (!keepEarlierEpochs) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new TransferKitException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(EpochStats s) {
        Map<String, Object> m = s.toMap();
        try {
            if (w == null) {
                open(s.epoch());
            }
            w.write(Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(m));
            w.newLine();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private void open(int firstEpoch) throws IOException {
        List<String> keep = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = Json.MAPPER.readTree(line);
                    if (n.path("epoch").asInt(Integer.MAX_VALUE) < firstEpoch) {
                        keep.add(line);
                    }
                } catch (IOException e) {
                    // a line cut by the kill: dropped
                }
            }
        }
        Files.write(file, keep, StandardCharsets.UTF_8);
        w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    @Override
    public void close() {
        if (w != null) {
            try {
                w.close();
            } catch (IOException e) {
                // the log was flushed after every epoch; a failing close loses nothing
            }
        }
    }
}
