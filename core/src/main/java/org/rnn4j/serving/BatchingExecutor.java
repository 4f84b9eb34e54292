package org.rnn4j.serving;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.SequenceBatch;
import org.rnn4j.State;
import org.rnn4j.Workspace;

/**
 * Micro-batching over one shared {@link Model}: single-sequence requests from many threads that
 * arrive within a short window run together as one ragged batch ({@code Model.forward} with
 * per-row lengths, which spends no compute on padding), and pending steps of many
 * {@link StreamSession streams} run together as one batched {@code Model.step}.
 *
 * <p>Each request's result is what it would get alone: rows of a batch never mix (the kernels
 * compute every row independently), so only float32 rounding of the backend could differ.
 *
 * <p>The queue is bounded: a submission beyond {@link BatchingOptions#queueCapacity()} fails at
 * once with {@link QueueFullException}; nothing is dropped silently. A request whose future was
 * cancelled, or whose deadline passed, before a worker took it is not computed (the latter
 * completes with {@link DeadlineExceededException}). Workers are the executor's own named daemon
 * threads. {@link #close()} stops accepting, finishes what is queued and waits for the workers;
 * {@link #shutdownNow()} fails what is queued instead. The model is not closed.
 */
public final class BatchingExecutor implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("org.rnn4j.serving");

  private final Model model;
  private final ModelSpec spec;
  private final BatchingOptions options;
  private final long maxDelayNanos;
  private final MetricsRecorder metrics;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition workAvailable = lock.newCondition();
  private final Condition workersDone = lock.newCondition();
  // Everything below is guarded by lock.
  private final ArrayDeque<SequenceRequest> sequences = new ArrayDeque<>();
  /** Streams with a pending step and none running, in the order they became ready. */
  private final ArrayDeque<StreamSession> readyStreams = new ArrayDeque<>();
  /** Queued sequences plus queued stream steps: what the capacity bounds. */
  private int waiting;
  private boolean shutdown;
  /** Set by shutdownNow: steps that become runnable later are failed, not run. */
  private boolean dropQueued;
  private int liveWorkers;

  /** A request waiting for a worker. */
  abstract static class Request<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    final float[] x;
    final long submitted = System.nanoTime();
    final boolean timed;
    final long deadline;

    Request(float[] x, Duration timeout) {
      this.x = x;
      this.timed = timeout != null;
      this.deadline = timed ? submitted + saturatedNanos(timeout) : 0;
    }

    boolean expiredAt(long now) {
      return timed && now - deadline > 0;
    }
  }

  static final class SequenceRequest extends Request<SequenceResult> {
    final int steps;
    final float[] h0;
    final float[] c0;

    SequenceRequest(float[] x, int steps, float[] h0, float[] c0, Duration timeout) {
      super(x, timeout);
      this.steps = steps;
      this.h0 = h0;
      this.c0 = c0;
    }
  }

  static final class StepRequest extends Request<float[]> {
    StepRequest(float[] x, Duration timeout) {
      super(x, timeout);
    }
  }

  /** Creates the executor and starts its workers. */
  public BatchingExecutor(Model model, BatchingOptions options) {
    this.model = Objects.requireNonNull(model, "model");
    this.options = Objects.requireNonNull(options, "options");
    this.spec = model.spec();
    this.maxDelayNanos = TimeUnit.MICROSECONDS.toNanos(options.maxDelayMicros());
    this.metrics = new MetricsRecorder(options.maxBatch(), this::queueDepth);
    lock.lock();
    try {
      for (int i = 0; i < options.workers(); i++) {
        Worker w = new Worker();
        Thread t = Thread.ofPlatform().daemon(true).name(options.threadName() + "-" + i).unstarted(w::run);
        liveWorkers++;
        t.start();
      }
    } finally {
      lock.unlock();
    }
  }

  public Model model() {
    return model;
  }

  public BatchingOptions options() {
    return options;
  }

  public ServingMetrics metrics() {
    return metrics;
  }

  // ------------------------------------------------------------------ submitting

  /** One sequence x [T, I] (row-major, T ≥ 1) from zero initial state. */
  public CompletableFuture<SequenceResult> submit(float[] x) {
    return submit(x, null, null, null);
  }

  /**
   * One sequence x [T, I] with optional initial states h0 [L·D, Hout] and c0 [L·D, H] (LSTM), and
   * an optional timeout: if no worker has started it by then, it completes with
   * {@link DeadlineExceededException} and is not computed. The arrays must not change until the
   * future completes. Invalid arguments throw {@link IllegalArgumentException} at once.
   *
   * @throws QueueFullException when the queue is full
   * @throws ExecutorClosedException after shutdown
   */
  public CompletableFuture<SequenceResult> submit(float[] x, float[] h0, float[] c0, Duration timeout) {
    Objects.requireNonNull(x, "x");
    int in = spec.inputSize();
    if (x.length == 0 || x.length % in != 0) {
      throw new IllegalArgumentException("x: expected [T, " + in + "] with T >= 1, got " + x.length
          + " elements (not a positive multiple of " + in + ")");
    }
    int ld = spec.directionCount();
    checkLength("h0", h0, ld * spec.outputWidth(), "[" + ld + ", " + spec.outputWidth() + "]");
    if (c0 != null && !spec.hasCellState()) {
      throw new IllegalArgumentException("c0 given, but a " + spec.cell().id() + " model has no cell state");
    }
    checkLength("c0", c0, ld * spec.hiddenSize(), "[" + ld + ", " + spec.hiddenSize() + "]");
    SequenceRequest r = new SequenceRequest(x, x.length / in, h0, c0, timeout);
    lock.lock();
    try {
      admit();
      sequences.addLast(r);
      waiting++;
      wakeWorker(sequences.size());
    } finally {
      lock.unlock();
    }
    return r.future;
  }

  /** A new stream from zero state. Needs a unidirectional model. */
  public StreamSession openStream() {
    return openStream(null, null);
  }

  /** A new stream from h0 [L, Hout] and c0 [L, H] (LSTM; null = zeros). */
  public StreamSession openStream(float[] h0, float[] c0) {
    if (spec.bidirectional()) {
      throw new IllegalStateException("streaming needs a unidirectional model; this one is bidirectional");
    }
    int layers = spec.numLayers();
    checkLength("h0", h0, layers * spec.outputWidth(), "[" + layers + ", " + spec.outputWidth() + "]");
    if (c0 != null && !spec.hasCellState()) {
      throw new IllegalArgumentException("c0 given, but a " + spec.cell().id() + " model has no cell state");
    }
    checkLength("c0", c0, layers * spec.hiddenSize(), "[" + layers + ", " + spec.hiddenSize() + "]");
    float[] h = h0 == null ? new float[layers * spec.outputWidth()] : h0.clone();
    float[] c = !spec.hasCellState() ? null : c0 == null ? new float[layers * spec.hiddenSize()] : c0.clone();
    lock.lock();
    try {
      if (shutdown) {
        throw new ExecutorClosedException("executor is shut down; no new streams");
      }
    } finally {
      lock.unlock();
    }
    return new StreamSession(this, h, c);
  }

  CompletableFuture<float[]> submitStep(StreamSession s, float[] x, Duration timeout) {
    Objects.requireNonNull(x, "x");
    if (x.length != spec.inputSize()) {
      throw new IllegalArgumentException("x: expected [" + spec.inputSize() + "] (one step), got " + x.length
          + " elements");
    }
    StepRequest r = new StepRequest(x, timeout);
    lock.lock();
    try {
      if (s.closed) {
        throw new IllegalStateException("stream is closed");
      }
      admit();
      s.pending.addLast(r);
      waiting++;
      if (s.inFlight == null && s.pending.size() == 1) {
        readyStreams.addLast(s);
        wakeWorker(readyStreams.size());
      }
    } finally {
      lock.unlock();
    }
    return r.future;
  }

  /** Under lock: refuses a submission after shutdown or when the queue is full. */
  private void admit() {
    if (shutdown) {
      throw new ExecutorClosedException("executor is shut down; not accepting requests");
    }
    if (waiting >= options.queueCapacity()) {
      metrics.rejected.incrementAndGet();
      throw new QueueFullException(options.queueCapacity());
    }
  }

  /**
   * Under lock. A worker waiting inside a batch window only needs waking when the batch is full;
   * an idle one when the first request arrives.
   */
  private void wakeWorker(int queued) {
    if (queued == 1 || queued >= options.maxBatch()) {
      workAvailable.signal();
    }
  }

  float[] readState(StreamSession s, boolean hidden) {
    lock.lock();
    try {
      requireIdle(s);
      if (!hidden && s.c == null) {
        throw new IllegalStateException(spec.cell().id() + " has no cell state");
      }
      return (hidden ? s.h : s.c).clone();
    } finally {
      lock.unlock();
    }
  }

  void resetState(StreamSession s) {
    lock.lock();
    try {
      requireIdle(s);
      Arrays.fill(s.h, 0f);
      if (s.c != null) {
        Arrays.fill(s.c, 0f);
      }
    } finally {
      lock.unlock();
    }
  }

  private static void requireIdle(StreamSession s) {
    if (s.inFlight != null || !s.pending.isEmpty()) {
      throw new IllegalStateException("the stream has steps pending or running");
    }
  }

  void closeStream(StreamSession s) {
    List<StepRequest> dropped;
    lock.lock();
    try {
      if (s.closed) {
        return;
      }
      s.closed = true;
      dropped = new ArrayList<>(s.pending);
      waiting -= dropped.size();
      s.pending.clear();
      readyStreams.remove(s);
    } finally {
      lock.unlock();
    }
    for (StepRequest r : dropped) {
      if (r.future.cancel(false)) {
        metrics.cancelled.incrementAndGet();
      }
    }
  }

  private int queueDepth() {
    lock.lock();
    try {
      return waiting;
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------------ shutdown

  /** Stops accepting requests; what is queued still runs. Does not wait. */
  public void shutdown() {
    lock.lock();
    try {
      shutdown = true;
      workAvailable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops accepting requests and fails everything still queued with {@link ExecutorClosedException};
   * batches already running finish. Does not wait.
   */
  public void shutdownNow() {
    List<Request<?>> dropped = new ArrayList<>();
    lock.lock();
    try {
      shutdown = true;
      dropQueued = true;
      dropped.addAll(sequences);
      sequences.clear();
      for (StreamSession s : readyStreams) {
        dropped.addAll(s.pending);
        s.pending.clear();
      }
      readyStreams.clear();
      waiting = 0;
      workAvailable.signalAll();
    } finally {
      lock.unlock();
    }
    ExecutorClosedException e = new ExecutorClosedException("executor shut down before this request ran");
    for (Request<?> r : dropped) {
      if (r.future.completeExceptionally(e)) {
        metrics.failed.incrementAndGet();
      }
    }
  }

  /** Waits until every worker has exited; true if they did within the timeout. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long left = saturatedNanos(timeout);
    lock.lock();
    try {
      while (liveWorkers > 0) {
        if (left <= 0) {
          return false;
        }
        left = workersDone.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  public boolean isTerminated() {
    lock.lock();
    try {
      return shutdown && liveWorkers == 0;
    } finally {
      lock.unlock();
    }
  }

  /** {@link #shutdown()}, then waits for the queue to drain; if interrupted, {@link #shutdownNow()}. */
  @Override
  public void close() {
    shutdown();
    try {
      awaitTermination(Duration.ofDays(365));
    } catch (InterruptedException e) {
      shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ workers

  /** One worker thread with its own scratch memory. */
  private final class Worker {
    private final Workspace ws = model.newWorkspace();
    private final List<SequenceRequest> seqBatch = new ArrayList<>(options.maxBatch());
    private final List<StreamSession> stepBatch = new ArrayList<>(options.maxBatch());
    private final List<Request<?>> expired = new ArrayList<>();
    private float[] x = new float[0];
    private State state;
    private float[] stepX;
    private float[] stepY;

    void run() {
      try {
        while (take()) {
          if (!seqBatch.isEmpty()) {
            runSequences();
          } else if (!stepBatch.isEmpty()) {
            runSteps();
          }
        }
      } catch (InterruptedException e) {
        // Only an outside interrupt gets here; treat it as a request to stop this worker.
        LOG.log(System.Logger.Level.WARNING, "serving worker interrupted; exiting", e);
      } finally {
        lock.lock();
        try {
          liveWorkers--;
          workersDone.signalAll();
          // The last worker to leave must not strand queued requests (only after an interrupt).
          if (liveWorkers == 0 && waiting > 0) {
            shutdown = true;
          }
        } finally {
          lock.unlock();
        }
        if (isTerminated()) {
          shutdownNow();
        }
      }
    }

    /**
     * Blocks until a batch is ready and fills seqBatch or stepBatch; false when shut down and
     * drained. The batch kind is that of the oldest waiting request; the batch runs when it is
     * full, when the oldest has waited maxDelay, or at once during shutdown.
     */
    private boolean take() throws InterruptedException {
      seqBatch.clear();
      stepBatch.clear();
      expired.clear();
      lock.lock();
      try {
        while (true) {
          if (sequences.isEmpty() && readyStreams.isEmpty()) {
            if (shutdown) {
              return false;
            }
            workAvailable.await();
            continue;
          }
          boolean seqs = !sequences.isEmpty() && (readyStreams.isEmpty()
              || sequences.peekFirst().submitted - readyStreams.peekFirst().pending.peekFirst().submitted <= 0);
          long oldest = seqs ? sequences.peekFirst().submitted : readyStreams.peekFirst().pending.peekFirst().submitted;
          int available = seqs ? sequences.size() : readyStreams.size();
          long now = System.nanoTime();
          long wait = oldest + maxDelayNanos - now;
          if (available < options.maxBatch() && wait > 0 && !shutdown) {
            workAvailable.awaitNanos(wait);
            continue;
          }
          if (seqs) {
            drainSequences(now);
          } else {
            drainSteps(now);
          }
          if (!sequences.isEmpty() || !readyStreams.isEmpty()) {
            workAvailable.signal(); // another worker may start on the rest
          }
          if (!seqBatch.isEmpty() || !stepBatch.isEmpty()) {
            return true;
          }
          // Everything taken was dead: report it now, then look again.
          lock.unlock();
          try {
            completeExpired();
          } finally {
            lock.lock();
          }
        }
      } finally {
        lock.unlock();
        completeExpired();
      }
    }

    /** Under lock: takes up to maxBatch live sequences; dead ones are counted and skipped. */
    private void drainSequences(long now) {
      SequenceRequest r;
      while (seqBatch.size() < options.maxBatch() && (r = sequences.pollFirst()) != null) {
        waiting--;
        if (alive(r, now)) {
          seqBatch.add(r);
        }
      }
    }

    /** Under lock: takes one live step from each of up to maxBatch ready streams. */
    private void drainSteps(long now) {
      StreamSession s;
      while (stepBatch.size() < options.maxBatch() && (s = readyStreams.pollFirst()) != null) {
        StepRequest r;
        while ((r = s.pending.pollFirst()) != null) {
          waiting--;
          if (alive(r, now)) {
            s.inFlight = r;
            stepBatch.add(s);
            break;
          }
        }
      }
    }

    /** Under lock: whether r should run; records its queue wait, or why it will not run. */
    private boolean alive(Request<?> r, long now) {
      if (r.future.isDone()) {
        metrics.cancelled.incrementAndGet();
        return false;
      }
      if (r.expiredAt(now)) {
        expired.add(r);
        return false;
      }
      metrics.queueWait(now - r.submitted);
      return true;
    }

    /** Outside the lock, because completing a future runs the caller's callbacks. */
    private void completeExpired() {
      if (expired.isEmpty()) {
        return;
      }
      long now = System.nanoTime();
      for (Request<?> r : expired) {
        // Counted before completing, so that a caller who sees the failure sees it counted too.
        metrics.expired.incrementAndGet();
        if (!r.future.completeExceptionally(new DeadlineExceededException((now - r.submitted) / 1000))) {
          metrics.expired.decrementAndGet();
          metrics.cancelled.incrementAndGet();
        }
      }
      expired.clear();
    }

    private void runSequences() {
      int n = seqBatch.size();
      int in = spec.inputSize();
      int ld = spec.directionCount();
      int hOut = spec.outputWidth();
      int hid = spec.hiddenSize();
      int steps = 0;
      boolean ragged = false;
      boolean anyH0 = false;
      boolean anyC0 = false;
      for (SequenceRequest r : seqBatch) {
        ragged |= steps != 0 && r.steps != steps;
        steps = Math.max(steps, r.steps);
        anyH0 |= r.h0 != null;
        anyC0 |= r.c0 != null;
      }
      long start = System.nanoTime();
      ForwardResult fr;
      try {
        // x must be exactly [T, n, I]; reuse the last one when the shape repeats (steady load).
        if (x.length != steps * n * in) {
          x = new float[steps * n * in];
        }
        int[] lengths = ragged ? new int[n] : null;
        float[] h0 = anyH0 ? new float[ld * n * hOut] : null;
        float[] c0 = anyC0 ? new float[ld * n * hid] : null;
        for (int b = 0; b < n; b++) {
          SequenceRequest r = seqBatch.get(b);
          // Padding past a row's length is never read: forward gathers only the alive rows.
          for (int t = 0; t < r.steps; t++) {
            System.arraycopy(r.x, t * in, x, (t * n + b) * in, in);
          }
          if (lengths != null) {
            lengths[b] = r.steps;
          }
          for (int slot = 0; slot < ld; slot++) {
            if (r.h0 != null) {
              System.arraycopy(r.h0, slot * hOut, h0, (slot * n + b) * hOut, hOut);
            }
            if (r.c0 != null) {
              System.arraycopy(r.c0, slot * hid, c0, (slot * n + b) * hid, hid);
            }
          }
        }
        SequenceBatch batch = SequenceBatch.seqFirst(x, steps, n, in).withLengths(lengths).withH0(h0).withC0(c0);
        fr = model.forward(batch, ws);
      } catch (RuntimeException | Error e) {
        fail(seqBatch, e);
        return;
      }
      metrics.batch(n, System.nanoTime() - start);
      float[] y = fr.output().data();
      float[] hN = fr.hN().data();
      float[] cN = fr.cN() == null ? null : fr.cN().data();
      int width = spec.directions() * hOut;
      for (int b = 0; b < n; b++) {
        SequenceRequest r = seqBatch.get(b);
        float[] out = new float[r.steps * width];
        for (int t = 0; t < r.steps; t++) {
          System.arraycopy(y, (t * n + b) * width, out, t * width, width);
        }
        float[] h = new float[ld * hOut];
        float[] c = cN == null ? null : new float[ld * hid];
        for (int slot = 0; slot < ld; slot++) {
          System.arraycopy(hN, (slot * n + b) * hOut, h, slot * hOut, hOut);
          if (c != null) {
            System.arraycopy(cN, (slot * n + b) * hid, c, slot * hid, hid);
          }
        }
        // Counted before completing: a caller that has its result must already see it in the metrics.
        metrics.completed.incrementAndGet();
        if (!r.future.complete(new SequenceResult(out, h, c, r.steps, width))) {
          metrics.completed.decrementAndGet();
        }
      }
    }

    private void runSteps() {
      int n = stepBatch.size();
      int in = spec.inputSize();
      int hOut = spec.outputWidth();
      long start = System.nanoTime();
      try {
        if (state == null) {
          state = model.newState(options.maxBatch());
          stepX = new float[options.maxBatch() * in];
          stepY = new float[options.maxBatch() * hOut];
        }
        // The stream's state moves into row r and back; the session keeps it between steps.
        for (int r = 0; r < n; r++) {
          StreamSession s = stepBatch.get(r);
          state.setRow(r, s.h, s.c);
          System.arraycopy(s.inFlight.x, 0, stepX, r * in, in);
        }
        model.step(state, n, stepX, stepY);
        for (int r = 0; r < n; r++) {
          StreamSession s = stepBatch.get(r);
          state.copyRowTo(r, s.h, s.c);
        }
      } catch (RuntimeException | Error e) {
        List<StepRequest> failed = finishSteps();
        fail(failed, e);
        return;
      }
      metrics.batch(n, System.nanoTime() - start);
      float[][] outs = new float[n][];
      for (int r = 0; r < n; r++) {
        outs[r] = Arrays.copyOfRange(stepY, r * hOut, (r + 1) * hOut);
      }
      List<StepRequest> done = finishSteps();
      for (int r = 0; r < n; r++) {
        metrics.completed.incrementAndGet();
        if (!done.get(r).future.complete(outs[r])) {
          metrics.completed.decrementAndGet();
        }
      }
    }

    /** Marks the batch's streams idle again, re-queueing those with more steps; returns their requests. */
    private List<StepRequest> finishSteps() {
      List<StepRequest> reqs = new ArrayList<>(stepBatch.size());
      List<StepRequest> dropped = new ArrayList<>();
      lock.lock();
      try {
        for (StreamSession s : stepBatch) {
          reqs.add(s.inFlight);
          s.inFlight = null;
          if (dropQueued) {
            dropped.addAll(s.pending);
            waiting -= s.pending.size();
            s.pending.clear();
          } else if (!s.pending.isEmpty() && !s.closed) {
            readyStreams.addLast(s);
          }
        }
        if (!readyStreams.isEmpty()) {
          workAvailable.signal();
        }
      } finally {
        lock.unlock();
      }
      ExecutorClosedException e = new ExecutorClosedException("executor shut down before this request ran");
      for (StepRequest r : dropped) {
        if (r.future.completeExceptionally(e)) {
          metrics.failed.incrementAndGet();
        }
      }
      return reqs;
    }

    private void fail(List<? extends Request<?>> batch, Throwable e) {
      LOG.log(System.Logger.Level.ERROR, "a serving batch of " + batch.size() + " failed", e);
      for (Request<?> r : batch) {
        if (r.future.completeExceptionally(e)) {
          metrics.failed.incrementAndGet();
        }
      }
      if (e instanceof Error err && !(e instanceof OutOfMemoryError)) {
        throw err;
      }
    }
  }

  private static void checkLength(String name, float[] a, int n, String shape) {
    if (a != null && a.length != n) {
      throw new IllegalArgumentException(name + ": expected " + shape + " (" + n + " elements), got " + a.length
          + " elements");
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
    }
  }
}
