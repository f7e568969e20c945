package org.transferkit.datavec;

import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.datavec.api.io.filters.PathFilter;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.Writable;
import org.transferkit.DatasetException;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageListing;
import org.transferkit.data.ImageSource;

/**
 * A DataVec {@link InputSplit} labelled by a {@link PathLabelGenerator}, as a TransferKit {@link ImageSource}: the
 * same split and label generator a DataVec {@code ImageRecordReader} is given ({@code new ImageRecordReader(h, w,
 * c, labelMaker)}, {@code reader.initialize(split)}) list the same files under the same labels here.
 *
 * <p>Class names are the generator's labels, sorted (as {@code ImageRecordReader} indexes them). Images are listed
 * in path order, whatever order the split holds them in. A location that is not a local file, one the generator
 * cannot label, one that is not readable or a dangling link, or one whose name is not an image name is skipped with
 * the reason ({@link ImageDataset#unusableReason}, as for a folder);
 * TransferKit's decoder reads the rest, so a file that does not decode is skipped and reported by name during
 * training, evaluation and prediction instead of stopping an epoch, and preprocessing comes from the backbone.
 *
 * <p>A {@link PathFilter} (for example DataVec's {@code BalancedPathFilter}) is honoured either through the split
 * ({@code fileSplit.sample(filter, 80, 20)}, whose halves are fixed) or given here, where it filters the split's
 * locations on each {@link #list()}; a filter drawing from its own {@code Random} may then pick differently on each
 * call. Immutable if the split and generator are; each call of {@link #list()} reads the split anew.
 */
public final class DataVecSource implements ImageSource {
    private final InputSplit split;
    private final PathLabelGenerator labels;
    private final PathFilter filter;

    private DataVecSource(InputSplit split, PathLabelGenerator labels, PathFilter filter) {
        this.split = Objects.requireNonNull(split, "split");
        this.labels = Objects.requireNonNull(labels, "labels");
        this.filter = filter;
    }

    /**
     * @param split the files, e.g. {@code new FileSplit(dir)} or one half of {@code fileSplit.sample(filter, 80, 20)}
     * @param labels labels each file by its path, e.g. {@code new ParentPathLabelGenerator()}
     * @return the source
     */
    public static DataVecSource of(InputSplit split, PathLabelGenerator labels) {
        return new DataVecSource(split, labels, null);
    }

    /**
     * @param split the files
     * @param labels labels each file by its path
     * @param filter picks the split's locations to use (e.g. a {@code BalancedPathFilter}), applied on each
     *     {@link #list()}
     * @return the source
     */
    public static DataVecSource of(InputSplit split, PathLabelGenerator labels, PathFilter filter) {
        return new DataVecSource(split, labels, Objects.requireNonNull(filter, "filter"));
    }

    /**
     * @throws DatasetException if the split cannot list its locations, or no location could be labelled
     */
    @Override
    public ImageListing list() throws DatasetException {
        URI[] locations = locations();
        List<Entry> entries = new ArrayList<>();
        ImageListing.Builder b = ImageListing.builder();
        for (URI uri : locations) {
            Path file = localFile(uri);
            if (file == null) {
                b.skip(nameOf(uri), "not a local file: " + uri);
                continue;
            }
            try {
                Writable label = labels.getLabelForPath(uri);
                if (label == null || label.toString().isBlank()) {
                    b.skip(file, "the label generator gave no label (" + labels.getClass().getSimpleName() + ")");
                } else {
                    entries.add(new Entry(file, label.toString()));
                }
            } catch (RuntimeException e) {
                b.skip(file, "the label generator failed (" + labels.getClass().getSimpleName() + "): " + e);
            }
        }
        if (entries.isEmpty()) {
            throw new DatasetException("the DataVec split lists no file its label generator labels ("
                    + locations.length + " locations; " + this + ")");
        }
        new TreeSet<>(entries.stream().map(Entry::label).toList()).forEach(b::label);
        entries.sort(Comparator.comparing(Entry::file));
        for (Entry e : entries) {
            String why = ImageDataset.unusableReason(e.file());
            if (why != null && ImageDataset.isImageName(e.file())) {
                b.skip(e.file(), why); // named like an image, but a dangling link or unreadable: the folder's reason
            } else {
                b.add(e.file(), e.label()); // a non-image name is skipped by the builder, with the same reason
            }
        }
        return b.build();
    }

    private URI[] locations() throws DatasetException {
        URI[] all;
        try {
            all = split.locations();
            if (all != null && filter != null) {
                all = filter.filter(all);
            }
        } catch (RuntimeException e) {
            throw new DatasetException("cannot list the DataVec split " + split + ": " + e, e);
        }
        return all == null ? new URI[0] : Arrays.copyOf(all, all.length);
    }

    private static Path localFile(URI uri) {
        if (uri.getScheme() != null && !"file".equalsIgnoreCase(uri.getScheme())) {
            return null;
        }
        try {
            return uri.getScheme() == null ? Path.of(uri.getPath()) : Path.of(uri);
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            return null;
        }
    }

    private static Path nameOf(URI uri) {
        try {
            return Path.of(uri.getSchemeSpecificPart());
        } catch (InvalidPathException e) {
            return Path.of(uri.getScheme());
        }
    }

    private record Entry(Path file, String label) {
    }

    @Override
    public String toString() {
        return "DataVec split " + split.getClass().getSimpleName() + " labelled by "
                + labels.getClass().getSimpleName() + (filter == null ? "" : ", filtered by " + filter.getClass().getSimpleName());
    }
}
