package org.rnn4j.serving;

import java.util.concurrent.RejectedExecutionException;

/**
 * A request was refused, or failed while still queued, because the executor is shutting down.
 */
public final class ExecutorClosedException extends RejectedExecutionException {
  private static final long serialVersionUID = 1L;

  public ExecutorClosedException(String message) {
    super(message);
  }
}
