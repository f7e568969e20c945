package org.transferkit.spark;

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

    /**
     * @param modelName the classifier's file name as {@code SparkContext.addFile} shipped it
     * @param batchSize images per network pass
     */
    PartitionPredictor(String modelName, int batchSize) {
        this.modelName = modelName;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws TransferKitException {
        List<Row> out = new ArrayList<>();
        if (!input.hasNext()) {
            return out.iterator();
        }
        try (ImageClassifier classifier = ImageClassifier.load(Path.of(SparkFiles.get(modelName)))) {
            List<Row> batch = new ArrayList<>();
            while (input.hasNext()) {
                Row r = input.next();
                if (!r.isNullAt(2)) {
                    out.add(skipped(r, r.getString(2)));
                    continue;
                }
                batch.add(r);
                if (batch.size() == batchSize) {
                    predict(classifier, batch, out);
                }
            }
            predict(classifier, batch, out);
        }
        return out.iterator();
    }

    private static void predict(ImageClassifier classifier, List<Row> batch, List<Row> out) {
        if (batch.isEmpty()) {
            return;
        }
        int k = classifier.labels().size();
        List<Prediction> predictions;
        try {
            predictions = classifier.predictPaths(batch.stream().map(r -> Path.of(r.getString(0))).toList(), k);
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
                out.add(predicted(r, classifier.predict(Path.of(r.getString(0)), k), k));
            } catch (TransferKitException e) {
                out.add(skipped(r, e.getMessage()));
            }
        }
        batch.clear();
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
