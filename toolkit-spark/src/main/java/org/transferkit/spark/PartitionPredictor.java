package org.transferkit.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.transferkit.TransferKitException;
import org.transferkit.serve.ImageClassifier;
import org.transferkit.task.Prediction;
import org.transferkit.task.ScoredLabel;

/**
 * Predicts one Spark partition: loads the classifier once (the copy Spark shipped to this executor with
 * {@code addFile}), predicts the partition's images in batches, and closes it. Input rows are (path, label,
 * listing reason); emits one {@link PredictionRows#OUTPUT} row per input row. A batch holding a file that does not
 * decode is predicted again image by image, so one bad file costs its own row only and never fails the task.
 */
final class PartitionPredictor implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;

    private final String modelName;
    private final int batchSize;
    private final HadoopImages.Conf hadoop;

    /**
     * @param modelName the classifier's file name as {@code SparkContext.addFile} shipped it
     * @param batchSize images per network pass
     * @param hadoop the Hadoop configuration images named by URI are read with (copied to a local folder first)
     */
    PartitionPredictor(String modelName, int batchSize, HadoopImages.Conf hadoop) {
        this.modelName = modelName;
        this.batchSize = batchSize;
        this.hadoop = hadoop;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws TransferKitException {
        List<Row> out = new ArrayList<>();
        if (!input.hasNext()) {
            return out.iterator();
        }
        Path staging = null;
        try (ImageClassifier classifier = ImageClassifier.load(Path.of(SparkFiles.get(modelName)))) {
            List<Row> batch = new ArrayList<>();
            List<Path> local = new ArrayList<>();
            while (input.hasNext()) {
                Row r = input.next();
                if (!r.isNullAt(2)) {
                    out.add(skipped(r, r.getString(2)));
                    continue;
                }
                Path file = Path.of(r.getString(0));
                if (HadoopImages.isUri(r.getString(0))) {
                    staging = staging != null ? staging : Files.createTempDirectory("transferkit-predict");
                    try {
                        file = HadoopImages.stage(r.getString(0), hadoop.get(), staging, local.size());
                    } catch (IOException | RuntimeException e) {
                        out.add(skipped(r, "cannot be read: " + e.getMessage()));
                        continue;
                    }
                }
                batch.add(r);
                local.add(file);
                if (batch.size() == batchSize) {
                    predict(classifier, batch, local, out);
                }
            }
            predict(classifier, batch, local, out);
        } catch (IOException e) {
            throw new TransferKitException("cannot make a local folder for the partition's images: " + e.getMessage(),
                    e);
        } finally {
            PartitionFeaturizer.deleteQuietly(staging);
        }
        return out.iterator();
    }

    /** Predicts a batch (its images at {@code local}), then empties both lists and deletes staged copies. */
    private static void predict(ImageClassifier classifier, List<Row> batch, List<Path> local, List<Row> out)
            throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        int k = classifier.labels().size();
        List<Prediction> predictions;
        try {
            predictions = classifier.predictPaths(local, k);
        } catch (TransferKitException e) {
            predictions = null; // a file of the batch does not decode: image by image below
        }
        for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            if (predictions != null) {
                out.add(predicted(r, predictions.get(i), k));
                continue;
            }
            try {
                out.add(predicted(r, classifier.predict(local.get(i), k), k));
            } catch (TransferKitException e) {
                // a staged copy's message names the image as the rows do, not by its local copy
                out.add(skipped(r, String.valueOf(e.getMessage()).replace(local.get(i).toString(), r.getString(0))));
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            if (HadoopImages.isUri(batch.get(i).getString(0))) {
                Files.deleteIfExists(local.get(i)); // a staged copy
            }
        }
        batch.clear();
        local.clear();
    }

    /** @return the row of a predicted image: the prediction in words and the raw outputs in label order */
    static Row predicted(Row in, Prediction p, int outputs) {
        float[] scores = new float[outputs];
        String predicted = null;
        Double probability = null;
        if (p instanceof Prediction.Classes c) {
            c.ranked().forEach(s -> scores[s.index()] = (float) s.probability());
            predicted = c.top().label();
            probability = c.top().probability();
        } else if (p instanceof Prediction.Labels l) {
            l.all().forEach(s -> scores[s.index()] = (float) s.probability());
            predicted = l.present().stream().map(ScoredLabel::label).collect(Collectors.joining(";"));
        } else if (p instanceof Prediction.Values v) {
            int i = 0;
            for (double value : v.values().values()) {
                scores[i++] = (float) value;
            }
        }
        return RowFactory.create(in.getString(0), in.get(1), predicted, probability, scores, null);
    }

    private static Row skipped(Row in, String reason) {
        return RowFactory.create(in.getString(0), in.get(1), null, null, null, reason);
    }
}
