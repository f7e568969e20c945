package org.transferkit.datavec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.datavec.api.io.filters.BalancedPathFilter;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.api.split.FileSplit;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.Text;
import org.datavec.api.writable.Writable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.transferkit.DatasetException;
import org.transferkit.TinyBackbone;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImageListing;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.ImageSource;
import org.transferkit.data.LabelledImage;
import org.transferkit.model.SkippedFile;

class DataVecSourceTest {
    @TempDir
    Path tmp;

    @Test
    void listsTheSameLabelsImagesAndSkipsAsTheFolderSource() throws Exception {
        Path dir = DataVecFixtures.folderWithBadFiles(tmp.resolve("data"), 5);
        ImageListing folder = ImageSource.folder(dir).list();
        ImageListing datavec = DataVecSource.of(new FileSplit(dir.toFile(), new Random(3)), new ParentPathLabelGenerator())
                .list();
        assertEquals(List.of("blue", "red"), datavec.names());
        assertEquals(folder.names(), datavec.names());
        assertEquals(folder.images(), datavec.images(), "same files, same labels, same order");
        assertEquals(paths(folder.skipped()), paths(datavec.skipped()));
        assertEquals(Set.of(dir.resolve("red/notes.txt")), paths(datavec.skipped()));

        // decoding: the corrupt files are skipped with a reason by both, nothing stops
        assertEquals(new TreeSet<>(DataVecFixtures.bad(dir)), decodeSkips(folder.dataset()));
        assertEquals(decodeSkips(folder.dataset()), decodeSkips(datavec.dataset()));
    }

    @Test
    void honoursThePathFilterGivenOrThroughTheSplit() throws Exception {
        Path dir = DataVecFixtures.folderWithBadFiles(tmp.resolve("data"), 6);
        ParentPathLabelGenerator labels = new ParentPathLabelGenerator();
        BalancedPathFilter balanced = new BalancedPathFilter(new Random(7), new String[] {"png"}, labels, 0, 0, 0, 3);
        ImageDataset filtered = DataVecSource.of(new FileSplit(dir.toFile()), labels, balanced).dataset();
        assertEquals(6, filtered.size());
        assertArrayEquals(new int[] {3, 3}, filtered.classCounts());
        assertTrue(filtered.images().stream().allMatch(i -> i.path().toString().endsWith(".png")));

        InputSplit[] halves = new FileSplit(dir.toFile()).sample(
                new BalancedPathFilter(new Random(7), new String[] {"png"}, labels), 50, 50);
        ImageDataset a = DataVecSource.of(halves[0], labels).dataset();
        ImageDataset b = DataVecSource.of(halves[1], labels).dataset(a.labels());
        Set<Path> inA = a.images().stream().map(LabelledImage::path).collect(Collectors.toSet());
        assertTrue(b.images().stream().noneMatch(i -> inA.contains(i.path())), "the halves are disjoint");
        int[] counts = a.classCounts();
        int[] countsB = b.classCounts();
        assertArrayEquals(new int[] {6, 6}, new int[] {counts[0] + countsB[0], counts[1] + countsB[1]},
                "balanced: as many blue PNGs (7 with the truncated one) as red ones (6), split over the halves");
    }

    @Test
    void reportsLocationsItCannotUseAndRejectsAnUnlabelledSplit() throws Exception {
        Path dir = DataVecFixtures.folderWithBadFiles(tmp.resolve("data"), 2);
        URI remote = URI.create("http://example.com/red/x.png");
        URI ok = dir.resolve("red/red_0.png").toUri();
        URI unlabelled = dir.resolve("blue/blue_0.png").toUri();
        PathLabelGenerator picky = new PathLabelGenerator() {
            private static final long serialVersionUID = 1L;

            @Override
            public Writable getLabelForPath(String path) {
                if (path.contains("blue")) {
                    throw new IllegalStateException("no label for " + path);
                }
                return new Text("red");
            }

            @Override
            public Writable getLabelForPath(URI uri) {
                return getLabelForPath(uri.getPath());
            }

            @Override
            public boolean inferLabelClasses() {
                return true;
            }
        };
        ImageListing l = DataVecSource.of(new CollectionInputSplit(List.of(remote, ok, unlabelled)), picky).list();
        assertEquals(List.of("red"), l.names());
        assertEquals(List.of(new LabelledImage(Path.of(ok), 0)), l.images());
        assertEquals(2, l.skipped().size(), l.skipped().toString());
        assertTrue(l.skipped().stream().anyMatch(s -> s.reason().startsWith("not a local file")), l.skipped().toString());
        assertTrue(l.skipped().stream().anyMatch(s -> s.path().equals(Path.of(unlabelled))
                && s.reason().contains("no label for")), l.skipped().toString());

        DatasetException e = assertThrows(DatasetException.class,
                () -> DataVecSource.of(new CollectionInputSplit(List.of(remote)), picky).list());
        assertTrue(e.getMessage().contains("no file"), e.getMessage());
    }

    private static Set<Path> paths(List<SkippedFile> skipped) {
        return skipped.stream().map(SkippedFile::path).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<Path> decodeSkips(ImageDataset data) {
        try (ImagePipeline p = ImagePipeline.builder(data).shape(TinyBackbone.INPUT)
                .preprocessing(new TinyBackbone(1).preprocessing()).batchSize(4).threads(2).build()) {
            int n = 0;
            while (p.hasNext()) {
                n += p.next().numExamples();
            }
            assertEquals(data.size() - p.skipped().size() + data.skipped().size(), n);
            assertTrue(p.skipped().stream().allMatch(s -> !s.reason().isBlank()));
            return paths(p.skipped());
        }
    }
}
