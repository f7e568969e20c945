package org.transferkit.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.transferkit.DatasetException;

import org.transferkit.model.SkippedFile;
/**
 * A CSV manifest of labelled images: rows {@code path,label[,split]}, paths relative to the CSV's
 * folder (or absolute), an optional header row {@code path,label[,split]}, fields quoted with
 * {@code "} where they hold commas or quotes, {@code split} one of {@code train}, {@code val},
 * {@code test}. Immutable.
 *
 * <p>A row whose path lies outside the CSV's folder ({@code ../x.jpg}, or an absolute path elsewhere) is skipped
 * and listed with the reason unless {@code allowOutside} is set (the CLI's {@code --allow-outside-paths}): a
 * manifest then cannot reach files its author did not put beside it. Whether a path is outside is decided on the
 * path as written, {@code ..} resolved; symbolic links inside the folder are followed wherever they point.
 *
 * @param file the CSV
 * @param rows its rows, in order
 * @param allowOutside whether rows may name files outside the CSV's folder
 */
public record CsvManifest(Path file, List<Row> rows, boolean allowOutside) {
    /** Allowed values of the split column. */
    public static final List<String> SPLITS = List.of("train", "val", "test");

    /** The command-line flag that lets a CSV name files outside its folder, for messages. */
    public static final String ALLOW_OUTSIDE_FLAG = "--allow-outside-paths";

    /**
     * A manifest whose rows must lie inside the CSV's folder.
     *
     * @param file the CSV
     * @param rows its rows
     */
    public CsvManifest(Path file, List<Row> rows) {
        this(file, rows, false);
    }

    /**
     * One row.
     *
     * @param line 1-based line number in the CSV
     * @param path the image, resolved against the CSV's folder
     * @param label the class name
     * @param split train, val or test; null when the row has none
     */
    public record Row(int line, Path path, String label, String split) {
    }

    /**
     * Reads a manifest whose rows must lie inside the CSV's folder (others are skipped).
     *
     * @param csv the CSV file (UTF-8, with or without a byte-order mark)
     * @return the manifest
     * @throws DatasetException if the file cannot be read, a row has fewer than 2 fields or an empty
     *     label, a split value is not one of {@link #SPLITS}, or it has no rows; the message names the line
     */
    public static CsvManifest read(Path csv) throws DatasetException {
        return read(csv, false);
    }

    /**
     * Reads a manifest.
     *
     * @param csv the CSV file (UTF-8, with or without a byte-order mark)
     * @param allowOutside whether rows may name files outside the CSV's folder (else they are skipped)
     * @return the manifest
     * @throws DatasetException as {@link #read(Path)}
     */
    public static CsvManifest read(Path csv, boolean allowOutside) throws DatasetException {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(csv, StandardCharsets.UTF_8));
            if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
                lines.set(0, lines.get(0).substring(1)); // a byte-order mark (Excel writes one) is not data
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read CSV manifest " + csv.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        Path base = folder(csv);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> f = fields(line);
            if (rows.isEmpty() && f.get(0).equalsIgnoreCase("path") && f.size() > 1 && f.get(1).equalsIgnoreCase("label")) {
                continue; // header
            }
            String where = csv + " line " + (i + 1);
            if (f.size() < 2 || f.get(0).isEmpty() || f.get(1).isEmpty()) {
                throw new DatasetException(where + ": expected 'path,label[,split]', got '" + line + "'");
            }
            String split = f.size() > 2 && !f.get(2).isEmpty() ? f.get(2).toLowerCase(Locale.ROOT) : null;
            if (split != null && !SPLITS.contains(split)) {
                throw new DatasetException(where + ": split '" + f.get(2) + "' is not one of " + SPLITS);
            }
            rows.add(new Row(i + 1, base.resolve(f.get(0)).normalize(), f.get(1), split));
        }
        if (rows.isEmpty()) {
            throw new DatasetException("CSV manifest " + csv.toAbsolutePath() + " has no rows; expected 'path,label[,split]'");
        }
        return new CsvManifest(csv, List.copyOf(rows), allowOutside);
    }

    /** @return true if every row names its split */
    public boolean hasSplits() {
        return rows.stream().allMatch(r -> r.split() != null);
    }

    /** @return the class names, sorted */
    public List<String> labels() {
        Set<String> s = new TreeSet<>();
        rows.forEach(r -> s.add(r.label()));
        return List.copyOf(s);
    }

    /**
     * @param split one of {@link #SPLITS}, or null for every row
     * @param labels the label list to index against, or null for {@link #labels()}
     * @return the rows of that split as a dataset; rows whose file is missing, not an image name, or outside the
     *     CSV's folder (unless allowed) are skipped with the reason and the line
     * @throws DatasetException if a row's label is not in {@code labels}
     */
    public ImageDataset dataset(String split, List<String> labels) throws DatasetException {
        List<String> use = labels == null ? labels() : labels;
        List<LabelledImage> images = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        for (Row r : rows) {
            if (split != null && !split.equals(r.split())) {
                continue;
            }
            int label = use.indexOf(r.label());
            if (label < 0) {
                throw new DatasetException(file + " line " + r.line() + ": label '" + r.label()
                        + "' is not one of the classes " + use);
            }
            String why = rowProblem(file, r.path(), r.line(), allowOutside);
            if (why != null) {
                skipped.add(new SkippedFile(r.path(), why));
            } else {
                images.add(new LabelledImage(r.path(), label));
            }
        }
        return new ImageDataset(use, images, skipped);
    }

    /** @return the folder a CSV's relative paths start from, absolute and normalized */
    static Path folder(Path csv) {
        return csv.toAbsolutePath().normalize().getParent();
    }

    /**
     * Why a row's file is not used (shared with {@link TargetManifest}).
     *
     * @param csv the CSV
     * @param file the row's file, resolved against {@link #folder}
     * @param line the row's line
     * @param allowOutside whether the file may lie outside the CSV's folder
     * @return the reason, naming the CSV and line; null if the file is used
     */
    static String rowProblem(Path csv, Path file, int line, boolean allowOutside) {
        String at = " (" + csv.getFileName() + " line " + line + ")";
        Path folder = folder(csv);
        if (!allowOutside && !file.startsWith(folder)) {
            return "outside the CSV's folder " + folder + at + "; " + ALLOW_OUTSIDE_FLAG
                    + " (library: allowOutside) lets a CSV name it";
        }
        String why = ImageDataset.unusableReason(file);
        return why == null ? null : why + at;
    }

    /** Splits one CSV line into fields, honouring double quotes. */
    static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    sb.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    sb.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(sb.toString().strip());
                sb.setLength(0);
            } else {
                sb.append(c);
            }
        }
        out.add(sb.toString().strip());
        return out;
    }
}
