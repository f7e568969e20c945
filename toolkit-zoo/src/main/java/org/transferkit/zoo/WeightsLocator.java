package org.transferkit.zoo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.transferkit.WeightsException;
import org.transferkit.runtime.RuntimeOptions;

/**
 * Finds a weights file offline, in this order: an explicit file; the project's {@code models/} folder
 * (relative to the working directory); the weights folder of the {@link RuntimeOptions}
 * ({@link RuntimeOptions#weightsDir()}, by default {@code ~/.transferkit/weights}); further folders the caller
 * names. Reads no system property or environment variable. Stateless.
 */
public final class WeightsLocator {
    private WeightsLocator() {
    }

    /** @return the places looked at for {@code fileName}, in order (the explicit file first if given) */
    static List<Path> candidates(RuntimeOptions options, Path explicit, String fileName, Path... extraDirs) {
        List<Path> c = new ArrayList<>();
        if (explicit != null) {
            c.add(explicit);
        } else {
            c.add(Path.of("models").resolve(fileName));
            c.add(options.weightsDir().resolve(fileName));
            for (Path d : extraDirs) {
                c.add(d.resolve(fileName));
            }
        }
        return c;
    }

    /**
     * @param options the run-time options (the weights folder)
     * @param explicit a file the caller named, or null
     * @param fileName the weights file's usual name
     * @param extraDirs further folders to look in after the weights folder (e.g. DL4J's own download folder)
     * @return the first existing candidate, or null
     */
    public static Path find(RuntimeOptions options, Path explicit, String fileName, Path... extraDirs) {
        for (Path p : candidates(options, explicit, fileName, extraDirs)) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param options the run-time options (the weights folder)
     * @param explicit a file the caller named, or null
     * @param fileName the weights file's usual name
     * @param backbone the backbone's name, for the message
     * @param source where a user can get the file by hand
     * @param extraDirs further folders to look in after the weights folder
     * @return the file
     * @throws WeightsException if it is nowhere; the message lists every place looked and what to do
     */
    public static Path require(RuntimeOptions options, Path explicit, String fileName, String backbone, String source,
            Path... extraDirs) throws WeightsException {
        Path found = find(options, explicit, fileName, extraDirs);
        if (found != null) {
            return found;
        }
        StringBuilder sb = new StringBuilder("weights for backbone '").append(backbone).append("' not found; looked at:");
        for (Path p : candidates(options, explicit, fileName, extraDirs)) {
            sb.append("\n  ").append(p.toAbsolutePath());
        }
        sb.append("\nGet ").append(fileName).append(" from ").append(source)
                .append(" (WeightsDownloader fetches and checks it) and pass it as the weights file, or put it in the "
                        + "weights folder ").append(options.weightsDir().toAbsolutePath()).append('.');
        throw new WeightsException(sb.toString());
    }
}
