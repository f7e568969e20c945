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
 * @param file the CSV
 * @param rows its rows, in order
 */
public record CsvManifest(Path file, List<Row> rows) {
    /** Allowed values of the split column. */
    public static final List<String> SPLITS = List.of("train", "val", "test");

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
     * Reads a manifest.
     *
     * @param csv the CSV file (UTF-8, with or without a byte-order mark)
     * @return the manifest
     * @throws DatasetException if the file cannot be read, a row has fewer than 2 fields or an empty
     *     label, a split value is not one of {@link #SPLITS}, or it has no rows; the message names the line
     */
    public static CsvManifest read(Path csv) throws DatasetException {
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(csv, StandardCharsets.UTF_8));
            if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
                lines.set(0, lines.get(0).substring(1)); // a byte-order mark (Excel writes one) is not data
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read CSV manifest " + csv.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        Path base = csv.toAbsolutePath().getParent();
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
        return new CsvManifest(csv, List.copyOf(rows));
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
     * @return the rows of that split as a dataset; missing files and non-image names are skipped
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
            if (!Files.isRegularFile(r.path())) {
                skipped.add(new SkippedFile(r.path(), "file not found (" + file.getFileName() + " line " + r.line() + ")"));
            } else if (!ImageDataset.isImageName(r.path())) {
                skipped.add(new SkippedFile(r.path(), "not an image file name (" + file.getFileName() + " line "
                        + r.line() + ")"));
            } else {
                images.add(new LabelledImage(r.path(), label));
            }
        }
        return new ImageDataset(use, images, skipped);
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
