package org.transferkit.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.transferkit.TransferKitException;

/** JSON output of the command line. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static void write(Path file, Object value) throws TransferKitException {
        try {
            Path abs = file.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            MAPPER.writeValue(abs.toFile(), value);
        } catch (IOException e) {
            throw new TransferKitException("cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }
}
