package org.transferkit.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.transferkit.DatasetException;

import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;
/**
 * Labelled image files with their class names. Immutable and thread-safe; nothing is decoded here
 * (files that do not decode are found and reported by the {@link ImagePipeline}).
 *
 * <p>A folder-per-class dataset has one sub-folder per class, named by its label, holding the images
 * of that class. Files a source cannot use (see {@link #unusableReason}) are not used and are listed
 * in {@link #skipped()}, which the image pipeline, training and evaluation carry on into their reports.
 */
public final class ImageDataset {
    /** File name endings (lower case) taken as images. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "gif", "bmp", "wbmp");

    private final Task task;
    private final List<String> labels;
    private final List<LabelledImage> images;
    private final List<SkippedFile> skipped;

    /**
     * A single-label dataset.
     *
     * @param labels class names; index i is label i
     * @param images the labelled files
     * @param skipped files seen but not used, with reasons
     * @throws IllegalArgumentException if an image's label is out of range
     */
    public ImageDataset(List<String> labels, List<LabelledImage> images, List<SkippedFile> skipped) {
        this(Task.SINGLE_LABEL, labels, images, skipped);
    }

    /**
     * A dataset of any task.
     *
     * @param task what the images are labelled with
     * @param labels class names (single-label), label names (multi-label) or target names (regression)
     * @param images the labelled files; for multi-label and regression each carries a target vector of
     *     {@code labels.size()} values
     * @param skipped files seen but not used, with reasons
     * @throws IllegalArgumentException if a single-label image's label is out of range, a multi-label or
     *     regression image has no target or one of the wrong length, or there are no labels
     */
    public ImageDataset(Task task, List<String> labels, List<LabelledImage> images, List<SkippedFile> skipped) {
        this.task = java.util.Objects.requireNonNull(task, "task");
        this.labels = List.copyOf(labels);
        this.images = List.copyOf(images);
        this.skipped = List.copyOf(skipped);
        if (this.labels.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one label or target name");
        }
        for (LabelledImage img : this.images) {
            if (task == Task.SINGLE_LABEL && img.label() >= this.labels.size()) {
                throw new IllegalArgumentException("label index " + img.label() + " of " + img.path()
                        + " is out of range; the dataset has " + this.labels.size() + " labels " + this.labels);
            }
            if (task != Task.SINGLE_LABEL) {
                img.targetRow(this.labels.size()); // checks the length
                if (img.target() == null) {
                    throw new IllegalArgumentException(img.path() + " has no target vector; a " + task.id()
                            + " dataset needs one per image");
                }
            }
        }
    }

    /**
     * Scans a folder-per-class directory; class names are the sub-folder names in sorted order.
     *
     * @param dir the dataset root
     * @return the dataset
     * @throws DatasetException if {@code dir} is not a readable directory or holds no class folder
     */
    public static ImageDataset fromFolder(Path dir) throws DatasetException {
        return fromFolder(dir, null);
    }

    /**
     * Scans a folder-per-class directory against a fixed label list (so that validation and test
     * folders index their classes the same way as the training folder).
     *
     * @param dir the dataset root
     * @param labels the label list to use, or null to take the sorted sub-folder names
     * @return the dataset
     * @throws DatasetException if {@code dir} is not a readable directory, holds no class folder, or
     *     holds a class folder whose name is not in {@code labels}
     */
    public static ImageDataset fromFolder(Path dir, List<String> labels) throws DatasetException {
        return ImageSource.folder(dir).dataset(labels);
    }

    /**
     * A dataset from files given in code, e.g. by a service.
     *
     * @param filesByLabel class name to its image files; classes are indexed in the map's iteration
     *     order (use a {@link java.util.LinkedHashMap} or {@link java.util.TreeMap} to fix it)
     * @return the dataset; files with a non-image name are listed as skipped
     * @throws IllegalArgumentException if the map is empty or a class name is blank
     */
    public static ImageDataset of(Map<String, List<Path>> filesByLabel) {
        if (filesByLabel.isEmpty()) {
            throw new IllegalArgumentException("no classes given; expected class name -> image files");
        }
        ImageListing.Builder b = ImageSource.builder();
        for (Map.Entry<String, List<Path>> e : filesByLabel.entrySet()) {
            b.label(e.getKey());
            e.getValue().forEach(f -> b.add(f, e.getKey()));
        }
        return b.build().dataset();
    }

    /**
     * A dataset from decoded images held in memory: each is written once as a lossless PNG under
     * {@code dir/<class>/}, so that training streams them with bounded memory like any folder.
     *
     * @param imagesByLabel class name to its images (in the map's iteration order)
     * @param dir a folder to write them to (created; files there with the same names are replaced)
     * @return the dataset
     * @throws DatasetException if a file cannot be written
     * @throws IllegalArgumentException if the map is empty or a class name is blank or not a valid
     *     folder name
     */
    public static ImageDataset ofImages(Map<String, List<java.awt.image.BufferedImage>> imagesByLabel, Path dir)
            throws DatasetException {
        Map<String, List<Path>> files = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, List<java.awt.image.BufferedImage>> e : imagesByLabel.entrySet()) {
            String cls = e.getKey();
            if (cls == null || cls.isBlank() || cls.contains("/") || cls.contains("\\") || cls.startsWith(".")) {
                throw new IllegalArgumentException("class name '" + cls + "' cannot be a folder name");
            }
            List<Path> paths = new ArrayList<>();
            try {
                Path cd = Files.createDirectories(dir.resolve(cls));
                int i = 0;
                for (java.awt.image.BufferedImage img : e.getValue()) {
                    Path f = cd.resolve(String.format(Locale.ROOT, "%06d.png", i++));
                    javax.imageio.ImageIO.write(img, "png", f.toFile());
                    paths.add(f);
                }
            } catch (IOException ex) {
                throw new DatasetException("cannot write images of class '" + cls + "' under " + dir.toAbsolutePath()
                        + ": " + ex.getMessage(), ex);
            }
            files.put(cls, paths);
        }
        return of(files);
    }

    /** @param f a file @return true if its name ends in one of {@link #IMAGE_EXTENSIONS} */
    public static boolean isImageName(Path f) {
        return IMAGE_EXTENSIONS.contains(extension(f));
    }

    /**
     * Why a file a source found cannot be listed as an image, judged from its name and the file system only (the
     * {@link ImagePipeline} reports the files that then do not decode whole). Every source gives these reasons.
     *
     * @param f a file
     * @return null if its name is an image name and it is a readable regular file; else the reason: not an image
     *     file name (naming the extension and the allowed ones), a dangling symbolic link (naming its target), file
     *     not found, not a regular file, or not readable
     */
    public static String unusableReason(Path f) {
        if (!isImageName(f)) {
            String ext = extension(f);
            return "not an image file name (" + (ext.isEmpty() ? "no extension" : "extension '" + ext + "'")
                    + "; allowed " + IMAGE_EXTENSIONS.stream().sorted().toList() + ")";
        }
        return fileProblem(f);
    }

    /**
     * @param f a file
     * @return null if it is a readable regular file; else why not: a dangling symbolic link (naming its target),
     *     file not found, not a regular file, or not readable
     */
    static String fileProblem(Path f) {
        if (Files.isSymbolicLink(f) && !Files.exists(f)) {
            String target;
            try {
                target = Files.readSymbolicLink(f).toString();
            } catch (IOException | UnsupportedOperationException e) {
                target = "?";
            }
            return "dangling symbolic link (its target " + target + " does not exist)";
        }
        if (!Files.exists(f)) {
            return "file not found";
        }
        if (!Files.isRegularFile(f)) {
            return "not a regular file";
        }
        return Files.isReadable(f) ? null : "not readable (permissions)";
    }

    /**
     * Reads a dataset from a folder of class sub-folders or from a CSV manifest ({@code *.csv}, see
     * {@link CsvManifest}; every row is taken, whatever its split column says).
     *
     * @param source a directory or a {@code .csv} file
     * @param labels the label list to index against, or null to take the source's own (sorted)
     * @return the dataset
     * @throws DatasetException if the source cannot be read or names classes outside {@code labels}
     */
    public static ImageDataset from(Path source, List<String> labels) throws DatasetException {
        return ImageSource.at(source, Task.SINGLE_LABEL).dataset(labels);
    }

    /**
     * Reads a dataset of any task: single-label from a folder or CSV ({@link #from(Path, List)}), multi-label and
     * regression from a CSV ({@link TargetManifest}; every row is taken, whatever its split column says).
     *
     * @param source a directory or a {@code .csv} file
     * @param names the label or target names to index against (a training set's), or null for the source's own
     * @param task what the images are labelled with
     * @return the dataset
     * @throws DatasetException if the source cannot be read, names labels outside {@code names}, or is a folder
     *     for a multi-label or regression task
     */
    public static ImageDataset from(Path source, List<String> names, Task task) throws DatasetException {
        return ImageSource.at(source, task).dataset(names);
    }

    /** @param source a path @return true if it names a CSV manifest */
    public static boolean isCsv(Path source) {
        return source.getFileName() != null && source.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    static String extension(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** @return class names; index i is label i */
    public List<String> labels() {
        return labels;
    }

    /** @return the labelled files */
    public List<LabelledImage> images() {
        return images;
    }

    /** @return files seen while scanning but not used, with reasons */
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /** @return number of labelled files */
    public int size() {
        return images.size();
    }

    /** @return what the images are labelled with */
    public Task task() {
        return task;
    }

    /**
     * @return per label: images of that class (single-label), images that have that label (multi-label),
     *     or images with that target (regression: every image)
     */
    public int[] classCounts() {
        int[] counts = new int[labels.size()];
        for (LabelledImage i : images) {
            if (task == Task.SINGLE_LABEL) {
                counts[i.label()]++;
            } else {
                float[] t = i.target();
                for (int c = 0; c < counts.length; c++) {
                    counts[c] += task == Task.REGRESSION || t[c] > 0.5f ? 1 : 0;
                }
            }
        }
        return counts;
    }

    /**
     * @param subset images of this dataset
     * @return a dataset with the same task and labels and the given images (skipped files are not carried over)
     */
    public ImageDataset withImages(List<LabelledImage> subset) {
        return new ImageDataset(task, labels, subset, Collections.emptyList());
    }

    @Override
    public String toString() {
        return "ImageDataset[" + task.id() + ", " + images.size() + " images, labels " + labels + "]";
    }
}
