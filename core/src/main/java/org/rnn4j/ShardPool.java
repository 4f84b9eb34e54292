package org.rnn4j;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The training loop's own threads (never the common pool): {@code threads − 1} daemon workers plus
 * the caller run the indices 0..n−1 of one job. Which thread runs which index does not matter to
 * the results (each index writes only its own buffers). Allocates nothing per job; one job at a
 * time, from one caller thread.
 */
final class ShardPool implements AutoCloseable {
  private final Thread[] workers;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger acks = new AtomicInteger();
  private volatile IntConsumer task;
  private volatile int count;
  private volatile long generation;
  private volatile boolean closed;
  private volatile Thread caller;
  private volatile Throwable failure;

  ShardPool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    workers = new Thread[threads - 1];
    for (int i = 0; i < workers.length; i++) {
      Thread t = new Thread(this::loop, "rnn4j-train-" + (i + 1));
      t.setDaemon(true);
      workers[i] = t;
    }
    for (Thread t : workers) {
      t.start();
    }
  }

  int threads() {
    return workers.length + 1;
  }

  /** Runs task(i) for every i in 0..n−1 and returns when all have finished; rethrows the first failure. */
  void run(IntConsumer job, int n) {
    if (closed) {
      throw new IllegalStateException("pool is closed");
    }
    if (workers.length == 0 || n <= 1) {
      for (int i = 0; i < n; i++) {
        job.accept(i);
      }
      return;
    }
    failure = null;
    task = job;
    count = n;
    next.set(0);
    acks.set(0);
    caller = Thread.currentThread();
    generation = generation + 1; // publishes the fields above
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    work();
    // Every worker acknowledges the job once it has left it, so none is still inside when the next starts.
    while (acks.get() < workers.length) {
      LockSupport.park(this);
    }
    task = null;
    Throwable f = failure;
    if (f != null) {
      if (f instanceof RuntimeException re) {
        throw re;
      }
      if (f instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(f);
    }
  }

  private void work() {
    IntConsumer job = task;
    int n = count;
    int i;
    while ((i = next.getAndIncrement()) < n) {
      try {
        job.accept(i);
      } catch (Throwable t) {
        if (failure == null) {
          failure = t;
        }
      }
    }
  }

  private void loop() {
    long seen = 0;
    while (!closed) {
      long g = generation;
      if (g != seen) {
        seen = g;
        work();
        if (acks.incrementAndGet() == workers.length) {
          LockSupport.unpark(caller);
        }
      } else {
        LockSupport.park(this);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
  }
}
