package org.transferkit.data;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.transferkit.DatasetException;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/**
 * A folder tree with one sub-folder per class as an {@link ImageSource}: class names are the sub-folder names
 * (sorted, hidden ones ignored); every file below a class folder, symbolic links followed, is an image of that
 * class if its name ends in one of {@link ImageDataset#IMAGE_EXTENSIONS} and it is readable, else it is skipped
 * with the reason ({@link ImageDataset#unusableReason}); a symbolic link loop is skipped too, not followed.
 * Immutable; scans the folder on each call.
 */
final class FolderSource implements ImageSource {
    private final Path dir;

    FolderSource(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    /**
     * @throws DatasetException if the folder is not a readable directory or holds no class folder
     */
    @Override
    public ImageListing list() throws DatasetException {
        return scan(null);
    }

    /**
     * @throws DatasetException if the folder is not a readable directory, holds no class folder, or holds a class
     *     folder whose name is not in {@code names}
     */
    @Override
    public ImageDataset dataset(List<String> names) throws DatasetException {
        return scan(names).toDataset(null);
    }

    private ImageListing scan(List<String> labels) throws DatasetException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("dataset folder " + dir.toAbsolutePath()
                    + " does not exist or is not a directory; expected one sub-folder per class");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list dataset folder " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (classDirs.isEmpty()) {
            throw new DatasetException("dataset folder " + dir.toAbsolutePath()
                    + " has no class sub-folders; expected one sub-folder per class, e.g. " + dir.resolve("cats"));
        }
        List<String> useLabels = labels != null ? labels : classDirs.stream().map(p -> p.getFileName().toString()).toList();
        List<LabelledImage> images = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        for (Path classDir : classDirs) {
            int label = useLabels.indexOf(classDir.getFileName().toString());
            if (label < 0) {
                throw new DatasetException("class folder " + classDir.toAbsolutePath() + " is not one of the "
                        + "training classes " + useLabels);
            }
            scanClass(classDir, label, images, skipped);
        }
        return new ImageListing(Task.SINGLE_LABEL, useLabels, images, skipped);
    }

    private static void scanClass(Path classDir, int label, List<LabelledImage> images, List<SkippedFile> skipped)
            throws DatasetException {
        List<Path> files = new ArrayList<>();
        try {
            // follow symlinked folders (a common way to build a dataset), but report loops instead of failing
            Files.walkFileTree(classDir, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                            files.add(f);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path f, IOException e) {
                            skipped.add(new SkippedFile(f, e instanceof FileSystemLoopException
                                    ? "symbolic link loop, not followed" : "cannot be read: " + e));
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new DatasetException("cannot list class folder " + classDir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        files.sort(null);
        for (Path f : files) {
            String why = ImageDataset.unusableReason(f);
            if (why == null) {
                images.add(new LabelledImage(f, label));
            } else {
                skipped.add(new SkippedFile(f, why));
            }
        }
    }

    @Override
    public String toString() {
        return "folder " + dir;
    }
}
