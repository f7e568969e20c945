package org.transferkit.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Versions of the software that made a model: TransferKit, DL4J, Java and the OS. Stateless. */
public final class Provenance {
    private Provenance() {
    }

    /** @return {@code toolkit}, {@code dl4j}, {@code java}, {@code os} as an ordered map */
    public static Map<String, String> versions() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/org/transferkit/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // the versions file is part of the jar; without it the versions read "unknown"
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("toolkit", p.getProperty("toolkit", "unknown"));
        m.put("dl4j", p.getProperty("dl4j", "unknown"));
        m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return m;
    }
}
