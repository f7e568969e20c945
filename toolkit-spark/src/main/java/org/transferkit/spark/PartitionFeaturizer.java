package org.transferkit.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.NoOp;
import org.transferkit.Checksums;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.CutPoint;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.LabelledImage;
import org.transferkit.engine.Runner;
import org.transferkit.head.HeadSpec;
import org.transferkit.head.TransferModel;
import org.transferkit.model.SkippedFile;
import org.transferkit.runtime.CpuHelpers;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.zoo.BackboneCatalog;

/**
 * Featurizes one Spark partition: opens the backbone, builds the same transfer graph as the single-machine
 * {@code Trainer} (the cut backbone, frozen, with the head's pooling), and runs every decodable image of the
 * partition through its frozen part on the compiled engine (or DL4J), batch by batch. The backbone, graph and
 * engine live for the partition only and are closed after it. Input rows are {@link FeatureRows#INPUT}, with a
 * reason only for an entry the listing skipped. Emits one {@link FeatureRows#OUTPUT} row per input row: features,
 * content hash and what made them for a decoded image, the reason for a file that does not decode or read.
 * A bad file never fails the task; a backbone that does not open does.
 */
final class PartitionFeaturizer implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;

    private final FeaturizeOptions options;
    private final List<String> labels;
    private final String featurizedWith;

    /**
     * @param options the job's options
     * @param labels the dataset's class names, index i naming class i (small: sent with each task)
     * @param featurizedWith what makes the vectors ({@link FeaturizeJob#featurizedWith}), written on each row
     */
    PartitionFeaturizer(FeaturizeOptions options, List<String> labels, String featurizedWith) {
        this.options = options;
        this.labels = List.copyOf(labels);
        this.featurizedWith = featurizedWith;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws TransferKitException {
        List<Row> out = new ArrayList<>();
        Map<String, Row> todo = new HashMap<>();
        List<LabelledImage> images = new ArrayList<>();
        while (input.hasNext()) {
            Row r = input.next();
            if (r.isNullAt(FeatureRows.INPUT_REASON)) {
                todo.put(r.getString(0), r);
                images.add(new LabelledImage(Path.of(r.getString(0)), r.getInt(2)));
            } else {
                out.add(skipped(r, r.getString(FeatureRows.INPUT_REASON)));
            }
        }
        if (!images.isEmpty()) {
            featurize(new ImageDataset(labels, images, List.of()), todo, out);
        }
        return out.iterator();
    }

    private void featurize(ImageDataset part, Map<String, Row> todo, List<Row> out) throws TransferKitException {
        Backbone backbone = BackboneCatalog.open(options.backbone(),
                options.weights() == null ? null : Path.of(options.weights()), options.seed());
        CutPoint cut = options.cut() == null ? backbone.defaultCutPoint() : backbone.cutPoint(options.cut());
        HeadSpec head = HeadSpec.builder().pooling(options.pooling()).build();
        // the head never trains here: its updater is required by the surgery but changes no frozen activation
        ComputationGraph graph = TransferModel.surgery(backbone.loadGraph(), cut, head, labels.size())
                .updater(new NoOp()).seed(options.seed()).build();
        CpuHelpers.apply(graph, RuntimeOptions.defaults());
        // where the single-machine Trainer takes features: after the head's global pooling of a spatial cut, else
        // at the cut itself
        boolean pooled = cut.spatial() && options.pooling() != HeadSpec.Pooling.FLATTEN;
        String vertex = pooled ? TransferModel.POOL : cut.vertex();
        TransferLearningHelper helper = new TransferLearningHelper(graph, vertex);
        ImagePipeline.Builder pipeline = ImagePipeline.builder(part).shape(backbone.inputShape())
                .preprocessing(backbone.preprocessing()).batchSize(options.batchSize()).threads(1);
        try (Runner runner = new Runner(graph, vertex, x -> helper.featurize(new DataSet(x, null)).getFeatures(),
                options.engine()); ImagePipeline pipe = pipeline.build()) {
            while (pipe.hasNext()) {
                DataSet batch = pipe.next();
                int n = batch.numExamples();
                float[][] rows = runner.output(batch.getFeatures()).reshape(n, -1).toFloatMatrix();
                for (int i = 0; i < n; i++) {
                    Row in = todo.get(String.valueOf(batch.getExampleMetaData().get(i)));
                    out.add(featurized(in, rows[i]));
                }
            }
            for (SkippedFile s : pipe.skipped()) {
                out.add(skipped(todo.get(s.path().toString()), s.reason()));
            }
        } finally {
            graph.close();
        }
    }

    /** @return the output row of a decoded image, or a skipped row if its bytes cannot be read for the hash */
    private Row featurized(Row in, float[] features) {
        String hash;
        try {
            hash = Checksums.sha256(Path.of(in.getString(0)));
        } catch (IOException | RuntimeException e) {
            return skipped(in, "cannot read for its content hash: " + e.getMessage());
        }
        return RowFactory.create(in.getString(0), in.get(1), in.get(2), in.get(3), in.get(4), hash, features,
                featurizedWith, null);
    }

    /** @return the output row of an input row that was not featurized, with the reason */
    static Row skipped(Row in, String reason) {
        return RowFactory.create(in.getString(0), in.get(1), in.get(2), in.get(3), in.get(4), null, null, null,
                reason);
    }
}
