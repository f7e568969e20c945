package org.transferkit.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.transferkit.WeightsException;

/**
 * Finds a weights file offline, in this order: an explicit file; the project's {@code models/} folder
 * (relative to the working directory); the weights cache ({@code ~/.transferkit/weights}, overridden
 * by the system property {@value #CACHE_PROPERTY} or the environment variable {@value #CACHE_ENV}).
 * Stateless.
 */
public final class WeightsLocator {
    /** System property naming the weights cache folder. */
    public static final String CACHE_PROPERTY = "transferkit.weights.dir";
    /** Environment variable naming the weights cache folder. */
    public static final String CACHE_ENV = "TRANSFERKIT_WEIGHTS_DIR";

    private WeightsLocator() {
    }

    /** @return the weights cache folder */
    public static Path cacheDir() {
        String p = System.getProperty(CACHE_PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(CACHE_ENV);
        }
        return p == null || p.isBlank() ? Path.of(System.getProperty("user.home"), ".transferkit", "weights") : Path.of(p);
    }

    /** @return the places looked at for {@code fileName}, in order (the explicit file first if given) */
    static List<Path> candidates(Path explicit, String fileName, Path... extraDirs) {
        List<Path> c = new ArrayList<>();
        if (explicit != null) {
            c.add(explicit);
        } else {
            c.add(Path.of("models").resolve(fileName));
            c.add(cacheDir().resolve(fileName));
            for (Path d : extraDirs) {
                c.add(d.resolve(fileName));
            }
        }
        return c;
    }

    /**
     * @param explicit a file the user named, or null
     * @param fileName the weights file's usual name
     * @param extraDirs further folders to look in after the cache (e.g. DL4J's own download folder)
     * @return the first existing candidate, or null
     */
    public static Path find(Path explicit, String fileName, Path... extraDirs) {
        for (Path p : candidates(explicit, fileName, extraDirs)) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param explicit a file the user named, or null
     * @param fileName the weights file's usual name
     * @param backbone the backbone's name, for the message
     * @param source where a user can get the file by hand
     * @param extraDirs further folders to look in after the cache
     * @return the file
     * @throws WeightsException if it is nowhere; the message lists every place looked and what to do
     */
    public static Path require(Path explicit, String fileName, String backbone, String source, Path... extraDirs)
            throws WeightsException {
        Path found = find(explicit, fileName, extraDirs);
        if (found != null) {
            return found;
        }
        StringBuilder sb = new StringBuilder("weights for backbone '").append(backbone).append("' not found; looked at:");
        for (Path p : candidates(explicit, fileName, extraDirs)) {
            sb.append("\n  ").append(p.toAbsolutePath());
        }
        sb.append("\nGet ").append(fileName).append(" from ").append(source).append(" and pass it with --weights FILE, or put it in ")
                .append(cacheDir().toAbsolutePath()).append(" (or set ").append(CACHE_ENV).append("), or run: transferkit models fetch ").append(backbone).append('.');
        throw new WeightsException(sb.toString());
    }
}
