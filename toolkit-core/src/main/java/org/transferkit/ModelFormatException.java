package org.transferkit;

/**
 * A model or classifier bundle file is corrupt, truncated, of a newer format, or not a TransferKit
 * file at all. The message names the file and what was found instead of what was expected.
 */
public class ModelFormatException extends TransferKitException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong with which file */
    public ModelFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong with which file
     * @param cause the underlying parse or I/O failure
     */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
