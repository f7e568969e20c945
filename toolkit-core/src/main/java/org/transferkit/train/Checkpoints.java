package org.transferkit.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.transferkit.TransferKitException;

import org.transferkit.model.EpochStats;
/**
 * The end-of-epoch checkpoint of one training phase, in a folder: {@code head-E.zip} (the trained network with
 * its updater state), {@code best-E.bin} (the best epoch's parameters, absent while no epoch of the phase beat the
 * phase's baseline) and {@code state.json} (epoch,
 * best epoch, history and a fingerprint of the settings), written in that order, each beside its name
 * and moved into place, {@code state.json} last. A run killed at any instant (even with SIGKILL) leaves
 * a consistent checkpoint: {@code state.json} only ever names files that are complete.
 */
final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a checkpoint holds. */
    record State(int epoch, int bestEpoch, double bestScore, List<EpochStats> history, ComputationGraph head,
            INDArray best) {
        /** Puts the checkpointed weights, updater state and counters into {@code net} (same architecture). */
        void restoreInto(ComputationGraph net) {
            net.setParams(head.params());
            if (net.getUpdater().getStateViewArray() != null) {
                net.getUpdater().getStateViewArray().assign(head.getUpdater().getStateViewArray());
            }
            net.getConfiguration().setIterationCount(head.getConfiguration().getIterationCount());
            net.getConfiguration().setEpochCount(head.getConfiguration().getEpochCount());
        }
    }

    private final Path dir;
    private final String fingerprint;

    Checkpoints(Path dir, String fingerprint) {
        this.dir = dir;
        this.fingerprint = fingerprint;
    }

    void save(int epoch, int bestEpoch, double bestScore, List<EpochStats> history, ComputationGraph head, INDArray best)
            throws TransferKitException {
        try {
            Files.createDirectories(dir);
            Path headTmp = dir.resolve("head-" + epoch + ".zip.part");
            ModelSerializer.writeModel(head, headTmp.toFile(), true);
            move(headTmp, dir.resolve("head-" + epoch + ".zip"));
            if (best != null) {
                Path bestTmp = dir.resolve("best-" + epoch + ".bin.part");
                Nd4j.saveBinary(best, bestTmp.toFile());
                move(bestTmp, dir.resolve("best-" + epoch + ".bin"));
            }
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("fingerprint", fingerprint);
            state.put("epoch", epoch);
            state.put("best_epoch", bestEpoch);
            state.put("best_score", bestScore);
            state.put("improved", best != null);
            List<double[]> h = new ArrayList<>();
            for (EpochStats e : history) {
                h.add(new double[] {e.epoch(), e.trainLoss(), e.trainMetric(), e.valLoss(), e.valMetric(), e.seconds(),
                    e.learningRate()});
                state.put("metric", e.metric());
            }
            state.put("history", h);
            Path stateTmp = dir.resolve("state.json.part");
            JSON.writeValue(stateTmp.toFile(), state);
            move(stateTmp, dir.resolve("state.json"));
            try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "{head,best}-*")) {
                for (Path p : old) {
                    String n = p.getFileName().toString();
                    if (!n.equals("head-" + epoch + ".zip") && !n.equals("best-" + epoch + ".bin")) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new TransferKitException("cannot write checkpoint in " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /**
     * @return the saved state, or null when there is none
     * @throws TransferKitException if a checkpoint exists but was made with other settings or is unreadable
     */
    State load() throws TransferKitException {
        Path statePath = dir.resolve("state.json");
        if (!Files.isRegularFile(statePath)) {
            return null;
        }
        try {
            Map<?, ?> m = JSON.readValue(statePath.toFile(), Map.class);
            if (!fingerprint.equals(m.get("fingerprint"))) {
                throw new TransferKitException("checkpoint in " + dir.toAbsolutePath() + " was made with other settings "
                        + "or data; resume with the same command, or delete the folder to start over");
            }
            int epoch = ((Number) m.get("epoch")).intValue();
            String metric = String.valueOf(m.get("metric"));
            List<EpochStats> history = new ArrayList<>();
            for (Object o : (List<?>) m.get("history")) {
                List<?> v = (List<?>) o;
                history.add(new EpochStats(((Number) v.get(0)).intValue(), d(v.get(1)), d(v.get(2)), d(v.get(3)),
                        d(v.get(4)), d(v.get(5)), d(v.get(6)), metric));
            }
            ComputationGraph head = ModelSerializer.restoreComputationGraph(dir.resolve("head-" + epoch + ".zip").toFile(),
                    true);
            INDArray best = Boolean.FALSE.equals(m.get("improved")) ? null
                    : Nd4j.readBinary(dir.resolve("best-" + epoch + ".bin").toFile());
            return new State(epoch, ((Number) m.get("best_epoch")).intValue(), d(m.get("best_score")), history, head, best);
        } catch (IOException | RuntimeException e) {
            throw new TransferKitException("checkpoint in " + dir.toAbsolutePath() + " is damaged and cannot be read ("
                    + (e.getMessage() == null ? e.toString() : e.getMessage()) + "); delete the folder "
                    + dir.toAbsolutePath() + " or run without --resume to start over", e);
        }
    }

    private static double d(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
