package org.transferkit.spark;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.transferkit.TransferKitException;
import org.transferkit.model.EpochStats;
import org.transferkit.train.TrainingListener;

/**
 * {@code ./transferkit spark featurize|train-head|predict ARGS}: the three jobs on the master the JVM is given
 * ({@code -Dspark.master}, which the launcher sets to {@code local[2]} unless {@code TRANSFERKIT_SPARK_MASTER} says
 * otherwise), one line per mistake like the rest of the command line. Arguments are checked before Spark starts.
 * On a cluster, {@code spark-submit --class org.transferkit.spark.SparkCli JAR JOB ARGS} runs the same.
 */
public final class SparkCli {
    /** Exit code of a failure outside the user's control (a file, a model). */
    static final int EXIT_FAILURE = 1;
    /** Exit code of a usage mistake. */
    static final int EXIT_USAGE = 2;

    static final String USAGE = "usage: transferkit spark JOB ARGS, JOB one of\n"
            + "  featurize   " + FeaturizeOptions.USAGE + "\n"
            + "  train-head  " + TrainHeadOptions.USAGE + "\n"
            + "  predict     " + PredictOptions.USAGE + "\n"
            + "The master is local[2] unless TRANSFERKIT_SPARK_MASTER names another (e.g. local[4], spark://host:7077).";

    private SparkCli() {
    }

    /** @param args the job's name, then its arguments */
    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /**
     * Runs one job.
     *
     * @param out where the job's report goes
     * @param err where mistakes and failures go, one line each
     * @param args the job's name, then its arguments
     * @return 0 on success, {@value #EXIT_FAILURE} on a failure, {@value #EXIT_USAGE} on a usage mistake
     */
    static int run(PrintStream out, PrintStream err, String... args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            (args.length == 0 ? err : out).println(USAGE);
            return args.length == 0 ? EXIT_USAGE : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            Job job = parse(args[0], rest);
            long t0 = System.nanoTime();
            SparkSession spark = SparkSession.builder().appName("transferkit-" + args[0]).getOrCreate();
            try {
                long t1 = System.nanoTime();
                String report = job.run(spark, out);
                out.println(report);
                out.printf(Locale.ROOT, "(%s on %s: Spark started in %.1f s, the job took %.1f s)%n", args[0],
                        spark.sparkContext().master(), (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
            } finally {
                spark.stop();
            }
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("transferkit spark: " + e.getMessage());
            return EXIT_USAGE;
        } catch (TransferKitException e) {
            err.println("transferkit spark: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    /** A parsed job, ready to run on a session. */
    private interface Job {
        String run(SparkSession spark, PrintStream out) throws TransferKitException;
    }

    private static Job parse(String name, String[] args) {
        return switch (name) {
            case "featurize" -> {
                FeaturizeOptions o = FeaturizeOptions.parse(args);
                yield (spark, out) -> FeaturizeJob.run(spark, o).describe();
            }
            case "train-head" -> {
                TrainHeadOptions o = TrainHeadOptions.parse(args);
                yield (spark, out) -> TrainHeadJob.run(spark, o, TrainingListener.onEpoch(s -> epoch(out, s)),
                        out::println).describe();
            }
            case "predict" -> {
                PredictOptions o = PredictOptions.parse(args);
                yield (spark, out) -> PredictJob.run(spark, o).describe();
            }
            default -> throw new IllegalArgumentException("unknown job '" + name + "'\n" + USAGE);
        };
    }

    /** Prints one epoch's line. */
    static void epoch(PrintStream out, EpochStats s) {
        out.printf(Locale.ROOT, "epoch %3d  loss %.4f  train %s %.4f  val %s %.4f  (%.2f s)%n", s.epoch(),
                s.trainLoss(), s.metric(), s.trainMetric(), s.metric(), s.valMetric(), s.seconds());
    }
}
