package org.transferkit.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.transferkit.TransferKitException;

/**
 * An exclusive lock on a train run's output: the file {@code <--out>.lock} beside the classifier, locked with
 * {@link FileChannel#tryLock()} for the whole run, so a second run writing the same {@code --out} fails at once
 * instead of interleaving its log and checkpoints with the first. The operating system releases the lock when
 * the process dies, so a killed run never blocks the next one. While holding it, the run removes the
 * {@code .part} files a dead run left: {@code <--out>.*.part} beside the classifier and {@code *.part} in the
 * checkpoint folder (nothing else, so a shared folder's other files are safe). Close it to release.
 */
final class OutputLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock, removes stale {@code .part} files, and says on {@code log} what it removed and, for
     * {@code --resume} without a checkpoint, that the run starts fresh.
     *
     * @param out the classifier the run writes (its folder is created)
     * @param checkpointDir the checkpoint folder, or null for {@code checkpoint/} beside {@code out}
     * @param resume whether the run was asked to resume
     * @param log where to say what it did
     * @return the held lock
     * @throws TransferKitException if another run holds the lock (the message names the lock file and that
     *     run's process id), or the lock file cannot be made (the message names it and why)
     */
    static OutputLock acquire(Path out, Path checkpointDir, boolean resume, PrintWriter log)
            throws TransferKitException {
        Path abs = out.toAbsolutePath();
        Path lockFile = abs.resolveSibling(abs.getFileName() + ".lock");
        Path checkpoints = checkpointDir != null ? checkpointDir.toAbsolutePath() : abs.resolveSibling("checkpoint");
        OutputLock held = lock(lockFile);
        try {
            int removed = removeParts(abs.getParent(), abs.getFileName() + ".*.part")
                    + removeParts(checkpoints, "*.part");
            if (removed > 0) {
                log.println("removed " + removed + " stale .part file(s) left by an interrupted run");
            }
        } catch (IOException e) {
            held.close();
            throw new TransferKitException("cannot clean up stale .part files beside " + abs + ": " + e.getMessage(), e);
        }
        if (resume && !Files.isRegularFile(checkpoints.resolve("state.json"))) {
            log.println("--resume: no checkpoint in " + checkpoints + ", starting fresh");
        }
        return held;
    }

    private static OutputLock lock(Path lockFile) throws TransferKitException {
        FileChannel ch = null;
        try {
            Files.createDirectories(lockFile.getParent());
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this process already
            }
            if (l == null) {
                String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).strip();
                ch.close();
                throw new TransferKitException("another train run is writing " + lockFile.getParent() + " (" + lockFile
                        + " is locked" + (holder.isEmpty() ? "" : " by " + holder) + "); wait for it to finish, or"
                        + " choose another --out");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("process " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            return new OutputLock(ch, l);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new TransferKitException("cannot lock the output " + lockFile + ": " + e.getMessage(), e);
        }
    }

    private static int removeParts(Path dir, String glob) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, glob)) {
            for (Path p : parts) {
                if (Files.isRegularFile(p) && Files.deleteIfExists(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock goes with the channel
            }
        }
    }

    /** Releases the lock (the lock file stays; an unlocked one means nothing). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }
}
