package org.transferkit.spark;

import java.nio.file.Path;
import java.util.Locale;

/**
 * What a train-head job wrote and measured.
 *
 * @param classifier the classifier file
 * @param metrics its metrics.json
 * @param report its report.html
 * @param evaluatedOn {@code test}, or {@code val} when the features have no test rows
 * @param metric the task's metric name (accuracy for single-label)
 * @param score the metric on {@code evaluatedOn}
 * @param evaluated images it was measured on
 * @param bestEpoch the kept epoch (1-based)
 * @param epochs epochs run
 * @param valScore the metric on the validation vectors at the kept epoch (NaN without validation rows)
 * @param trainImages training vectors used
 * @param valImages validation vectors used
 * @param skipped files without a vector (training, validation and evaluation rows)
 * @param training {@code in memory} or {@code streaming} (see {@link HeadMemory})
 * @param heldVectors the most vectors the driver held at once: in memory, every training and validation vector (and
 *     the test vectors when they were held too); streaming, the largest Spark partition a pass streamed plus a batch,
 *     or the head search's sample if larger
 */
public record TrainHeadReport(Path classifier, Path metrics, Path report, String evaluatedOn, String metric,
        double score, long evaluated, int bestEpoch, int epochs, double valScore, int trainImages, int valImages,
        int skipped, String training, long heldVectors) {
    /** @return a copy with another {@link #heldVectors()} */
    TrainHeadReport withHeldVectors(long n) {
        return new TrainHeadReport(classifier, metrics, report, evaluatedOn, metric, score, evaluated, bestEpoch,
                epochs, valScore, trainImages, valImages, skipped, training, n);
    }

    /** @return a few lines for a person */
    public String describe() {
        return String.format(Locale.ROOT, "trained %s on %d vectors (%d val; at most %d on the driver at once), best "
                + "epoch %d of %d, val %s %.4f%n%s %s: %.4f (%d images); %d file(s) skipped%nclassifier saved to %s%n"
                + "metrics saved to %s%nreport saved to %s", training, trainImages, valImages, heldVectors, bestEpoch,
                epochs, metric, valScore, evaluatedOn, metric, score, evaluated, skipped, classifier, metrics, report);
    }
}
