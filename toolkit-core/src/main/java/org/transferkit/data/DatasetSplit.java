package org.transferkit.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.transferkit.DatasetException;

import org.transferkit.task.Task;
/**
 * Train, validation and test parts of a dataset. Immutable.
 *
 * @param train images to fit on
 * @param val images to choose epochs and settings on
 * @param test images to report the final score on (may be empty)
 */
public record DatasetSplit(ImageDataset train, ImageDataset val, ImageDataset test) {

    /**
     * Takes the split from a CSV manifest's split column.
     *
     * @param manifest a manifest whose every row names its split ({@link CsvManifest#hasSplits()})
     * @return train, val and test parts indexed by the manifest's sorted labels
     * @throws DatasetException if a row has no split, or train, val or test has no usable row
     */
    public static DatasetSplit fromManifest(CsvManifest manifest) throws DatasetException {
        if (!manifest.hasSplits()) {
            throw new DatasetException(manifest.file() + ": every row needs a split column (one of "
                    + CsvManifest.SPLITS + ") to be used as a pre-split dataset");
        }
        List<String> labels = manifest.labels();
        return checkSplitColumn(new DatasetSplit(manifest.dataset("train", labels), manifest.dataset("val", labels),
                manifest.dataset("test", labels)), manifest.file());
    }

    /**
     * Refuses a split taken from a CSV's split column that leaves a part empty: training needs train rows,
     * choosing the epoch needs val rows, and the reported score needs test rows (an empty part would report NaN
     * on 0 images). There is no silent fallback to a seeded split: the column says what the user wants.
     *
     * @param s the split
     * @param csv the CSV, for the message
     * @return {@code s}
     * @throws DatasetException if train, val or test has no usable row; the message gives the three counts and
     *     the two ways out
     */
    static DatasetSplit checkSplitColumn(DatasetSplit s, java.nio.file.Path csv) throws DatasetException {
        String empty = s.train().size() == 0 ? "train" : s.val().size() == 0 ? "val" : s.test().size() == 0 ? "test"
                : null;
        if (empty != null) {
            throw new DatasetException(csv + ": the split column leaves '" + empty + "' without usable rows ("
                    + s.train().size() + " train, " + s.val().size() + " val, " + s.test().size() + " test); put rows"
                    + " in each of train, val and test, or remove the split column to split by seed"
                    + " (--val-fraction, --test-fraction)");
        }
        return s;
    }

    /**
     * Splits one dataset by seeded stratified sampling: each class is shuffled with the seed and cut
     * at the given fractions, so every part keeps the class proportions. The same seed and files give
     * the same split.
     *
     * @param all the dataset
     * @param valFraction share for validation, in [0, 1)
     * @param testFraction share for test, in [0, 1)
     * @param seed random seed
     * @return the split; skipped files of {@code all} are kept on the training part
     * @throws IllegalArgumentException if the fractions are out of range or leave nothing to train on,
     *     or a class has too few images to put at least one in every non-empty part
     */
    public static DatasetSplit stratified(ImageDataset all, double valFraction, double testFraction, long seed) {
        if (valFraction < 0 || testFraction < 0 || valFraction + testFraction >= 1) {
            throw new IllegalArgumentException("val and test fractions must be >= 0 and sum to < 1, got val "
                    + valFraction + " and test " + testFraction);
        }
        List<List<LabelledImage>> byClass = new ArrayList<>();
        for (int i = 0; i < all.labels().size(); i++) { // strata: classes, or first labels (multi-label), or one
            byClass.add(new ArrayList<>());
        }
        for (LabelledImage img : all.images()) {
            byClass.get(img.label()).add(img);
        }
        List<LabelledImage> train = new ArrayList<>();
        List<LabelledImage> val = new ArrayList<>();
        List<LabelledImage> test = new ArrayList<>();
        int minNeeded = 1 + (valFraction > 0 ? 1 : 0) + (testFraction > 0 ? 1 : 0);
        for (int c = 0; c < byClass.size(); c++) {
            List<LabelledImage> imgs = byClass.get(c);
            if (imgs.size() < minNeeded && all.task() != Task.SINGLE_LABEL) {
                train.addAll(imgs); // a stratum of targets may be tiny: it all trains
                continue;
            }
            if (imgs.size() < minNeeded) {
                throw new IllegalArgumentException("class '" + all.labels().get(c) + "' has " + imgs.size()
                        + " image(s); a split into train/val/test needs at least " + minNeeded + " per class");
            }
            Collections.shuffle(imgs, new Random(seed + 31L * c));
            int n = imgs.size();
            int nTest = testFraction > 0 ? Math.max(1, (int) Math.round(n * testFraction)) : 0;
            int nVal = valFraction > 0 ? Math.max(1, (int) Math.round(n * valFraction)) : 0;
            test.addAll(imgs.subList(0, nTest));
            val.addAll(imgs.subList(nTest, nTest + nVal));
            train.addAll(imgs.subList(nTest + nVal, n));
        }
        return new DatasetSplit(
                new ImageDataset(all.task(), all.labels(), train, all.skipped()),
                all.withImages(val),
                all.withImages(test));
    }
}
