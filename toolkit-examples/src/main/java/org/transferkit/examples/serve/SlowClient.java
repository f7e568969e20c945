package org.transferkit.examples.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A client that opens a connection to {@code POST /predict} and never finishes its request, writing a little
 * every {@link #PAUSE_MILLIS} until the server cuts it off. One call holds one connection, bounded by a
 * give-up time.
 */
final class SlowClient {
    /** Pause between two trickled pieces. */
    static final int PAUSE_MILLIS = 200;

    /** How a slow client never finishes. */
    enum Kind {
        /** headers trickled one byte at a time, never ended */
        HEADERS("", "X"),
        /** a chunked body that never ends, one one-byte chunk at a time */
        CHUNKED("Transfer-Encoding: chunked\r\n\r\n", "1\r\nA\r\n"),
        /** a {@code Content-Length} of 40000 that is never reached, one byte at a time */
        SHORT_BODY("Content-Length: 40000\r\n\r\n", "A");

        private final String head;
        private final String piece;

        Kind(String headers, String piece) {
            this.head = "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers;
            this.piece = piece;
        }
    }

    /**
     * How one slow connection ended.
     *
     * @param cutOff true if the server closed the connection before the client gave up
     * @param status the HTTP status the server answered before closing, or 0 if it closed without a reply
     * @param nanos from connecting to the close (or to giving up)
     */
    record Outcome(boolean cutOff, int status, long nanos) {
    }

    private SlowClient() {
    }

    /**
     * Holds one slow connection until the server closes it or {@code giveUpMillis} pass.
     *
     * @param address the service's address
     * @param kind how the request never finishes
     * @param giveUpMillis when the client stops waiting and closes the connection itself
     * @return how it ended
     * @throws IOException if the connection cannot be opened
     */
    static Outcome hold(InetSocketAddress address, Kind kind, long giveUpMillis) throws IOException {
        long t0 = System.nanoTime();
        long end = t0 + giveUpMillis * 1_000_000L;
        try (Socket s = new Socket()) {
            s.connect(address, 5_000);
            s.setSoTimeout(PAUSE_MILLIS);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            StringBuilder reply = new StringBuilder();
            byte[] piece = kind.piece.getBytes(StandardCharsets.US_ASCII);
            try {
                out.write(kind.head.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                while (System.nanoTime() < end) {
                    if (readUntilQuiet(in, reply)) {
                        return new Outcome(true, status(reply), System.nanoTime() - t0);
                    }
                    out.write(piece);
                    out.flush();
                }
            } catch (IOException e) {
                return new Outcome(true, status(reply), System.nanoTime() - t0); // reset or broken pipe: cut off
            }
            return new Outcome(false, status(reply), System.nanoTime() - t0);
        }
    }

    /**
     * Reads what the server sends for up to one pause.
     *
     * @return true if the server closed the connection
     */
    private static boolean readUntilQuiet(InputStream in, StringBuilder reply) throws IOException {
        byte[] buf = new byte[512];
        try {
            for (int n = in.read(buf); ; n = in.read(buf)) {
                if (n < 0) {
                    return true;
                }
                if (reply.length() < 64) {
                    reply.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** Returns the status of an {@code HTTP/1.1 NNN ...} reply, or 0 if there was none. */
    private static int status(CharSequence reply) {
        String s = reply.toString();
        if (s.startsWith("HTTP/") && s.length() >= 12) {
            try {
                return Integer.parseInt(s.substring(9, 12));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }
}
