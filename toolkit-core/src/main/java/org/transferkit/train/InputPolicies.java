package org.transferkit.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.nd4j.linalg.dataset.DataSet;
import org.transferkit.TransferKitException;
import org.transferkit.engine.EngineMode;
import org.transferkit.model.Preprocessing;
import org.transferkit.task.Task;

/**
 * The thorough search's second question: how should images be fitted to the backbone's input when featurizing,
 * squashed (stretched) or centre-cropped? The head search's winner is cross-validated again on the training images
 * featurized each way (the same folds and seed; one more featurizing pass of the training images per policy, kept in
 * the feature cache), and the backbone's own policy is kept unless another scores more than one standard error
 * (of the best policy's fold scores) above it: the same rule as for epochs and candidates. The model is then trained,
 * validated, saved and predicts with the chosen policy (it is the bundle's preprocessing). Stateless.
 *
 * <p>Not compared (yet): the mean of an image's and its mirror image's features, which prediction would have to
 * compute the same way.
 */
final class InputPolicies {
    private InputPolicies() {
    }

    /** Featurizes the training images with another preprocessing, in the same order. */
    interface TrainFeatures {
        DataSet featurize(Preprocessing pre) throws TransferKitException;
    }

    /**
     * What the comparison chose.
     *
     * @param preprocessing the chosen preprocessing
     * @param train the training features made with it
     * @param result the search's result, recording the comparison (its settings train the chosen epoch count)
     */
    record Outcome(Preprocessing preprocessing, DataSet train, HeadSearch.Result result) {
    }

    /** @return whether the comparison runs: a thorough search that ran, and no preprocessing set by the caller */
    static boolean apply(HeadSearch.Result search, FineTune settings) {
        return search != null && search.ran() && search.search().mode() == HeadSearch.Mode.THOROUGH
                && settings.preprocessing() == null;
    }

    /**
     * @param search the head search's result on {@code train} (featurized with {@code own})
     * @param base the run's settings
     * @param own the backbone's preprocessing
     * @param train the training features made with {@code own}
     * @param other featurizes the training images another way
     * @param task the task
     * @param outputs output units
     * @param featureShape one example's feature shape
     * @param classWeights the loss's class weights, or null
     * @param engine the run's engine mode (the folds train on its training path where it covers the head)
     * @return the chosen policy, its training features and the recorded result
     * @throws TransferKitException if the training images cannot be featurized
     */
    static Outcome compare(HeadSearch.Result search, FineTune base, Preprocessing own, DataSet train,
            TrainFeatures other, Task task, int outputs, long[] featureShape, double[] classWeights, EngineMode engine)
            throws TransferKitException {
        long t0 = System.nanoTime();
        List<Preprocessing> policies = new ArrayList<>(List.of(own));
        for (Preprocessing.Resize r : List.of(Preprocessing.Resize.SQUASH, Preprocessing.Resize.CENTER_CROP)) {
            if (r != own.resize()) {
                policies.add(own.withResize(r));
            }
        }
        List<HeadSearch.Scored> scored = new ArrayList<>(List.of(search.chosen()));
        List<DataSet> features = new ArrayList<>(List.of(train));
        for (Preprocessing p : policies.subList(1, policies.size())) {
            DataSet f = other.featurize(p);
            features.add(f);
            scored.add(CrossValidation.scoreOn(search.search(), search.chosen().candidate(), base, f, task, outputs,
                    featureShape, classWeights, engine));
        }
        int best = 0;
        for (int i = 1; i < scored.size(); i++) {
            if (scored.get(i).score() > scored.get(best).score() + 1e-9) {
                best = i;
            }
        }
        double[] f = scored.get(best).foldScores();
        double mean = Arrays.stream(f).average().orElse(0);
        double var = f.length < 2 ? 0 : Arrays.stream(f).map(v -> (v - mean) * (v - mean)).sum() / (f.length - 1);
        double floor = scored.get(best).score() - Math.sqrt(var / f.length) - 1e-9;
        int chosen = 0;
        while (scored.get(chosen).score() < floor) {
            chosen++; // the first (the backbone's own policy first) within one standard error of the best
        }
        List<HeadSearch.PolicyScore> rows = new ArrayList<>();
        for (int i = 0; i < scored.size(); i++) {
            HeadSearch.Scored s = scored.get(i);
            rows.add(new HeadSearch.PolicyScore(name(policies.get(i)), s.score(), s.foldScores(), s.epochs()));
        }
        String why = String.format(Locale.ROOT, "input policy %s: the chosen head cross-validated on the training images "
                + "featurized each way; the backbone's own (%s) is kept unless another scores more than one standard "
                + "error above it", name(policies.get(chosen)), name(own));
        HeadSearch.InputPolicy record = new HeadSearch.InputPolicy(name(policies.get(chosen)), rows, why);
        return new Outcome(policies.get(chosen), features.get(chosen),
                search.withInputPolicy(record, scored.get(chosen), (System.nanoTime() - t0) / 1e9));
    }

    /** @return the policy's name as the command line spells it, e.g. {@code center-crop} */
    static String name(Preprocessing p) {
        return p.resize().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
