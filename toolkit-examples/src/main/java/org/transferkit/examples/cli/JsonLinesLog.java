package org.transferkit.examples.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.transferkit.TransferKitException;
import org.transferkit.train.EpochStats;
import org.transferkit.train.TrainingListener;

/** Writes one JSON object per epoch to a file, flushed as it goes, so a killed run keeps its history. */
final class JsonLinesLog implements TrainingListener, AutoCloseable {
    private final Path file;
    private final BufferedWriter w;

    JsonLinesLog(Path file) throws TransferKitException {
        this.file = file;
        try {
            Files.createDirectories(file.getParent());
            this.w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TransferKitException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void onEpochEnd(EpochStats s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", s.epoch());
        m.put("learning_rate", s.learningRate());
        m.put("train_loss", s.trainLoss());
        m.put("train_accuracy", s.trainAccuracy());
        m.put("val_loss", Double.isNaN(s.valLoss()) ? null : s.valLoss());
        m.put("val_accuracy", Double.isNaN(s.valAccuracy()) ? null : s.valAccuracy());
        m.put("seconds", s.seconds());
        try {
            w.write(Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(m));
            w.newLine();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            w.close();
        } catch (IOException e) {
            // the log was flushed after every epoch; a failing close loses nothing
        }
    }
}
