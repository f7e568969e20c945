package org.transferkit.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.transferkit.DatasetException;
import org.transferkit.TransferKitException;
import org.transferkit.backbone.Backbone;
import org.transferkit.bundle.ClassifierBundle;
import org.transferkit.data.Augmentation;
import org.transferkit.data.ClassBalance;
import org.transferkit.data.CsvManifest;
import org.transferkit.data.DatasetSplit;
import org.transferkit.data.ImageDataset;
import org.transferkit.data.ImagePipeline;
import org.transferkit.data.Preprocessing;
import org.transferkit.data.SkippedFile;
import org.transferkit.device.Device;
import org.transferkit.device.DeviceChoice;
import org.transferkit.eval.EvaluationReport;
import org.transferkit.eval.Evaluator;
import org.transferkit.eval.HtmlReport;
import org.transferkit.head.HeadSpec;
import org.transferkit.train.EpochStats;
import org.transferkit.train.FeatureCache;
import org.transferkit.train.FineTune;
import org.transferkit.train.LrSchedule;
import org.transferkit.train.TrainingListeners;
import org.transferkit.train.Optimizer;
import org.transferkit.train.Trainer;
import org.transferkit.train.TrainingListener;
import org.transferkit.train.TrainingResult;
import org.transferkit.zoo.BackboneCatalog;
import org.transferkit.zoo.DemoBackbone;
import org.transferkit.zoo.DemoShapes;
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
    /** Images per class of the generated demo target set. */
    static final int DEMO_PER_CLASS = 80;

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

    @Option(names = "--baseline", negatable = true, description = "also train the same head on the untrained demo "
            + "backbone and print both accuracies (default: on for the demo, off otherwise)")
    Boolean baseline;

    @Option(names = "--demo-dir", paramLabel = "DIR", hidden = true, description = "where the demo set is generated")
    Path demoDir;

    /** What a train run measured, for callers and tests. */
    record Outcome(Path classifier, Path metrics, double accuracy, String evaluatedOn, Double baselineAccuracy) {
    }

    Outcome lastOutcome;

    @Override
    public Integer call() throws TransferKitException {
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
        Backbone bb = BackboneCatalog.open(backbone, weights, seed);
        FineTune settings = settings(bb);
        if (cut != null) {
            bb.cutPoint(cut); // refuses an unknown name now, listing the valid ones
        }
        DeviceChoice choice = DeviceChoice.initialize(dev);
        if (!choice.warning().isEmpty()) {
            spec.commandLine().getErr().println("warning: " + choice.warning());
        }
        out.println(DeviceChoice.describeBackend());

        boolean demo = data == null && train == null;
        DatasetSplit split = loadData(out, demo);
        out.printf(Locale.ROOT, "backbone %s (input %s, cut %s, weights %s)%n", bb.id(), bb.inputShape(),
                cut == null ? bb.defaultCutPoint() : bb.cutPoint(cut), abbreviate(bb.weightsId()));

        Path log = out().toAbsolutePath().resolveSibling("training-log.jsonl");
        TrainingResult result;
        try (JsonLinesLog jsonl = new JsonLinesLog(log, resume)) {
            // the progress line first: it clears itself before the epoch's text line is printed
            result = Trainer.fit(bb, split, settings, TrainingListeners.both(
                    new ProgressLine(spec.commandLine().getErr(), System.console() != null),
                    TrainingListeners.both(progress(out), jsonl)));
        }
        out.println("per-epoch log saved to " + log);
        ImageDataset evalSet = split.test().size() > 0 ? split.test() : split.val();
        String evaluatedOn = split.test().size() > 0 ? "test" : "val";
        EvaluationReport report = evaluate(result, bb, evalSet, settings);
        out.print(report.toTable());
        out.printf(Locale.ROOT, "%s accuracy: %.4f (%d images; best epoch %d of %d)%n", evaluatedOn, report.accuracy(),
                report.total(), result.bestEpoch(), result.history().size());
        if (evaluatedOn.equals("val")) {
            out.println("note: with no test set this is the validation set that also picked the best epoch, so it is "
                    + "optimistic; pass --test DIR (or use --data with a test fraction) for an unbiased figure");
        }

        Double baselineAcc = null;
        if (baseline != null ? baseline : demo && DemoBackbone.ID.equals(backbone)) {
            out.println("baseline: the same head on the untrained demo backbone ...");
            Backbone untrained = BackboneCatalog.open("demo-untrained", null, seed);
            TrainingResult base = Trainer.fit(untrained, split, settings, TrainingListener.NONE);
            try {
                baselineAcc = evaluate(base, untrained, evalSet, settings).accuracy();
            } finally {
                base.graph().close();
            }
            out.printf(Locale.ROOT, "%s accuracy: %.4f pretrained backbone vs %.4f untrained backbone (gain %+.4f)%n",
                    evaluatedOn, report.accuracy(), baselineAcc, report.accuracy() - baselineAcc);
        }

        List<SkippedFile> skipped = new java.util.ArrayList<>(result.skipped());
        skipped.addAll(report.skipped());
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("evaluated_on", evaluatedOn);
        metrics.putAll(report.toMap());
        metrics.put("images_used", Map.of("train", result.trainImages(), "val", result.valImages(),
                evaluatedOn.equals("test") ? "test" : "val_eval", report.total()));
        metrics.put("images_skipped", skipped.size());
        if (baselineAcc != null) {
            metrics.put("baseline_untrained_accuracy", baselineAcc);
        }
        try (ClassifierBundle bundle = ClassifierBundle.fromTraining(result, bb, settings, metrics)) {
            bundle.save(out());
        }
        Path metricsFile = out().toAbsolutePath().resolveSibling("metrics.json");
        Map<String, Object> metricsJson = new LinkedHashMap<>(metrics);
        metricsJson.put("skipped", skipped.stream().map(s -> Map.of("path", s.path().toString(), "reason", s.reason()))
                .toList());
        Json.write(metricsFile, metricsJson);
        Path reportFile = out().toAbsolutePath().resolveSibling("report.html");
        HtmlReport.write(reportFile, out().getFileName() + " on " + evaluatedOn, report, result.history());
        if (!skipped.isEmpty()) {
            out.println("skipped " + skipped.size() + " file(s):");
            skipped.forEach(s -> out.println("  " + s));
        }
        out.println("classifier saved to " + out().toAbsolutePath());
        out.println("metrics saved to " + metricsFile);
        out.println("report saved to " + reportFile);
        lastOutcome = new Outcome(out().toAbsolutePath(), metricsFile, report.accuracy(), evaluatedOn, baselineAcc);
        return 0;
    }

    private Path out() {
        return out;
    }

    private FineTune settings(Backbone bb) {
        HeadSpec.Builder head = HeadSpec.builder().dropout(dropout);
        if (hidden.length == 1 && hidden[0] == 0) {
            head.hidden();
        } else {
            head.hidden(hidden);
        }
        FineTune.Builder b = FineTune.builder().epochs(epochs).batchSize(batch).learningRate(lr)
                .optimizer(Optimizer.parse(optimizer)).seed(seed).head(head.build()).cutPoint(cut).classWeights(classWeights)
                .patience(patience).weightDecay(weightDecay).labelSmoothing(labelSmoothing)
                .schedule(new LrSchedule(LrSchedule.parseType(schedule), stepEvery, stepGamma, warmup));
        if (resize != null) {
            b.preprocessing(bb.preprocessing().withResize(Preprocessing.Resize.parse(resize)));
        }
        if (unfreeze != null) {
            b.unfreeze(new org.transferkit.train.Unfreeze(unfreeze, unfreezeEpochs, unfreezeLr != null ? unfreezeLr : lr / 10));
        }
        b.checkpoints(checkpointDir != null ? checkpointDir : out.toAbsolutePath().resolveSibling("checkpoint"), resume);
        if (!noFeatureCache) {
            b.featureCache(new FeatureCache(featureCache != null ? featureCache : FeatureCache.defaultDir()));
        }
        if (augment > 0) {
            b.augment(Augmentation.standard(), augment);
        } else if (augment < 0) {
            throw new IllegalArgumentException("--augment must be >= 0, got " + augment);
        }
        return b.build();
    }

    private DatasetSplit loadData(PrintWriter out, boolean demo) throws TransferKitException {
        DatasetSplit split;
        if (train != null) {
            ImageDataset tr = ImageDataset.from(train, null);
            split = new DatasetSplit(tr, ImageDataset.from(val, tr.labels()),
                    test == null ? tr.withImages(List.of()) : ImageDataset.from(test, tr.labels()));
        } else if (data != null && ImageDataset.isCsv(data) && CsvManifest.read(data).hasSplits()) {
            split = DatasetSplit.fromManifest(CsvManifest.read(data));
            out.println("using the split column of " + data);
        } else {
            Path dir = demo ? demoData(out) : data;
            split = DatasetSplit.stratified(ImageDataset.from(dir, null), valFraction, testFraction, seed);
        }
        printCounts(out, split);
        return split;
    }

    private Path demoData(PrintWriter out) throws DatasetException {
        Path dir = demoDir != null ? demoDir
                : Path.of(System.getProperty("user.home"), ".transferkit", "demo", "shapes-target-v1");
        if (!Files.isDirectory(dir.resolve(DemoShapes.Task.TARGET.classes().get(0)))) {
            out.println("generating the demo dataset in " + dir + " ...");
            try {
                DemoShapes.writeDataset(dir, DemoShapes.Task.TARGET, DEMO_PER_CLASS, seed);
            } catch (IOException e) {
                throw new DatasetException("cannot write the demo dataset to " + dir + ": " + e.getMessage(), e);
            }
        }
        out.println("demo dataset: " + dir + " (generated shapes " + DemoShapes.Task.TARGET.classes() + ")");
        return dir;
    }

    private static void printCounts(PrintWriter out, DatasetSplit split) {
        List<String> labels = split.train().labels();
        int[] tr = split.train().classCounts();
        int[] va = split.val().classCounts();
        int[] te = split.test().classCounts();
        out.printf(Locale.ROOT, "%-20s %6s %6s %6s%n", "class", "train", "val", "test");
        for (int c = 0; c < labels.size(); c++) {
            out.printf(Locale.ROOT, "%-20s %6d %6d %6d%n", labels.get(c), tr[c], va[c], te[c]);
        }
        String warn = ClassBalance.warning(tr);
        if (!warn.isEmpty()) {
            out.println("warning: " + warn);
        }
    }

    private static EvaluationReport evaluate(TrainingResult result, Backbone bb, ImageDataset set, FineTune settings) {
        try (ImagePipeline p = ImagePipeline.builder(set).shape(bb.inputShape()).preprocessing(result.preprocessing())
                .batchSize(settings.batchSize()).threads(settings.decodeThreads()).build()) {
            return Evaluator.evaluate(result.graph(), p);
        }
    }

    private static TrainingListener progress(PrintWriter out) {
        return new TrainingListener() {
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
            public void onEpochEnd(EpochStats s) {
                out.printf(Locale.ROOT, "epoch %3d  lr %.2e  loss %.4f  train acc %.4f  val loss %s  val acc %s  (%.2f s)%n",
                        s.epoch(), s.learningRate(), s.trainLoss(), s.trainAccuracy(), fmt(s.valLoss()), fmt(s.valAccuracy()),
                        s.seconds());
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
