package org.rnn4j.serving;

import java.util.Objects;

/**
 * How a {@link BatchingExecutor} forms batches.
 *
 * @param maxBatch most requests (sequences, or stream steps) run together; 1 disables batching
 * @param maxDelayMicros how long the oldest waiting request may wait for others to join its batch;
 *     0 runs whatever is queued as soon as a worker is free (a busy worker still batches naturally)
 * @param queueCapacity most requests waiting (not yet taken by a worker); beyond it submissions
 *     fail with {@link QueueFullException}
 * @param workers worker threads; each runs one batch at a time with its own scratch memory
 * @param threadName prefix of the workers' names
 */
public record BatchingOptions(int maxBatch, long maxDelayMicros, int queueCapacity, int workers, String threadName) {
  public BatchingOptions {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
    }
    if (maxDelayMicros < 0) {
      throw new IllegalArgumentException("maxDelayMicros must not be negative, got " + maxDelayMicros);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be at least 1, got " + queueCapacity);
    }
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    Objects.requireNonNull(threadName, "threadName");
  }

  /** maxBatch 64, maxDelay 2000 µs, queue 1024, one worker. */
  public static BatchingOptions defaults() {
    return new BatchingOptions(64, 2000, 1024, 1, "rnn4j-batch");
  }

  public BatchingOptions withMaxBatch(int n) {
    return new BatchingOptions(n, maxDelayMicros, queueCapacity, workers, threadName);
  }

  public BatchingOptions withMaxDelayMicros(long us) {
    return new BatchingOptions(maxBatch, us, queueCapacity, workers, threadName);
  }

  public BatchingOptions withQueueCapacity(int n) {
    return new BatchingOptions(maxBatch, maxDelayMicros, n, workers, threadName);
  }

  public BatchingOptions withWorkers(int n) {
    return new BatchingOptions(maxBatch, maxDelayMicros, queueCapacity, n, threadName);
  }

  public BatchingOptions withThreadName(String name) {
    return new BatchingOptions(maxBatch, maxDelayMicros, queueCapacity, workers, name);
  }
}
