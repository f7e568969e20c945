package org.transferkit.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.transferkit.DatasetException;
import org.transferkit.task.Task;

/**
 * Where labelled images come from. A source lists its images ({@link #list()}: the label or target names, each
 * image file with its target, and the entries it could not use with the reason) and builds into an
 * {@link ImageDataset}, indexed by its own names or by a training set's ({@link #dataset(List)}).
 *
 * <p>Sources here: a folder tree with one sub-folder per class ({@link #folder(Path)}), a CSV manifest
 * ({@link #csv(Path, Task)}, see {@link CsvManifest} and {@link TargetManifest}), and images given in code
 * ({@link #builder()}, {@link #of(List, List)}; an {@link ImageListing} is itself a source). A new source is one
 * class implementing {@link #list()}:
 *
 * <pre>{@code
 * final class PairsSource implements ImageSource {
 *     public ImageListing list() {
 *         ImageListing.Builder b = ImageListing.builder();
 *         for (String[] pair : pairs) {
 *             b.add(Path.of(pair[0]), pair[1]);   // path, class name; a non-image name is listed as skipped
 *         }
 *         return b.build();
 *     }
 * }
 * ImageDataset data = new PairsSource().dataset();
 * }</pre>
 *
 * Entries are image files, which the {@link ImagePipeline} decodes and streams; a source of images held
 * elsewhere (a blob store, a DataVec record reader) writes or links them to files, as
 * {@link ImageDataset#ofImages} does. Implementations are immutable and thread-safe; each call of
 * {@link #list()} reads the source anew.
 */
public interface ImageSource {
    /**
     * Reads the source.
     *
     * @return its names, images indexed against them, and the entries it could not use
     * @throws DatasetException if the source cannot be read or is malformed
     */
    ImageListing list() throws DatasetException;

    /**
     * @return the dataset of the source's own names
     * @throws DatasetException if the source cannot be read or is malformed
     */
    default ImageDataset dataset() throws DatasetException {
        return dataset(null);
    }

    /**
     * Builds the dataset indexed by given names, so that validation and test data index their classes the same
     * way as the training data.
     *
     * @param names the label or target names to index against (a training set's), or null for the source's own
     * @return the dataset
     * @throws DatasetException if the source cannot be read or names a label outside {@code names}
     */
    default ImageDataset dataset(List<String> names) throws DatasetException {
        return list().toDataset(names);
    }

    /**
     * @param dir a folder with one sub-folder per class, named by its label (sorted names index the classes;
     *     hidden folders are ignored, symbolic links followed)
     * @return the source; files whose name is not an image name, dangling links, unreadable files and link loops
     *     are skipped with the reason
     */
    static ImageSource folder(Path dir) {
        return new FolderSource(dir);
    }

    /**
     * @param csv a CSV manifest: {@code path,label[,split]} for single-label ({@link CsvManifest}), or a
     *     multi-label or regression CSV ({@link TargetManifest}); every row is taken, whatever its split says
     * @param task what its images are labelled with
     * @return the source; rows whose file is missing, not an image name, or outside the CSV's folder are skipped
     *     with the reason
     */
    static ImageSource csv(Path csv, Task task) {
        return csv(csv, task, false);
    }

    /**
     * @param csv a CSV manifest, as {@link #csv(Path, Task)}
     * @param task what its images are labelled with
     * @param allowOutside whether rows may name files outside the CSV's folder ({@code ../x.jpg}, absolute paths
     *     elsewhere); when false they are skipped with the reason
     * @return the source
     */
    static ImageSource csv(Path csv, Task task, boolean allowOutside) {
        return new CsvSource(csv, task, allowOutside);
    }

    /**
     * The source a path names: a CSV manifest ({@code *.csv}) or a folder of class sub-folders.
     *
     * @param path a directory or a {@code .csv} file
     * @param task what its images are labelled with
     * @return the source
     * @throws DatasetException if it is a folder and the task multi-label or regression (those are read from a CSV)
     */
    static ImageSource at(Path path, Task task) throws DatasetException {
        return at(path, task, false);
    }

    /**
     * As {@link #at(Path, Task)}, saying whether a CSV may name files outside its folder.
     *
     * @param path a directory or a {@code .csv} file
     * @param task what its images are labelled with
     * @param allowOutside for a CSV: whether rows may name files outside its folder (see {@link #csv(Path, Task,
     *     boolean)}); ignored for a folder
     * @return the source
     * @throws DatasetException as {@link #at(Path, Task)}
     */
    static ImageSource at(Path path, Task task, boolean allowOutside) throws DatasetException {
        Objects.requireNonNull(task, "task");
        if (ImageDataset.isCsv(path)) {
            return csv(path, task, allowOutside);
        }
        if (task != Task.SINGLE_LABEL) {
            throw new DatasetException(task.id() + " data is read from a CSV file, got " + path.toAbsolutePath()
                    + "; see TargetManifest for the format");
        }
        return folder(path);
    }

    /**
     * Single-label images given in code.
     *
     * @param labels class names; index i is label i
     * @param images files with their label index
     * @return the source
     * @throws IllegalArgumentException if an image's label is out of range
     */
    static ImageSource of(List<String> labels, List<LabelledImage> images) {
        return new ImageListing(Task.SINGLE_LABEL, labels, images, List.of());
    }

    /**
     * @return a builder of single-label images given in code as (path, class name) pairs
     */
    static ImageListing.Builder builder() {
        return ImageListing.builder();
    }
}
