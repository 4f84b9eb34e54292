package org.rnn4j.serving;

/**
 * Live counters of a {@link BatchingExecutor}, cheap to read from any thread (e.g. for a
 * Prometheus endpoint). Counts are cumulative since the executor started; percentiles are over
 * the most recent {@link #WINDOW} samples, so they follow the current load.
 */
public interface ServingMetrics {
  /** How many recent samples the percentiles cover. */
  int WINDOW = 4096;

  /** Requests (sequences and stream steps) waiting for a worker now. */
  int queueDepth();

  /** Index k holds how many batches of exactly k requests ran (index 0 is unused). */
  long[] batchSizeCounts();

  /** Batches run (the sum of {@link #batchSizeCounts()}). */
  long batches();

  /** Time from submission until a worker took the request into a batch, in µs. */
  Percentiles queueWaitMicros();

  /** Time one batch spent computing, in µs (one sample per batch). */
  Percentiles computeMicros();

  /** Requests computed and completed normally. */
  long completed();

  /** Submissions refused because the queue was full ({@link QueueFullException}). */
  long rejected();

  /** Requests not computed because their deadline passed in the queue. */
  long expired();

  /** Requests not computed because their future was cancelled while queued. */
  long cancelled();

  /** Requests whose batch failed with an exception, or that shutdown failed while queued. */
  long failed();

  /**
   * A latency summary.
   *
   * @param count samples since start
   * @param sumMicros their total, µs
   * @param p50 median of the recent window, µs (0 when empty)
   */
  record Percentiles(long count, long sumMicros, long p50, long p90, long p99, long max) {
  }
}
