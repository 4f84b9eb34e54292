package org.rnn4j.serving;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One independent stream on a {@link BatchingExecutor}: each {@link #step} advances it by one
 * time step. Steps of many streams that are pending at the same time run as one batched
 * {@code Model.step}; the stream's state (h, c per layer) lives here, owned by the executor.
 *
 * <p>Steps of one stream run in submission order, one at a time; several may be pending
 * (pipelining). A step that is cancelled or expires before it runs is skipped and leaves the
 * state unchanged. Thread-safe. {@link #close()} cancels pending steps and forgets the stream.
 */
public final class StreamSession implements AutoCloseable {
  private final BatchingExecutor owner;
  // Guarded by the owner's lock while a step may touch them; the worker copies them in and out.
  final float[] h;
  final float[] c;
  final ArrayDeque<BatchingExecutor.StepRequest> pending = new ArrayDeque<>();
  BatchingExecutor.StepRequest inFlight;
  boolean closed;

  StreamSession(BatchingExecutor owner, float[] h, float[] c) {
    this.owner = owner;
    this.h = h;
    this.c = c;
  }

  /** Submits one step, x [I]; the future gives the last layer's output [Hout]. */
  public CompletableFuture<float[]> step(float[] x) {
    return owner.submitStep(this, x, null);
  }

  /** As {@link #step(float[])}, failing with {@link DeadlineExceededException} if not started within timeout. */
  public CompletableFuture<float[]> step(float[] x, Duration timeout) {
    return owner.submitStep(this, x, timeout);
  }

  /** A copy of h [L, Hout]; fails while steps are pending or running. */
  public float[] hidden() {
    return owner.readState(this, true);
  }

  /** A copy of c [L, H] (LSTM only); fails while steps are pending or running. */
  public float[] cell() {
    return owner.readState(this, false);
  }

  /** Zeroes the state so that a new sequence starts; fails while steps are pending or running. */
  public void reset() {
    owner.resetState(this);
  }

  /** Cancels pending steps; later steps fail. Idempotent. */
  @Override
  public void close() {
    owner.closeStream(this);
  }
}
