package org.rnn4j.serving;

import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown by {@link BatchingExecutor#submit} and {@link StreamSession#step} at once when the
 * executor's bounded queue is full: the caller should shed load or retry later (HTTP 503).
 * Nothing was queued.
 */
public final class QueueFullException extends RejectedExecutionException {
  private static final long serialVersionUID = 1L;

  public QueueFullException(int capacity) {
    super("queue full (" + capacity + " requests waiting); retry later");
  }
}
