package org.transferkit.examples.cli;

import java.io.PrintWriter;
import org.transferkit.TransferKitException;
import org.transferkit.WeightsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code ./transferkit}. {@link #run(String...)} returns the exit code so tests can call it.
 */
@Command(name = "transferkit", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Turn a pretrained image network into a classifier for your own images.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ExplainCommand.class, ModelsCommand.class,
            ServeCommand.class, LoadTestCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class TransferKitCli implements Runnable {
    /** Exit code of a failure outside the user's control (a file, a model). */
    public static final int EXIT_FAILURE = 1;
    /** Exit code of a usage mistake (a wrong flag or value). */
    public static final int EXIT_USAGE = 2;
    /** Environment variable that makes internal errors print their stack trace. */
    public static final String DEBUG_ENV = "TRANSFERKIT_DEBUG";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * @param args command-line arguments
     */
    public static void main(String... args) {
        // before anything loads ND4J or oneDNN: their OpenMP threads wait passively (see NativeThreads)
        org.transferkit.runtime.NativeThreads.waitPassively(System.getenv());
        System.exit(run(args));
    }

    /**
     * Runs one command.
     *
     * @param args command-line arguments
     * @return the exit code: 0 success, 1 failure, 2 usage mistake
     */
    public static int run(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    /**
     * @param out where normal output goes
     * @param err where errors go
     * @return a configured command line; after each command both writers are flushed (an auto-flushing
     *     {@link PrintWriter} flushes on {@code println} only, so text written with {@code print} would stay
     *     buffered and be lost at exit)
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new TransferKitCli());
        cl.setOut(out);
        cl.setErr(err);
        CommandLine.IExecutionStrategy last = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            try {
                return last.execute(parsed);
            } finally {
                out.flush();
                err.flush();
            }
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("transferkit: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName()
                    + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                c.getErr().println("transferkit: " + ex.getMessage());
                return EXIT_USAGE;
            }
            if (ex instanceof TransferKitException || ex instanceof IllegalStateException) {
                c.getErr().println("transferkit: " + ex.getMessage() + commandLineHint(ex));
                return EXIT_FAILURE;
            }
            String env = environmentMessage(ex);
            if (env != null) {
                c.getErr().println("transferkit: " + env);
                return EXIT_FAILURE;
            }
            c.getErr().println("transferkit: internal error: " + ex + (System.getenv(DEBUG_ENV) == null
                    ? " (set " + DEBUG_ENV + "=1 for the stack trace, and please report it)" : ""));
            if (System.getenv(DEBUG_ENV) != null) {
                ex.printStackTrace(c.getErr());
            }
            return EXIT_FAILURE;
        });
        return cl;
    }

    /**
     * The one line for a failure the environment caused (a file system refusal, a full disk, a network error)
     * rather than a bug: found as an {@link java.io.IOException} in the cause chain.
     *
     * @param ex a failure
     * @return the line naming the path or what failed, or null if no I/O failure caused it
     */
    static String environmentMessage(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof java.nio.file.FileSystemException f) {
                String reason = f.getReason() != null ? f.getReason()
                        : f instanceof java.nio.file.AccessDeniedException ? "permission denied"
                        : f instanceof java.nio.file.NoSuchFileException ? "no such file or folder"
                        : f instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                        : f instanceof java.nio.file.NotDirectoryException ? "not a folder" : f.getClass().getSimpleName();
                return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
            }
            if (t instanceof java.io.IOException) {
                return (ex != t && ex.getMessage() != null ? ex.getMessage() + ": " : "") + t.getMessage();
            }
            if (t instanceof java.nio.file.ReadOnlyFileSystemException) {
                return "read-only file system: " + ex.getMessage();
            }
        }
        return null;
    }

    /**
     * Says in the command line's terms what a library message says in the library's (which names no flag).
     *
     * @param ex a failure
     * @return text to append to its message, starting with a line break, or empty
     */
    static String commandLineHint(Exception ex) {
        String m = String.valueOf(ex.getMessage());
        String prefix = "weights for backbone '";
        if (ex instanceof WeightsException && m.startsWith(prefix) && m.indexOf('\'', prefix.length()) > 0) {
            String name = m.substring(prefix.length(), m.indexOf('\'', prefix.length()));
            return "\nOn the command line: pass it with --weights FILE, set " + Environment.WEIGHTS_DIR_ENV
                    + " (or -D" + Environment.WEIGHTS_DIR_PROPERTY + ") to the folder holding it, or run: transferkit "
                    + "models fetch " + name;
        }
        if (ex instanceof IllegalStateException && m.startsWith("device ") && m.contains("BACKEND_PRIORITY")) {
            return "\nThe ./transferkit launcher sets these from --device.";
        }
        return "";
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
