package org.transferkit;

/**
 * Root of TransferKit's checked exceptions: a failure the caller could not have prevented by passing
 * other arguments (a file that cannot be read, a download that failed, a model file that is corrupt).
 * The message names the file or URL involved; the cause is always kept.
 */
public class TransferKitException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming the file or URL and what was expected
     */
    public TransferKitException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the file or URL and what was expected
     * @param cause the underlying failure, kept for diagnosis
     */
    public TransferKitException(String message, Throwable cause) {
        super(message, cause);
    }
}
