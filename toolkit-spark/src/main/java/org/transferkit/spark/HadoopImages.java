package org.transferkit.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.transferkit.Checksums;
import org.transferkit.DatasetException;
import org.transferkit.data.CsvManifest;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageListing;
import org.transferkit.data.LabelledImage;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;

/**
 * Images named by a Hadoop file system URI ({@code hdfs://}, {@code s3a://}, {@code file://}, ...): listed on the
 * driver and read on the executors through {@link FileSystem} with the job's Hadoop configuration (which the user
 * supplies as for any Spark job: {@code core-site.xml}/{@code hdfs-site.xml} on the classpath or
 * {@code spark.hadoop.*} settings), shipped to the executors as {@link Conf}. A plain path (no scheme) is a local
 * file, read with {@code java.nio} as before.
 *
 * <p>On the driver, a listed image is named by a stand-in local {@link Path}: the URI's path part (every image of one
 * source is on the source's file system), so that the library's listing, split and skipped-file rules apply
 * unchanged; {@link Listing#name} turns it back into the URI the rows record. On an executor each image is copied
 * ({@link #stage}) into a local temporary folder, decoded there by the same pipeline as a local file, and the copy
 * deleted after the partition.
 */
final class HadoopImages {
    private static final Pattern URI_SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]+:/.*");
    /** A URI whose {@code //} a {@code java.nio} path collapsed ({@code hdfs:/nn:8020/x}). */
    private static final Pattern COLLAPSED = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):/([^/].*)$");

    private HadoopImages() {
    }

    /**
     * @param path a skipped file's path, a local path or a URI a {@code java.nio} path collapsed
     * @return the name to show a person: the URI with its {@code //} restored ({@code hdfs://nn:8020/x}), a local
     *     path as it is
     */
    static String shown(Path path) {
        var m = COLLAPSED.matcher(path.toString());
        return m.matches() ? m.group(1) + "://" + m.group(2) : path.toString();
    }

    /** @return a skipped file as a report line: its {@linkplain #shown shown} name and its reason */
    static String shown(SkippedFile s) {
        return shown(s.path()) + ": " + s.reason();
    }

    /** @return true if {@code name} is a URI with a scheme (two letters or more, so {@code C:/x} is a path) */
    static boolean isUri(String name) {
        return URI_SCHEME.matcher(name).matches();
    }

    /**
     * A source's images named by stand-in paths, and the URI prefix that names them on their file system.
     *
     * @param prefix the file system's {@code scheme://authority}
     * @param listing the images and the skipped entries, with stand-in paths
     */
    record Listing(String prefix, ImageListing listing) {
        /** @return the URI of a stand-in path */
        String name(Path standIn) {
            return prefix + standIn.toString();
        }
    }

    /**
     * Lists a class-folder tree or a CSV manifest on a Hadoop file system, as the library lists a local one: class
     * names are the sorted names of the root's non-hidden sub-folders; every file below a class folder (recursively,
     * sorted) is an image if its name is an image name, else skipped with the library's reason; a CSV's rows may name
     * images relative to its folder, by absolute path, or by URI, all on the CSV's file system; a row whose file does
     * not exist is skipped.
     *
     * @param source the folder's or the CSV's URI
     * @param conf the job's Hadoop configuration
     * @param manifestSplits receives the CSV's split column, one entry per listed image (null where its row has
     *     none); unused for a folder
     * @return the listing
     * @throws DatasetException if the source cannot be read, has no class folder, or the CSV is malformed
     */
    static Listing list(String source, Configuration conf, List<String> manifestSplits) throws DatasetException {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(source);
        try {
            FileSystem fs = root.getFileSystem(conf);
            URI u = fs.makeQualified(root).toUri();
            String prefix = u.getScheme() + "://" + (u.getAuthority() == null ? "" : u.getAuthority());
            if (source.toLowerCase(Locale.ROOT).endsWith(".csv")) {
                return new Listing(prefix, csv(fs, root, manifestSplits));
            }
            return new Listing(prefix, folder(fs, root));
        } catch (IOException e) {
            throw new DatasetException("cannot list " + source + " through Hadoop's file system: " + e.getMessage(), e);
        }
    }

    private static ImageListing folder(FileSystem fs, org.apache.hadoop.fs.Path root)
            throws IOException, DatasetException {
        if (!fs.getFileStatus(root).isDirectory()) {
            throw new DatasetException("dataset folder " + root + " is not a directory; expected one sub-folder per "
                    + "class");
        }
        List<FileStatus> classDirs = new ArrayList<>();
        for (FileStatus s : fs.listStatus(root)) {
            if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
                classDirs.add(s);
            }
        }
        classDirs.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        if (classDirs.isEmpty()) {
            throw new DatasetException("dataset folder " + root + " has no class sub-folders; expected one sub-folder "
                    + "per class");
        }
        List<String> labels = classDirs.stream().map(s -> s.getPath().getName()).toList();
        List<LabelledImage> images = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            List<Path> files = new ArrayList<>();
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(classDirs.get(c).getPath(), true);
            while (it.hasNext()) {
                files.add(Path.of(it.next().getPath().toUri().getPath()));
            }
            files.sort(null);
            for (Path f : files) {
                add(f, c, images, skipped);
            }
        }
        return new ImageListing(Task.SINGLE_LABEL, labels, images, skipped);
    }

    private static ImageListing csv(FileSystem fs, org.apache.hadoop.fs.Path csv, List<String> splits)
            throws IOException, DatasetException {
        Path dir = Files.createTempDirectory("transferkit-manifest");
        try {
            Path local = dir.resolve("manifest.csv");
            try (InputStream in = fs.open(csv)) {
                Files.copy(in, local);
            }
            CsvManifest manifest = CsvManifest.read(local, true);
            String base = csv.getParent().toUri().getPath();
            List<String> labels = manifest.labels();
            List<LabelledImage> images = new ArrayList<>();
            List<SkippedFile> skipped = new ArrayList<>();
            for (CsvManifest.Row row : manifest.rows()) {
                Path f = Path.of(remotePath(dir, base, row.path()));
                if (!fs.exists(new org.apache.hadoop.fs.Path(f.toString()))) {
                    skipped.add(new SkippedFile(f, "file not found on " + fs.getUri()));
                    continue;
                }
                if (add(f, labels.indexOf(row.label()), images, skipped)) {
                    splits.add(row.split());
                }
            }
            return new ImageListing(Task.SINGLE_LABEL, labels, images, skipped);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * @return the path on the CSV's file system of a row the manifest resolved against the local copy's folder: a
     *     relative row against the CSV's own folder, an absolute one as it is, a URI by its path part
     */
    private static String remotePath(Path localDir, String base, Path resolved) {
        if (!resolved.startsWith(localDir)) {
            return resolved.toString(); // absolute in the CSV
        }
        String rel = localDir.relativize(resolved).toString();
        var m = COLLAPSED.matcher(rel);
        if (m.matches()) {
            return URI.create(m.group(1) + "://" + m.group(2)).getPath();
        }
        return base.replaceAll("/+$", "") + "/" + rel;
    }

    /** Adds an image (true) or skips a non-image name with the library's reason (false). */
    private static boolean add(Path f, int label, List<LabelledImage> images, List<SkippedFile> skipped) {
        if (!ImageDataset.isImageName(f)) {
            skipped.add(new SkippedFile(f, ImageDataset.unusableReason(f)));
            return false;
        }
        images.add(new LabelledImage(f, label));
        return true;
    }

    /**
     * @param dir a folder's URI
     * @param conf the Hadoop configuration
     * @return the URIs of every file with an image name below it, sorted
     * @throws DatasetException if it cannot be listed
     */
    static List<String> imageFiles(String dir, Configuration conf) throws DatasetException {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
        List<String> files = new ArrayList<>();
        try {
            FileSystem fs = root.getFileSystem(conf);
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
            while (it.hasNext()) {
                org.apache.hadoop.fs.Path p = it.next().getPath();
                if (ImageDataset.isImageName(Path.of(p.getName()))) {
                    files.add(p.toString());
                }
            }
        } catch (IOException e) {
            throw new DatasetException("cannot list the images under " + dir + " through Hadoop's file system: "
                    + e.getMessage(), e);
        }
        files.sort(null);
        return files;
    }

    /**
     * Copies an image to a local file, keeping its name's extension (the decoder reads it).
     *
     * @param name the image's URI
     * @param conf the Hadoop configuration
     * @param dir the local folder
     * @param index distinguishes images of the same name
     * @return the local copy
     * @throws IOException if it cannot be read or written
     */
    static Path stage(String name, Configuration conf, Path dir, int index) throws IOException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(name);
        Path local = dir.resolve(index + "-" + p.getName());
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
        }
        return local;
    }

    /**
     * @param name a local path or a URI
     * @param conf the Hadoop configuration (for a URI)
     * @return the lower-case hex SHA-256 of the file's bytes
     * @throws IOException if it cannot be read
     */
    static String sha256(String name, Configuration conf) throws IOException {
        if (!isUri(name)) {
            return Checksums.sha256(Path.of(name));
        }
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(name);
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The job's Hadoop configuration, serializable so that tasks carry it to the executors. */
    static final class Conf implements Serializable {
        private static final long serialVersionUID = 1L;
        private transient Configuration value;

        /** @param value the driver's configuration (copied) */
        Conf(Configuration value) {
            this.value = new Configuration(value);
        }

        /** @return the configuration */
        Configuration get() {
            return value;
        }

        private void writeObject(ObjectOutputStream out) throws IOException {
            out.defaultWriteObject();
            value.write(out);
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            value = new Configuration(false);
            value.readFields(in);
        }
    }
}
