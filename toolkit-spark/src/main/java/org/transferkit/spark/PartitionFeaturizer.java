package org.transferkit.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
 * A bad file never fails the task; a backbone that does not open does. An image named by a Hadoop URI is first
 * copied into a local temporary folder of the partition ({@link HadoopImages#stage}), deleted after it.
 */
final class PartitionFeaturizer implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;

    private final FeaturizeOptions options;
    private final List<String> labels;
    private final String featurizedWith;
    private final HadoopImages.Conf hadoop;

    /**
     * @param options the job's options
     * @param labels the dataset's class names, index i naming class i (small: sent with each task)
     * @param featurizedWith what makes the vectors ({@link FeaturizeJob#featurizedWith}), written on each row
     * @param hadoop the Hadoop configuration images named by URI are read with
     */
    PartitionFeaturizer(FeaturizeOptions options, List<String> labels, String featurizedWith,
            HadoopImages.Conf hadoop) {
        this.options = options;
        this.hadoop = hadoop;
        this.labels = List.copyOf(labels);
        this.featurizedWith = featurizedWith;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws TransferKitException {
        List<Row> out = new ArrayList<>();
        Map<String, Row> todo = new HashMap<>(); // by the local file decoded: the image itself, or its copy
        List<LabelledImage> images = new ArrayList<>();
        Path staging = null;
        try {
            while (input.hasNext()) {
                Row r = input.next();
                if (!r.isNullAt(FeatureRows.INPUT_REASON)) {
                    out.add(skipped(r, r.getString(FeatureRows.INPUT_REASON)));
                    continue;
                }
                Path local = Path.of(r.getString(0));
                if (HadoopImages.isUri(r.getString(0))) {
                    staging = staging != null ? staging : Files.createTempDirectory("transferkit-images");
                    try {
                        local = HadoopImages.stage(r.getString(0), hadoop.get(), staging, images.size());
                    } catch (IOException | RuntimeException e) {
                        out.add(skipped(r, "cannot be read: " + e.getMessage()));
                        continue;
                    }
                }
                todo.put(local.toString(), r);
                images.add(new LabelledImage(local, r.getInt(2)));
            }
            if (!images.isEmpty()) {
                featurize(new ImageDataset(labels, images, List.of()), todo, out);
            }
        } catch (IOException e) {
            throw new TransferKitException("cannot make a local folder for the partition's images: " + e.getMessage(),
                    e);
        } finally {
            deleteQuietly(staging);
        }
        return out.iterator();
    }

    /** Deletes a partition's copies of images read through Hadoop's file system. */
    static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary folder: the executor's temp cleaning removes what is left
        }
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
                    String local = String.valueOf(batch.getExampleMetaData().get(i));
                    out.add(featurized(todo.get(local), Path.of(local), rows[i]));
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
    private Row featurized(Row in, Path local, float[] features) {
        String hash;
        try {
            hash = Checksums.sha256(local);
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
