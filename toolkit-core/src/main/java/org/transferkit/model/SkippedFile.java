package org.transferkit.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A file that was not used, and why. The one record of everything a run leaves out: files a source lists but cannot
 * use (not an image file name, a dangling link, a link loop, a CSV row whose file is missing or lies outside the
 * CSV's folder) and files that do not decode whole (corrupt, empty, over the pixel cap, partly decodable). Sources
 * put theirs in {@code ImageDataset.skipped()}, the image pipeline adds the decoding failures, and training,
 * evaluation, prediction and {@code metrics.json} report the same records.
 *
 * @param path the file
 * @param reason a short human-readable reason
 */
public record SkippedFile(Path path, String reason) {
    /**
     * @throws NullPointerException if either is null
     */
    public SkippedFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(reason, "reason");
    }

    /**
     * Merges lists of skipped files into one: each path once, with the first reason given for it, sorted by path.
     *
     * @param lists e.g. a training run's and an evaluation's
     * @return the merged list (immutable)
     */
    @SafeVarargs
    public static List<SkippedFile> merge(List<SkippedFile>... lists) {
        Map<Path, SkippedFile> byPath = new LinkedHashMap<>();
        for (List<SkippedFile> list : lists) {
            list.forEach(s -> byPath.putIfAbsent(s.path(), s));
        }
        List<SkippedFile> out = new ArrayList<>(byPath.values());
        out.sort((a, b) -> a.path().compareTo(b.path()));
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return path + ": " + reason;
    }
}
