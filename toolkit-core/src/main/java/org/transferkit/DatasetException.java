package org.transferkit;

/**
 * A dataset cannot be used: its folder is missing or unreadable, or after skipping undecodable files
 * nothing usable (or only one class) is left. Thrown before any training starts.
 */
public class DatasetException extends TransferKitException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the folder or file */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the folder or file
     * @param cause the underlying I/O failure
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
