package org.rnn4j.serving;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntSupplier;

/** The executor's {@link ServingMetrics}: atomic counters plus two sliding latency windows. */
final class MetricsRecorder implements ServingMetrics {
  private final IntSupplier depth;
  private final AtomicLongArray batchSizes;
  private final Window queueWait = new Window();
  private final Window compute = new Window();
  final AtomicLong completed = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong expired = new AtomicLong();
  final AtomicLong cancelled = new AtomicLong();
  final AtomicLong failed = new AtomicLong();

  MetricsRecorder(int maxBatch, IntSupplier depth) {
    this.depth = depth;
    this.batchSizes = new AtomicLongArray(maxBatch + 1);
  }

  void batch(int size, long computeNanos) {
    batchSizes.incrementAndGet(size);
    compute.add(computeNanos / 1000);
  }

  void queueWait(long nanos) {
    queueWait.add(nanos / 1000);
  }

  @Override
  public int queueDepth() {
    return depth.getAsInt();
  }

  @Override
  public long[] batchSizeCounts() {
    long[] out = new long[batchSizes.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = batchSizes.get(i);
    }
    return out;
  }

  @Override
  public long batches() {
    return compute.summary().count();
  }

  @Override
  public Percentiles queueWaitMicros() {
    return queueWait.summary();
  }

  @Override
  public Percentiles computeMicros() {
    return compute.summary();
  }

  @Override
  public long completed() {
    return completed.get();
  }

  @Override
  public long rejected() {
    return rejected.get();
  }

  @Override
  public long expired() {
    return expired.get();
  }

  @Override
  public long cancelled() {
    return cancelled.get();
  }

  @Override
  public long failed() {
    return failed.get();
  }

  /** A ring of the last WINDOW samples; readers copy and sort (reads are rare, writes cheap). */
  private static final class Window {
    private final long[] ring = new long[WINDOW];
    private long count;
    private long sum;

    synchronized void add(long micros) {
      ring[(int) (count % WINDOW)] = micros;
      count++;
      sum += micros;
    }

    synchronized Percentiles summary() {
      int n = (int) Math.min(count, WINDOW);
      if (n == 0) {
        return new Percentiles(0, 0, 0, 0, 0, 0);
      }
      long[] s = Arrays.copyOf(ring, n);
      Arrays.sort(s);
      return new Percentiles(count, sum, at(s, 0.50), at(s, 0.90), at(s, 0.99), s[n - 1]);
    }

    private static long at(long[] sorted, double q) {
      int i = (int) Math.ceil(q * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
  }
}
