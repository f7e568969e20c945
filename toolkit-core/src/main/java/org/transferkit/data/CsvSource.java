package org.transferkit.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.transferkit.DatasetException;
import org.transferkit.task.Task;

/**
 * A CSV manifest as an {@link ImageSource}: single-label through {@link CsvManifest}, multi-label and regression
 * through {@link TargetManifest}; every row, whatever its split column says. Rows outside the CSV's folder are
 * skipped unless allowed. Immutable; reads the file on each call.
 */
final class CsvSource implements ImageSource {
    private final Path csv;
    private final Task task;
    private final boolean allowOutside;

    CsvSource(Path csv, Task task, boolean allowOutside) {
        this.csv = Objects.requireNonNull(csv, "csv");
        this.task = Objects.requireNonNull(task, "task");
        this.allowOutside = allowOutside;
    }

    @Override
    public ImageListing list() throws DatasetException {
        return ImageListing.of(dataset(null));
    }

    /**
     * @throws DatasetException if the CSV cannot be read or is malformed, or a row names a label outside
     *     {@code names} (the message names the line)
     */
    @Override
    public ImageDataset dataset(List<String> names) throws DatasetException {
        return task == Task.SINGLE_LABEL ? CsvManifest.read(csv, allowOutside).dataset(null, names)
                : TargetManifest.read(csv, task, allowOutside).dataset(null, names);
    }

    @Override
    public String toString() {
        return "CSV " + csv + " (" + task.id() + (allowOutside ? ", paths outside its folder allowed" : "") + ")";
    }
}
