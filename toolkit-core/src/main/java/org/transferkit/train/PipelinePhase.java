package org.transferkit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearningHelper;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.engine.Runner;
import org.transferkit.model.InputShape;
import org.transferkit.model.Preprocessing;
import org.transferkit.model.SkippedFile;
import org.transferkit.task.Loss;
import org.transferkit.task.Task;

/**
 * End-to-end epochs through the image pipeline: images are decoded (and augmented) every epoch. Either the whole
 * graph trains (unfrozen blocks, from scratch), or, with {@link #frozenBackbone}, the backbone runs forward only
 * (on the compiled engine where it can) and just the head trains. Validation runs the whole graph on the engine.
 * {@link #close()} releases the compiled backbone.
 */
final class PipelinePhase implements EpochLoop.Phase, AutoCloseable {
    private final ComputationGraph graph;
    private final DatasetSplit data;
    private final InputShape shape;
    private final Preprocessing pre;
    private final FineTune settings;
    private final RunEnvironment env;
    private final Task task;
    private final Loss loss;
    private final Map<String, SkippedFile> skipped = new LinkedHashMap<>();
    private int trainImages;
    private int valImages;
    /** With a frozen backbone: it runs here (compiled where possible) and only {@link #head} trains. */
    private Runner backbone;
    private ComputationGraph head;

    PipelinePhase(ComputationGraph graph, DatasetSplit data, InputShape shape, Preprocessing pre, FineTune settings,
            RunEnvironment env, Task task) {
        this.env = env;
        this.graph = graph;
        this.data = data;
        this.shape = shape;
        this.pre = pre;
        this.settings = settings;
        this.task = task;
        this.loss = settings.head().loss();
    }

    /** Trains only the head from here on, on features computed each batch up to {@code featureVertex}. */
    void frozenBackbone(String featureVertex) {
        TransferLearningHelper helper = new TransferLearningHelper(graph, featureVertex);
        head = helper.unfrozenGraph();
        backbone = new Runner(graph, featureVertex, x -> helper.featurize(new DataSet(x, null)).getFeatures(),
                env.runtime().engine());
    }

    @Override
    public ComputationGraph network() {
        return head != null ? head : graph;
    }

    /** @return the whole graph, with the head's latest weights copied in when only the head trains */
    ComputationGraph whole() {
        if (head != null) {
            Trainer.copyHeadInto(head, graph);
        }
        return graph;
    }

    @Override
    public boolean hasValidation() {
        return data.val().size() > 0;
    }

    int trainImages() {
        return trainImages;
    }

    int valImages() {
        return valImages;
    }

    List<SkippedFile> skipped() {
        return List.copyOf(skipped.values());
    }

    @Override
    public EpochLoop.Measured trainEpoch(int epoch, TrainingListener listener) {
        double lossSum = 0;
        int seen = 0;
        List<INDArray> outs = new ArrayList<>();
        List<INDArray> targets = new ArrayList<>();
        ComputationGraph net = network();
        try (ImagePipeline train = pipeline(data.train(), settings.seed() + epoch)) {
            int batches = (train.size() + settings.batchSize() - 1) / settings.batchSize();
            int bi = 0;
            while (train.hasNext()) {
                DataSet batch = train.next();
                INDArray in = head == null ? batch.getFeatures() : backbone.output(batch.getFeatures());
                net.fit(new DataSet(in, batch.getLabels()));
                outs.add(net.outputSingle(false, in));
                targets.add(batch.getLabels());
                lossSum += net.score() * batch.numExamples();
                seen += batch.numExamples();
                listener.onBatchEnd(epoch, ++bi, batches, net.score());
            }
            train.skipped().forEach(f -> skipped.put(f.path().toString(), f));
        }
        trainImages = seen;
        if (seen == 0) {
            return EpochLoop.Measured.NONE;
        }
        return new EpochLoop.Measured(lossSum / seen, task.score(stack(outs), stack(targets)), seen);
    }

    @Override
    public EpochLoop.Measured validate() {
        if (!hasValidation()) {
            return EpochLoop.Measured.NONE;
        }
        List<INDArray> outs = new ArrayList<>();
        List<INDArray> targets = new ArrayList<>();
        // the weights are fixed for this pass: the whole graph runs on the compiled engine where it can (with a
        // frozen backbone, that part already does)
        try (ImagePipeline p = pipeline(data.val(), Long.MIN_VALUE);
                Runner all = head == null ? Runner.ofOutput(graph, env.runtime().engine()) : null) {
            while (p.hasNext()) {
                DataSet ds = p.next();
                outs.add(all != null ? all.output(ds.getFeatures())
                        : head.outputSingle(false, backbone.output(ds.getFeatures())));
                targets.add(ds.getLabels());
            }
            p.skipped().forEach(f -> skipped.put(f.path().toString(), f));
        }
        if (outs.isEmpty()) {
            return EpochLoop.Measured.NONE;
        }
        float[][] o = stack(outs);
        float[][] t = stack(targets);
        valImages = o.length;
        return new EpochLoop.Measured(loss.mean(o, t), task.score(o, t), o.length);
    }

    private static float[][] stack(List<INDArray> rows) {
        return Nd4j.vstack(rows.toArray(new INDArray[0])).toFloatMatrix();
    }

    private ImagePipeline pipeline(ImageDataset d, long shuffleSeed) {
        ImagePipeline.Builder b = ImagePipeline.builder(d).shape(shape).preprocessing(pre)
                .batchSize(settings.batchSize()).threads(env.decodeThreads());
        if (shuffleSeed != Long.MIN_VALUE) {
            b.shuffle(shuffleSeed);
            if (settings.augmentation() != null) {
                b.augment(settings.augmentation(), shuffleSeed * 31);
            }
        }
        return b.build();
    }

    @Override
    public void close() {
        if (backbone != null) {
            backbone.close();
        }
    }
}
