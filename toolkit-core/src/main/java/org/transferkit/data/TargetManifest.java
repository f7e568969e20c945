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
import org.transferkit.task.Task;
/**
 * A CSV of images with several labels or numeric targets each (see {@link CsvManifest} for one class per
 * image). Paths are relative to the CSV's folder (or absolute); fields may be quoted with {@code "}.
 * <ul>
 *   <li>Multi-label: rows {@code path,labels[,split]}, labels separated by {@code ;} or {@code |}, empty for
 *       an image with none; an optional header {@code path,labels[,split]}. Label names are the sorted union.</li>
 *   <li>Regression: a header is required, {@code path,NAME1[,NAME2...][,split]}: every column but
 *       {@code path} and {@code split} is a numeric target named by its header.</li>
 * </ul>
 * {@code split} is one of {@code train}, {@code val}, {@code test}. A row whose path lies outside the CSV's folder is
 * skipped unless {@code allowOutside} is set, as for {@link CsvManifest}. Immutable.
 *
 * @param file the CSV
 * @param task {@link Task#MULTI_LABEL} or {@link Task#REGRESSION}
 * @param names label names (multi-label, sorted) or target names (regression, in column order)
 * @param rows the rows, in order
 * @param allowOutside whether rows may name files outside the CSV's folder
 */
public record TargetManifest(Path file, Task task, List<String> names, List<Row> rows, boolean allowOutside) {
    /**
     * A manifest whose rows must lie inside the CSV's folder.
     *
     * @param file the CSV
     * @param task {@link Task#MULTI_LABEL} or {@link Task#REGRESSION}
     * @param names label or target names
     * @param rows the rows
     */
    public TargetManifest(Path file, Task task, List<String> names, List<Row> rows) {
        this(file, task, names, rows, false);
    }

    /**
     * One row.
     *
     * @param line 1-based line number
     * @param path the image, resolved against the CSV's folder
     * @param labels the label names of a multi-label row (empty for regression)
     * @param values the targets of a regression row (empty for multi-label)
     * @param split train, val or test; null when the row has none
     */
    public record Row(int line, Path path, List<String> labels, float[] values, String split) {
    }

    /**
     * Reads a multi-label or regression CSV whose rows must lie inside its folder (others are skipped).
     *
     * @param csv the file (UTF-8, with or without a byte-order mark)
     * @param task {@link Task#MULTI_LABEL} or {@link Task#REGRESSION}
     * @return the manifest
     * @throws DatasetException if the file cannot be read, has no rows, lacks the regression header, or a row is
     *     malformed (too few fields, a value that is not a number, a bad split); the message names the line
     * @throws IllegalArgumentException if {@code task} is single-label (use {@link CsvManifest})
     */
    public static TargetManifest read(Path csv, Task task) throws DatasetException {
        return read(csv, task, false);
    }

    /**
     * Reads a multi-label or regression CSV.
     *
     * @param csv the file (UTF-8, with or without a byte-order mark)
     * @param task {@link Task#MULTI_LABEL} or {@link Task#REGRESSION}
     * @param allowOutside whether rows may name files outside the CSV's folder (else they are skipped)
     * @return the manifest
     * @throws DatasetException as {@link #read(Path, Task)}
     * @throws IllegalArgumentException if {@code task} is single-label (use {@link CsvManifest})
     */
    public static TargetManifest read(Path csv, Task task, boolean allowOutside) throws DatasetException {
        if (task == Task.SINGLE_LABEL) {
            throw new IllegalArgumentException("single-label CSVs are read by CsvManifest; TargetManifest reads "
                    + "multi-label and regression CSVs");
        }
        List<String> lines;
        try {
            lines = new ArrayList<>(Files.readAllLines(csv, StandardCharsets.UTF_8));
            if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
                lines.set(0, lines.get(0).substring(1)); // a byte-order mark (Excel writes one) is not data
            }
        } catch (IOException e) {
            throw new DatasetException("cannot read CSV " + csv.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        Path base = CsvManifest.folder(csv);
        List<String> header = null;
        int splitCol = -1;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<String> f = CsvManifest.fields(line);
            String where = csv + " line " + (i + 1);
            if (header == null && rows.isEmpty() && f.get(0).equalsIgnoreCase("path")) {
                header = f;
                splitCol = indexOfIgnoreCase(f, "split");
                continue;
            }
            if (task == Task.REGRESSION && header == null) {
                throw new DatasetException(where + ": a regression CSV starts with a header 'path,TARGET1[,TARGET2...]"
                        + "[,split]' naming its targets; got '" + line + "'");
            }
            if (f.size() < 2 || f.get(0).isEmpty()) {
                throw new DatasetException(where + ": expected " + expected(task) + ", got '" + line + "'");
            }
            int sc = splitCol >= 0 ? splitCol : (task == Task.MULTI_LABEL ? 2 : -1);
            String split = sc >= 0 && f.size() > sc && !f.get(sc).isEmpty() ? f.get(sc).toLowerCase(Locale.ROOT) : null;
            if (split != null && !CsvManifest.SPLITS.contains(split)) {
                throw new DatasetException(where + ": split '" + f.get(sc) + "' is not one of " + CsvManifest.SPLITS);
            }
            Path path = base.resolve(f.get(0)).normalize();
            if (task == Task.MULTI_LABEL) {
                List<String> labels = new ArrayList<>();
                for (String l : f.get(1).split("[;|]")) {
                    if (!l.isBlank()) {
                        labels.add(l.strip());
                    }
                }
                rows.add(new Row(i + 1, path, List.copyOf(labels), new float[0], split));
            } else {
                rows.add(new Row(i + 1, path, List.of(), values(f, header, splitCol, where), split));
            }
        }
        if (rows.isEmpty()) {
            throw new DatasetException("CSV " + csv.toAbsolutePath() + " has no rows; expected " + expected(task));
        }
        List<String> names;
        if (task == Task.MULTI_LABEL) {
            Set<String> all = new TreeSet<>();
            rows.forEach(r -> all.addAll(r.labels()));
            if (all.isEmpty()) {
                throw new DatasetException("CSV " + csv.toAbsolutePath() + " names no labels in any row");
            }
            names = List.copyOf(all);
        } else {
            names = new ArrayList<>();
            for (int c = 1; c < header.size(); c++) {
                if (c != splitCol) {
                    names.add(header.get(c));
                }
            }
        }
        return new TargetManifest(csv, task, List.copyOf(names), List.copyOf(rows), allowOutside);
    }

    private static float[] values(List<String> f, List<String> header, int splitCol, String where)
            throws DatasetException {
        int targets = header.size() - 1 - (splitCol >= 0 ? 1 : 0);
        if (targets < 1) {
            throw new DatasetException(where + ": the header names no target column; expected 'path,TARGET1[,...][,split]'");
        }
        float[] v = new float[targets];
        int k = 0;
        for (int c = 1; c < header.size(); c++) {
            if (c == splitCol) {
                continue;
            }
            String s = c < f.size() ? f.get(c) : "";
            try {
                v[k] = Float.parseFloat(s);
            } catch (NumberFormatException e) {
                throw new DatasetException(where + ": column '" + header.get(c) + "' must be a number, got '" + s + "'", e);
            }
            if (!Float.isFinite(v[k])) {
                throw new DatasetException(where + ": column '" + header.get(c) + "' must be finite, got '" + s + "'");
            }
            k++;
        }
        return v;
    }

    private static int indexOfIgnoreCase(List<String> f, String name) {
        for (int i = 0; i < f.size(); i++) {
            if (f.get(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private static String expected(Task task) {
        return task == Task.MULTI_LABEL ? "'path,label1;label2...[,split]'" : "'path,TARGET1[,TARGET2...][,split]'";
    }

    /** @return true if every row names its split */
    public boolean hasSplits() {
        return rows.stream().allMatch(r -> r.split() != null);
    }

    /**
     * @param split one of {@code train}, {@code val}, {@code test}, or null for every row
     * @param useNames the label or target names to index against (a training set's), or null for {@link #names()}
     * @return the rows of that split as a dataset; rows whose file is missing, not an image name, or outside the
     *     CSV's folder (unless allowed) are skipped and listed with the reason and the line
     * @throws DatasetException if a multi-label row names a label outside {@code useNames}, or a regression CSV
     *     has other target columns than {@code useNames}
     */
    public ImageDataset dataset(String split, List<String> useNames) throws DatasetException {
        List<String> names = useNames == null ? this.names : useNames;
        if (task == Task.REGRESSION && !names.equals(this.names)) {
            throw new DatasetException(file + " has target columns " + this.names + "; expected " + names);
        }
        List<LabelledImage> images = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        for (Row r : rows) {
            if (split != null && !split.equals(r.split())) {
                continue;
            }
            float[] target = r.values();
            int stratum = 0;
            if (task == Task.MULTI_LABEL) {
                target = new float[names.size()];
                stratum = -1;
                for (String l : r.labels()) {
                    int k = names.indexOf(l);
                    if (k < 0) {
                        throw new DatasetException(file + " line " + r.line() + ": label '" + l + "' is not one of "
                                + names);
                    }
                    target[k] = 1f;
                    stratum = stratum < 0 ? k : Math.min(stratum, k);
                }
                stratum = Math.max(stratum, 0);
            }
            String why = CsvManifest.rowProblem(file, r.path(), r.line(), allowOutside);
            if (why != null) {
                skipped.add(new SkippedFile(r.path(), why));
            } else {
                images.add(LabelledImage.withTarget(r.path(), target, stratum));
            }
        }
        return new ImageDataset(task, names, images, skipped);
    }

    /**
     * @return the split column's train, val and test parts
     * @throws DatasetException if a row has no split, or train, val or test has no usable row
     */
    public DatasetSplit split() throws DatasetException {
        if (!hasSplits()) {
            throw new DatasetException(file + ": every row needs a split column (one of " + CsvManifest.SPLITS + ")");
        }
        return DatasetSplit.checkSplitColumn(new DatasetSplit(dataset("train", null), dataset("val", null),
                dataset("test", null)), file);
    }
}
