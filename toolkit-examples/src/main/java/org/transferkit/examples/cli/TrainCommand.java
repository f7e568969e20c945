package org.transferkit.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.backbone.ConvNet;
import org.transferkit.data.Augmentation;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.task.Task;
import org.transferkit.model.Preprocessing;
import org.transferkit.runtime.Device;
import org.transferkit.runtime.DeviceChoice;
import org.transferkit.task.TaskReport;
import org.transferkit.explain.ModelSummary;
import org.transferkit.task.Loss;
import org.transferkit.head.HeadSpec;
import org.transferkit.model.EpochStats;
import org.transferkit.train.FeatureCache;
import org.transferkit.train.FineTune;
import org.transferkit.runtime.RuntimeOptions;
import org.transferkit.backbone.Backbones;
import org.transferkit.backbone.BackboneOptions;
import org.transferkit.train.FineTuner;
import org.transferkit.train.HeadSearch;
import org.transferkit.train.TrainedModel;
import org.transferkit.train.Optimizer;
import org.transferkit.zoo.DemoBackbone;
import org.transferkit.train.LrSchedule;
import org.transferkit.train.TrainingListeners;
import org.transferkit.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code transferkit train}: fine-tune a backbone on a folder of images and save the classifier. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a pretrained backbone on labelled images (one sub-folder per class) and save "
            + "the classifier with metrics.json and report.html beside it.",
            "With no arguments it runs the demo: the demo backbone fine-tuned on generated shapes, compared with "
            + "the same head on an untrained backbone."})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", description = "one folder of class sub-folders, or a CSV "
            + "manifest 'path,label[,split]' (paths relative to the CSV); split train/val/test by seeded stratified "
            + "sampling unless the CSV has a split column (default: the generated demo set)")
    Path data;

    @Option(names = "--train", paramLabel = "DIR", description = "a training folder of class sub-folders or CSV manifest (with --val)")
    Path train;

    @Option(names = "--val", paramLabel = "DIR", description = "a validation folder or CSV (with --train)")
    Path val;

    @Option(names = "--test", paramLabel = "DIR", description = "a test folder or CSV (optional, with --train)")
    Path test;

    @Option(names = "--allow-outside-paths", description = "let a CSV manifest name images outside its own folder "
            + "('../x.jpg', absolute paths elsewhere); by default such rows are skipped and listed")
    boolean allowOutsidePaths;

    @Option(names = "--task", paramLabel = "TASK", defaultValue = "single-label", description = "single-label (one "
            + "class per image: folder or CSV 'path,label'), multi-label (CSV 'path,label1;label2'), or regression "
            + "(CSV with header 'path,TARGET1[,TARGET2...]') (default: ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--loss", paramLabel = "NAME", description = "cross-entropy (single-label), binary-cross-entropy "
            + "(multi-label), mse or mae (regression) (default: the task's first)")
    String loss;

    @Option(names = "--threshold", paramLabel = "P", description = "multi-label decision threshold saved in the model "
            + "(default: the one with the best micro F1 on the validation images)")
    Double threshold;

    @Option(names = "--summary", description = "print the model's layers, output shapes and trainable/frozen parameters "
            + "before training")
    boolean summary;

    @Option(names = "--input-size", paramLabel = "N", description = "input side in pixels of the from-scratch "
            + "'scratch-cnn' (default 64)")
    Integer inputSize;

    @Option(names = "--backbone", paramLabel = "NAME", defaultValue = DemoBackbone.ID,
            description = "backbone from 'transferkit models list' (default: ${DEFAULT-VALUE})")
    String backbone;

    @Option(names = "--weights", paramLabel = "FILE", description = "backbone weights file to use instead of the default")
    Path weights;

    @Option(names = "--cut", paramLabel = "NAME", description = "cut point (see 'models info'; default: the backbone's)")
    String cut;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "30", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", paramLabel = "X", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
            description = "sgd, adam or rmsprop (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--hidden", paramLabel = "N", split = ",", defaultValue = "128",
            description = "hidden layer sizes of the head, comma-separated; 0 for a linear head (default: ${DEFAULT-VALUE})")
    int[] hidden;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.2", description = "dropout (default: ${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.2",
            description = "validation share with --data (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0.3",
            description = "test share with --data (default: ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--unfreeze", paramLabel = "N", description = "phase 2: after the head is trained, train end to end "
            + "with the top N blocks below the cut unfrozen ('models info' lists them; 0 = backbone stays frozen, fresh "
            + "augmentation every epoch); batch norm keeps its statistics")
    Integer unfreeze;

    @Option(names = "--unfreeze-epochs", paramLabel = "N", defaultValue = "5",
            description = "phase-2 epochs (default: ${DEFAULT-VALUE})")
    int unfreezeEpochs;

    @Option(names = "--unfreeze-lr", paramLabel = "LR", description = "phase-2 learning rate of the unfrozen blocks; the "
            + "head gets 10x (default: --lr / 10)")
    Double unfreezeLr;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0", description = "stop after N epochs without a "
            + "better validation accuracy; 0 never stops early (default: ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0", description = "decoupled weight decay of the "
            + "head's weights (AdamW with --optimizer adam) (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--label-smoothing", paramLabel = "E", defaultValue = "0", description = "label smoothing in [0, 1) "
            + "(default: ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--schedule", paramLabel = "S", defaultValue = "constant",
            description = "learning-rate schedule: constant, step or cosine (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--step-every", paramLabel = "N", defaultValue = "7", description = "epochs between step decays "
            + "(default: ${DEFAULT-VALUE})")
    int stepEvery;

    @Option(names = "--step-gamma", paramLabel = "G", defaultValue = "0.1", description = "step decay factor "
            + "(default: ${DEFAULT-VALUE})")
    double stepGamma;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "epochs of linear learning-rate "
            + "warm-up (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--resize", paramLabel = "POLICY", description = "squash, center-crop or letterbox "
            + "(default: the backbone's)")
    String resize;

    @Option(names = "--class-weights", description = "weight the loss by inverse class frequency (for imbalanced data)")
    boolean classWeights;

    @Option(names = "--augment", paramLabel = "K", defaultValue = "0", description = "featurize K augmented copies "
            + "of the training images (flip, resized crop, rotation, colour jitter) besides the originals (default: "
            + "${DEFAULT-VALUE}, none)")
    int augment;

    @Option(names = "--search", paramLabel = "MODE", defaultValue = "quick", description = "head search by k-fold "
            + "cross-validation on the training images only (never the validation or test images): quick, "
            + "thorough (more heads, and the input policy: squash or centre crop, with or without the mirror image) "
            + "or off (default: ${DEFAULT-VALUE}). It runs for a frozen backbone when --hidden, --dropout, "
            + "--optimizer, --lr, --epochs, --weight-decay, --label-smoothing, --patience and --schedule are left at "
            + "their defaults; the winner is trained on all training images. --search off trains the fixed defaults")
    String search;

    @Option(names = "--search-folds", paramLabel = "K", defaultValue = "5", description = "folds of the head search; "
            + "with fewer than K training images in a class (2K for multi-label/regression) the fixed defaults are "
            + "trained (default: ${DEFAULT-VALUE})")
    int searchFolds;

    @Option(names = "--search-budget", paramLabel = "SECONDS", description = "time budget of the head search; no new "
            + "candidate starts after it (default: 120 quick, 600 thorough)")
    Integer searchBudget;

    @Option(names = "--feature-cache", paramLabel = "DIR", description = "disk cache of backbone features, reused by "
            + "later runs (default: ~/.transferkit/features)")
    Path featureCache;

    @Option(names = "--no-feature-cache", description = "keep backbone features in memory only")
    boolean noFeatureCache;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "where a checkpoint is written after every "
            + "epoch (default: checkpoint/ beside --out)")
    Path checkpointDir;

    @Option(names = "--resume", description = "continue from the checkpoint of an interrupted run of the same command")
    boolean resume;

    @Option(names = "--device", paramLabel = "D", defaultValue = "auto", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "transferkit-out/classifier.zip",
            description = "where to save the classifier (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--baseline", negatable = true, description = "also train the small CNN from scratch ('scratch-cnn', "
            + "same input, epochs and task) and print both scores (default: on for the demo, off otherwise)")
    Boolean baseline;

    @Option(names = "--demo-dir", paramLabel = "DIR", hidden = true, description = "where the demo set is generated")
    Path demoDir;

    /** What a train run measured, for callers and tests. */
    record Outcome(Path classifier, Path metrics, double score, String evaluatedOn, Double baselineScore) {
    }

    Outcome lastOutcome;

    @Override
    public Integer call() throws TransferKitException {
        try (OutputLock lock = OutputLock.acquire(out(), checkpointDir, resume, spec.commandLine().getOut())) {
            return trainLocked();
        }
    }

    private Integer trainLocked() throws TransferKitException {
        PrintWriter out = spec.commandLine().getOut();
        Device dev = Device.parse(device);
        if (data != null && train != null) {
            throw new IllegalArgumentException("give either --data DIR or --train DIR --val DIR, not both");
        }
        if ((train == null) != (val == null)) {
            throw new IllegalArgumentException("--train and --val go together; got only " + (train == null ? "--val" : "--train"));
        }
        if (test != null && train == null) {
            throw new IllegalArgumentException("--test goes with --train and --val");
        }
        Task taskType = Task.parse(task);
        RuntimeOptions runtime = Environment.runtimeOptions().toBuilder().device(dev).build();
        Backbone bb = openBackbone(runtime);
        configure(FineTune.builder(), bb); // refuses bad flag values before any data is read
        if (cut != null) {
            bb.cutPoint(cut); // refuses an unknown name now, listing the valid ones
        }
        spec.commandLine().getErr().println("runtime: " + runtime.describe()); // after the flags were checked
        DeviceChoice choice = DeviceChoice.initialize(runtime);
        if (!choice.warning().isEmpty()) {
            spec.commandLine().getErr().println("warning: " + choice.warning());
        }
        out.println(DeviceChoice.describeBackend());

        boolean demo = data == null && train == null;
        DatasetSplit split = TaskData.load(new TaskData.Source(data, train, val, test, demoDir, valFraction, testFraction,
                seed, allowOutsidePaths), taskType, out);
        out.printf(Locale.ROOT, "backbone %s (input %s, cut %s, weights %s)%n", bb.id(), bb.inputShape(),
                cut == null ? bb.defaultCutPoint() : bb.cutPoint(cut), abbreviate(bb.weightsId()));

        Path log = out().toAbsolutePath().resolveSibling("training-log.jsonl");
        FineTuner.Builder tuner = FineTuner.builder(bb).settings(b -> configure(b, bb)).runtime(runtime)
                .checkpoints(checkpointDir != null ? checkpointDir : out().toAbsolutePath().resolveSibling("checkpoint"),
                        resume);
        if (!noFeatureCache) {
            tuner.featureCache(new FeatureCache(featureCache != null ? featureCache : runtime.featureCacheDir()));
        }
        if (threshold != null) {
            tuner.threshold(threshold);
        }
        ImageDataset evalSet = split.test().size() > 0 ? split.test() : split.val();
        String evaluatedOn = split.test().size() > 0 ? "test" : "val";
        try (JsonLinesLog jsonl = new JsonLinesLog(log, resume)) {
            // the progress line first: it clears itself before the epoch's text line is printed
            tuner.listener(TrainingListeners.both(new ProgressLine(spec.commandLine().getErr(), ProgressLine.onTerminal()),
                    TrainingListeners.both(progress(out, summary, taskType), jsonl)));
            try (TrainedModel model = tuner.build().fit(split.train(), split.val())) {
                out.println("per-epoch log saved to " + log);
                if (model.search() != null) {
                    out.print(model.search().toTable());
                }
                if (model.task().usesThreshold()) {
                    out.printf(Locale.ROOT, "decision threshold %.2f (%s)%n", model.threshold(),
                            threshold != null ? "fixed" : "best " + taskType.metricName() + " on the validation images");
                }
                TaskReport report = model.evaluate(evalSet);
                boolean withBaseline = baseline != null ? baseline : demo && DemoBackbone.ID.equals(backbone);
                Double baselineScore = withBaseline ? baseline(bb, split, evalSet, model, runtime, out) : null;
                finish(model, report, evaluatedOn, baselineScore, out);
            }
        }
        return 0;
    }

    /** Prints the evaluation, then writes the classifier, metrics.json and report.html. */
    private void finish(TrainedModel model, TaskReport report, String evaluatedOn, Double baselineScore,
            PrintWriter out) throws TransferKitException {
        String metric = model.task().metricName().replace('_', ' ');
        out.print(report.toTable());
        out.printf(Locale.ROOT, "%s %s: %.4f (%d images; best epoch %d of %d)%n", evaluatedOn, metric, report.headline(),
                report.total(), model.bestEpoch(), model.history().size());
        if (model.search() != null && model.search().ran()) {
            out.println("what picked what: the head search cross-validated on the training images only; it chose the head,"
                    + " optimizer, learning rate and epoch count; the validation images chose nothing (last epoch kept)"
                    + (model.task().usesThreshold() && threshold == null ? " but the decision threshold" : ""));
        } else if (evaluatedOn.equals("val")) {
            out.println("note: with no test set this is the validation set that also picked the best epoch, so it is "
                    + "optimistic; pass --test DIR (or use --data with a test fraction) for an unbiased figure");
        }
        Map<String, Object> metrics = model.metrics(report, evaluatedOn);
        if (baselineScore != null) {
            out.printf(Locale.ROOT, "%s %s: %.4f transfer from %s vs %.4f small CNN from scratch (gain %+.4f)%n",
                    evaluatedOn, metric, report.headline(), backbone, baselineScore, report.headline() - baselineScore);
            metrics.put("baseline_from_scratch_" + model.task().metricName(), baselineScore);
        }
        Map<String, Object> manifestMetrics = new LinkedHashMap<>(metrics);
        manifestMetrics.remove("skipped");
        model.save(out(), manifestMetrics);
        Path metricsFile = out().toAbsolutePath().resolveSibling("metrics.json");
        TrainedModel.writeJson(metricsFile, metrics);
        Path reportFile = out().toAbsolutePath().resolveSibling("report.html");
        model.writeReport(reportFile, out().getFileName() + " on " + evaluatedOn, report);
        TaskData.printSkipped(out, model.skipped(report)); // the list metrics.json holds
        out.println("classifier saved to " + out().toAbsolutePath());
        out.println("metrics saved to " + metricsFile);
        out.println("report saved to " + reportFile);
        lastOutcome = new Outcome(out().toAbsolutePath(), metricsFile, report.headline(), evaluatedOn, baselineScore);
    }

    /** @return the score of the small CNN trained from scratch on the same images, epochs and task */
    private double baseline(Backbone bb, DatasetSplit split, ImageDataset evalSet, TrainedModel transfer,
            RuntimeOptions runtime, PrintWriter out) throws TransferKitException {
        out.println("baseline: the small CNN trained from scratch on the same images ...");
        FineTuner scratch = FineTuner.builder(ConvNet.smallCnn(bb.inputShape(), seed)).epochs(epochs).learningRate(lr)
                .seed(seed).settings(b -> b.batchSize(batch).optimizer(Optimizer.parse(optimizer)).patience(patience))
                .head(HeadSpec.builder().task(transfer.task()).loss(transfer.settings().head().loss()).hidden()
                        .dropout(0).build())
                .runtime(runtime).listener(new TrainingListener() {
                    @Override
                    public void onTrainingPath(String path) {
                        out.println("baseline training steps run on " + (path.equals("engine") ? "the engine (oneDNN)" : path));
                    }
                })
                .build();
        try (TrainedModel base = scratch.fit(split.train(), split.val())) {
            return base.evaluate(evalSet).headline();
        }
    }

    private Path out() {
        return out;
    }

    void configure(FineTune.Builder b, Backbone bb) {
        HeadSpec.Builder head = HeadSpec.builder().dropout(dropout).task(Task.parse(task))
                .loss(loss == null ? null : Loss.parse(loss));
        if (hidden.length == 1 && hidden[0] == 0) {
            head.hidden();
        } else {
            head.hidden(hidden);
        }
        b.epochs(epochs).batchSize(batch).learningRate(lr)
                .optimizer(Optimizer.parse(optimizer)).seed(seed).head(head.build()).cutPoint(cut).classWeights(classWeights)
                .patience(patience).weightDecay(weightDecay).labelSmoothing(labelSmoothing)
                .schedule(new LrSchedule(LrSchedule.parseType(schedule), stepEvery, stepGamma, warmup));
        if (resize != null) {
            b.preprocessing(bb.preprocessing().withResize(Preprocessing.Resize.parse(resize)));
        }
        if (unfreeze != null) {
            b.unfreeze(new org.transferkit.train.Unfreeze(unfreeze, unfreezeEpochs, unfreezeLr != null ? unfreezeLr : lr / 10));
        }
        HeadSearch hs = HeadSearch.parse(search).withFolds(searchFolds);
        if (searchBudget != null) {
            hs = hs.withBudget(java.time.Duration.ofSeconds(searchBudget));
        }
        b.search(hs);
        if (augment > 0) {
            b.augment(Augmentation.standard(), augment);
        } else if (augment < 0) {
            throw new IllegalArgumentException("--augment must be >= 0, got " + augment);
        }
    }





    private Backbone openBackbone(RuntimeOptions runtime) throws TransferKitException {
        if (inputSize != null && (inputSize < 16 || inputSize > 1024)) {
            throw new IllegalArgumentException("--input-size must be in 16..1024, got " + inputSize);
        }
        BackboneOptions options = BackboneOptions.of(weights, seed).withRuntime(runtime)
                .withInputSize(inputSize == null ? 0 : inputSize);
        return Backbones.installed().open(backbone, options);
    }

    private static TrainingListener progress(PrintWriter out, boolean summary, Task task) {
        String m = task.metricShort();
        return new TrainingListener() {
            @Override
            public void onModelBuilt(String phase, ModelSummary s) {
                if (summary) {
                    out.println("model (" + phase + "):");
                    out.print(s.toTable());
                }
            }

            @Override
            public void onFeaturized(int trainImages, int valImages, double seconds) {
                out.printf(Locale.ROOT, "featurized %d train + %d val images through the frozen backbone in %.1f s%n",
                        trainImages, valImages, seconds);
            }

            @Override
            public void onFeatureCache(int reused, int computed, Path dir) {
                out.printf(Locale.ROOT, "feature cache %s: %d reused, %d computed%n", dir, reused, computed);
            }

            @Override
            public void onResumed(int completedEpochs) {
                out.printf(Locale.ROOT, "resumed from the checkpoint after epoch %d%n", completedEpochs);
            }

            @Override
            public void onTrainingPath(String path) {
                out.println("training steps run on " + (path.equals("engine") ? "the engine (oneDNN)" : path));
            }

            @Override
            public void onEpochEnd(EpochStats s) {
                out.printf(Locale.ROOT, "epoch %3d  lr %.2e  loss %.4f  train %s %.4f  val loss %s  val %s %s  (%.2f s)%n",
                        s.epoch(), s.learningRate(), s.trainLoss(), m, s.trainMetric(), fmt(s.valLoss()), m,
                        fmt(s.valMetric()), s.seconds());
            }
        };
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "  -   " : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String abbreviate(String id) {
        return id.length() > 20 && id.matches("[0-9a-f]+") ? "sha256:" + id.substring(0, 12) : id;
    }
}
