package org.rnn4j.spi;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A small fixed pool of daemon threads that runs one chunked job at a time, without allocating.
 *
 * <p>The caller takes the pool with {@link #tryAcquire()} (a busy pool means: run the job on your
 * own thread, results are the same), publishes a job and helps run its chunks. Each thread has a
 * home share of the chunks, the same contiguous range for every job of the same size (the caller
 * the first, worker i the (i+1)-th): a batch-1 step's product is split over output rows, so each
 * thread multiplies the same slice of the recurrent weights at every step and can keep it in its
 * own L2 where it fits (2 MiB-L2 Xeons; not the 1 MiB-L2 Zen 5 here at H = 512). A thread that runs out of home chunks takes the unstarted chunks of the others, so a late or
 * descheduled thread delays nobody. Every claim is a compare-and-set on a word that carries the
 * job's generation, so a late worker can never claim a chunk of a later job. Idle workers spin
 * briefly (steps follow each other within microseconds), then park. Which thread runs a chunk
 * never changes its result: jobs split only over independent outputs.
 *
 * <p>For backends' kernels (simd and native use it): one pool per thread count per JVM, shared by
 * every backend, so two backends in one process never run more pool threads than asked for.
 */
public final class WorkerPool {
  /** A job split into independent chunks 0..n-1. */
  public interface Job {
    void run(int chunk);
  }

  /** The most chunks one job may have (the ticket keeps 16 bits for them). */
  public static final int MAX_CHUNKS = 0xFFFF;
  private static final int SPINS = 1 << 13;
  private static final ConcurrentHashMap<Integer, WorkerPool> SHARED = new ConcurrentHashMap<>();

  private final ReentrantLock lock = new ReentrantLock();
  /** generation (32 bits) | chunks (16 bits); a new generation starts a job. */
  private final AtomicLong ticket = new AtomicLong();
  /** Per thread (the caller 0): generation (32 bits) | next unclaimed home chunk (16) | end of home (16). */
  private final AtomicLongArray shares;
  private final AtomicInteger completed = new AtomicInteger();
  private final Thread[] workers;
  private volatile Job job;
  private volatile Thread caller;
  private volatile Throwable failure;
  private int generation;

  private WorkerPool(int threads) {
    workers = new Thread[threads - 1];
    shares = new AtomicLongArray(threads);
    for (int i = 0; i < workers.length; i++) {
      int home = i + 1;
      Thread t = new Thread(() -> workLoop(home), "rnn4j-pool-" + threads + "-worker-" + home);
      t.setDaemon(true);
      workers[i] = t;
      t.start();
    }
  }

  /** The pool for {@code threads} threads in all (the caller counts as one); one per size per JVM. */
  public static WorkerPool shared(int threads) {
    if (threads < 2) {
      throw new IllegalArgumentException("a pool needs at least 2 threads, got " + threads);
    }
    return SHARED.computeIfAbsent(threads, WorkerPool::new);
  }

  /** Threads that run a job, the caller included. */
  public int threads() {
    return workers.length + 1;
  }

  /**
   * Takes the pool for one job; false when another thread is using it, and also when this thread
   * already holds it (a chunk running on the caller's thread must not start a nested job, which
   * would overwrite the running one's state).
   */
  public boolean tryAcquire() {
    return !lock.isHeldByCurrentThread() && lock.tryLock();
  }

  public void release() {
    lock.unlock();
  }

  /** Runs chunks 0..chunks-1 of {@code j} on the pool and this thread; only between acquire and release. */
  public void run(Job j, int chunks) {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("pool not acquired");
    }
    if (chunks < 1 || chunks > MAX_CHUNKS) {
      throw new IllegalArgumentException("chunks out of range: " + chunks);
    }
    failure = null;
    job = j;
    caller = Thread.currentThread();
    completed.set(0);
    int gen = ++generation;
    int n = shares.length();
    // Rounded up, so the caller's share is never empty (with fewer chunks than threads the last
    // workers' are).
    for (int i = 0; i < n; i++) {
      long start = ((long) chunks * i + n - 1) / n;
      long end = ((long) chunks * (i + 1) + n - 1) / n;
      shares.set(i, ((long) gen << 32) | (start << 16) | end);
    }
    // Published after the shares: a worker that sees this generation sees its share.
    ticket.set(((long) gen << 32) | ((long) chunks << 16));
    for (Thread w : workers) {
      LockSupport.unpark(w);
    }
    help(gen, 0, chunks);
    int spins = 0;
    while (completed.get() < chunks) {
      if (++spins < SPINS) {
        Thread.onSpinWait();
      } else {
        LockSupport.park(this);
      }
    }
    job = null;
    Throwable f = failure;
    if (f != null) {
      failure = null;
      if (f instanceof RuntimeException re) {
        throw re;
      }
      if (f instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(f);
    }
  }

  /** Runs this thread's home chunks of generation {@code gen}, then whatever the others have not started. */
  private void help(int gen, int home, int chunks) {
    int n = shares.length();
    for (int k = 0; k < n; k++) {
      int share = (home + k) % n;
      int c;
      while ((c = claim(share, gen)) >= 0) {
        // A successful claim means this generation is still running, so job is its job.
        try {
          job.run(c);
        } catch (Throwable e) {
          failure = e;
        }
        if (completed.incrementAndGet() == chunks) {
          LockSupport.unpark(caller);
        }
      }
    }
  }

  /** The next unclaimed chunk of {@code share} in generation {@code gen}, or -1 when there is none. */
  private int claim(int share, int gen) {
    for (;;) {
      long s = shares.get(share);
      int next = (int) (s >>> 16) & 0xFFFF;
      if ((int) (s >>> 32) != gen || next >= ((int) s & 0xFFFF)) {
        return -1;
      }
      if (shares.compareAndSet(share, s, s + (1L << 16))) {
        return next;
      }
    }
  }

  private void workLoop(int home) {
    int seen = 0;
    for (;;) {
      long t;
      int spins = 0;
      while ((int) ((t = ticket.get()) >>> 32) == seen) {
        if (++spins < SPINS) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      seen = (int) (t >>> 32);
      help(seen, home, (int) (t >>> 16) & 0xFFFF);
    }
  }
}
