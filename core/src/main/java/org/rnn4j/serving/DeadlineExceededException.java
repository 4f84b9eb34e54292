package org.rnn4j.serving;

/**
 * Completes the future of a request whose deadline passed before a worker reached it; such a
 * request is never computed (a stream step that expired leaves the stream's state unchanged).
 */
public final class DeadlineExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeadlineExceededException(long waitedMicros) {
    super("deadline exceeded after " + waitedMicros + " µs in the queue; not computed");
  }
}
