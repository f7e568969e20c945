package org.transferkit.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.transferkit.DatasetException;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/**
 * What an {@link ImageSource} lists: the label or target names, the image files with their targets indexed
 * against those names, and the entries the source could not use, with reasons. A listing is itself the in-memory
 * source of what it lists. Immutable and thread-safe.
 *
 * @param task what the images are labelled with
 * @param names class names (single-label), label names (multi-label) or target names (regression)
 * @param images the labelled files: single-label ones carry their index into {@code names}, the others a target
 *     vector of {@code names.size()} values
 * @param skipped entries seen but not used, with reasons
 */
public record ImageListing(Task task, List<String> names, List<LabelledImage> images, List<SkippedFile> skipped)
        implements ImageSource {
    /**
     * @throws IllegalArgumentException if there are no names, or an image's label or target does not fit them
     */
    public ImageListing {
        Objects.requireNonNull(task, "task");
        names = List.copyOf(names);
        images = List.copyOf(images);
        skipped = List.copyOf(skipped);
        new ImageDataset(task, names, images, skipped); // the same checks as the dataset it builds into
    }

    /**
     * @param dataset a dataset
     * @return its task, labels, images and skipped files as a listing
     */
    public static ImageListing of(ImageDataset dataset) {
        return new ImageListing(dataset.task(), dataset.labels(), dataset.images(), dataset.skipped());
    }

    /** @return a builder of single-label (path, class name) entries */
    public static Builder builder() {
        return new Builder();
    }

    /** @return this listing */
    @Override
    public ImageListing list() {
        return this;
    }

    /** @return the dataset of the listing's own names, with its skipped entries */
    @Override
    public ImageDataset dataset() {
        return new ImageDataset(task, names, images, skipped);
    }

    /**
     * Builds the dataset, indexed by the listing's names or by given ones (a training set's).
     *
     * @param useNames the names to index against, or null for {@link #names()}
     * @return the dataset; its skipped files are this listing's
     * @throws DatasetException if the listing has a name outside {@code useNames} (for regression: if the target
     *     names differ)
     */
    public ImageDataset toDataset(List<String> useNames) throws DatasetException {
        if (useNames == null || useNames.equals(names)) {
            return dataset();
        }
        if (task == Task.REGRESSION) {
            throw new DatasetException("the data has target columns " + names + "; expected " + useNames);
        }
        int[] to = new int[names.size()];
        for (int i = 0; i < to.length; i++) {
            to[i] = useNames.indexOf(names.get(i));
            if (to[i] < 0) {
                throw new DatasetException("label '" + names.get(i) + "' is not one of the training labels " + useNames);
            }
        }
        List<LabelledImage> out = new ArrayList<>(images.size());
        for (LabelledImage img : images) {
            if (task == Task.SINGLE_LABEL) {
                out.add(new LabelledImage(img.path(), to[img.label()]));
                continue;
            }
            float[] from = img.target();
            float[] target = new float[useNames.size()];
            int stratum = -1;
            for (int i = 0; i < from.length; i++) {
                target[to[i]] = from[i];
                stratum = from[i] > 0.5f && (stratum < 0 || to[i] < stratum) ? to[i] : stratum;
            }
            out.add(LabelledImage.withTarget(img.path(), target, Math.max(stratum, 0)));
        }
        return new ImageDataset(task, useNames, out, skipped);
    }

    /**
     * Collects single-label entries given in code. Class names are indexed in the order they are first named.
     * Not thread-safe; {@link #build()} returns an immutable listing.
     */
    public static final class Builder {
        private final List<String> labels = new ArrayList<>();
        private final List<LabelledImage> images = new ArrayList<>();
        private final List<SkippedFile> skipped = new ArrayList<>();

        private Builder() {
        }

        /**
         * Declares a class, which may have no images (yet).
         *
         * @param label the class name
         * @return this builder
         * @throws IllegalArgumentException if the name is null or blank
         */
        public Builder label(String label) {
            if (label == null || label.isBlank()) {
                throw new IllegalArgumentException("class names must not be blank, got '" + label + "'");
            }
            if (!labels.contains(label)) {
                labels.add(label);
            }
            return this;
        }

        /**
         * Adds an image of a class; a file whose name is not an image name is listed as skipped instead.
         *
         * @param file the image file
         * @param label its class name (declared if new)
         * @return this builder
         * @throws IllegalArgumentException if the label is blank
         */
        public Builder add(Path file, String label) {
            Objects.requireNonNull(file, "file");
            label(label);
            if (ImageDataset.isImageName(file)) {
                images.add(new LabelledImage(file, labels.indexOf(label)));
            } else {
                skipped.add(new SkippedFile(file, ImageDataset.unusableReason(file)));
            }
            return this;
        }

        /**
         * Records an entry the source could not use.
         *
         * @param file the entry
         * @param reason why, in a few words
         * @return this builder
         */
        public Builder skip(Path file, String reason) {
            skipped.add(new SkippedFile(Objects.requireNonNull(file, "file"), Objects.requireNonNull(reason, "reason")));
            return this;
        }

        /**
         * @return the listing
         * @throws IllegalArgumentException if no class was named
         */
        public ImageListing build() {
            if (labels.isEmpty()) {
                throw new IllegalArgumentException("no classes given; add (path, class name) entries or declare a label");
            }
            return new ImageListing(Task.SINGLE_LABEL, labels, images, skipped);
        }
    }
}
