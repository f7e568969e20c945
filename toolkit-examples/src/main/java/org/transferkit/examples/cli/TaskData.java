package org.transferkit.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.data.ClassBalance;
import org.transferkit.data.CsvManifest;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageSource;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Task;
import org.transferkit.data.TargetManifest;
import org.transferkit.zoo.DemoShapes;

/** Reading, splitting and describing the data of a {@code train} run, for every task: terminal I/O only. Stateless. */
final class TaskData {
    /** Images per class of the generated demo target set. */
    static final int DEMO_PER_CLASS = 80;

    private TaskData() {
    }

    /**
     * Where the data comes from: {@code --data}, or {@code --train/--val[/--test]}, or the demo; {@code allowOutside}
     * lets a CSV name files outside its folder ({@code --allow-outside-paths}).
     */
    record Source(Path data, Path train, Path val, Path test, Path demoDir, double valFraction, double testFraction,
            long seed, boolean allowOutside) {
    }

    static DatasetSplit load(Source s, Task task, PrintWriter out) throws TransferKitException {
        DatasetSplit split;
        if (s.train() != null) {
            ImageDataset tr = ImageSource.at(s.train(), task, s.allowOutside()).dataset();
            split = new DatasetSplit(tr, ImageSource.at(s.val(), task, s.allowOutside()).dataset(tr.labels()),
                    s.test() == null ? tr.withImages(List.of())
                            : ImageSource.at(s.test(), task, s.allowOutside()).dataset(tr.labels()));
        } else if (s.data() != null && ImageDataset.isCsv(s.data()) && hasSplits(s.data(), task)) {
            split = task == Task.SINGLE_LABEL ? DatasetSplit.fromManifest(CsvManifest.read(s.data(), s.allowOutside()))
                    : TargetManifest.read(s.data(), task, s.allowOutside()).split();
            out.println("using the split column of " + s.data());
        } else {
            if (s.data() == null && task != Task.SINGLE_LABEL) {
                throw new IllegalArgumentException("--task " + task.id() + " needs --data FILE.csv (or --train/--val); "
                        + "the demo is single-label");
            }
            Path dir = s.data() == null ? demoData(s, out) : s.data();
            split = DatasetSplit.stratified(ImageSource.at(dir, task, s.allowOutside()).dataset(), s.valFraction(),
                    s.testFraction(), s.seed());
        }
        printCounts(out, split);
        int listed = SkippedFile.merge(split.train().skipped(), split.val().skipped(), split.test().skipped()).size();
        if (listed > 0) {
            out.println(listed + " file(s) skipped while listing the data (not image files, links, CSV rows missing or "
                    + "outside the CSV's folder); each is listed with its reason at the end and in metrics.json");
        }
        return split;
    }

    /**
     * Prints the files a command did not use, each with its reason: the one format of {@code train},
     * {@code evaluate} and {@code predict}.
     *
     * @param out where to print
     * @param skipped the files (nothing is printed when empty)
     */
    static void printSkipped(PrintWriter out, List<SkippedFile> skipped) {
        if (!skipped.isEmpty()) {
            out.println("skipped " + skipped.size() + " file(s):");
            skipped.forEach(s -> out.println("  " + s));
        }
    }

    private static boolean hasSplits(Path csv, Task task) throws DatasetException {
        return task == Task.SINGLE_LABEL ? CsvManifest.read(csv).hasSplits() : TargetManifest.read(csv, task).hasSplits();
    }

    private static Path demoData(Source s, PrintWriter out) throws DatasetException {
        Path dir = s.demoDir() != null ? s.demoDir()
                : Path.of(System.getProperty("user.home"), ".transferkit", "demo", "shapes-target-v1");
        if (!Files.isDirectory(dir.resolve(DemoShapes.Task.TARGET.classes().get(0)))) {
            out.println("generating the demo dataset in " + dir + " ...");
            try {
                DemoShapes.writeDataset(dir, DemoShapes.Task.TARGET, DEMO_PER_CLASS, s.seed());
            } catch (IOException e) {
                throw new DatasetException("cannot write the demo dataset to " + dir + ": " + e.getMessage(), e);
            }
        }
        out.println("demo dataset: " + dir + " (generated shapes " + DemoShapes.Task.TARGET.classes() + ")");
        return dir;
    }

    private static void printCounts(PrintWriter out, DatasetSplit split) {
        List<String> labels = split.train().labels();
        Task task = split.train().task();
        if (task == Task.REGRESSION) {
            out.printf(Locale.ROOT, "regression targets %s: %d train, %d val, %d test images%n", labels,
                    split.train().size(), split.val().size(), split.test().size());
            return;
        }
        int[] tr = split.train().classCounts();
        int[] va = split.val().classCounts();
        int[] te = split.test().classCounts();
        out.printf(Locale.ROOT, "%-20s %6s %6s %6s%s%n", task == Task.MULTI_LABEL ? "label" : "class", "train", "val",
                "test", task == Task.MULTI_LABEL ? "  (images with the label)" : "");
        for (int c = 0; c < labels.size(); c++) {
            out.printf(Locale.ROOT, "%-20s %6d %6d %6d%n", labels.get(c), tr[c], va[c], te[c]);
        }
        if (task == Task.MULTI_LABEL) {
            out.printf(Locale.ROOT, "%-20s %6d %6d %6d%n", "images", split.train().size(), split.val().size(),
                    split.test().size());
        }
        String warn = task == Task.SINGLE_LABEL ? ClassBalance.warning(tr) : "";
        if (!warn.isEmpty()) {
            out.println("warning: " + warn);
        }
    }
}
