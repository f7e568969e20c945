package org.transferkit;

/**
 * Pretrained weights could not be had: not found in any of the places looked at, a download failed,
 * or a file failed its checksum. The message lists every place looked and what the user can do.
 */
public class WeightsException extends TransferKitException {
    private static final long serialVersionUID = 1L;

    /** @param message where it looked and what to do */
    public WeightsException(String message) {
        super(message);
    }

    /**
     * @param message where it looked and what to do
     * @param cause the underlying failure
     */
    public WeightsException(String message, Throwable cause) {
        super(message, cause);
    }
}
