package org.rnn4j.blas;

import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.FloatPointer;
import org.rnn4j.spi.PackedMatrix;

/**
 * W [rows × cols], row-major, copied once into native memory so that every product passes it to
 * OpenBLAS without a copy. {@link #close()} frees it deterministically, also when another thread
 * is still multiplying: the memory goes when the last in-flight product finishes, and products
 * started after close fail with {@link IllegalStateException} instead of reading freed memory.
 */
final class OffHeapMatrix extends PackedMatrix {
  /** Set in {@link #state} once closed; the low bits count the products in flight. */
  private static final int CLOSED = Integer.MIN_VALUE;

  final BlasKernels owner;
  /** Never repositioned: shared by every thread. */
  final FloatPointer data;
  private final AtomicInteger state = new AtomicInteger();
  private boolean freed;

  OffHeapMatrix(BlasKernels owner, float[] w, int off, int rows, int cols) {
    super(rows, cols);
    this.owner = owner;
    this.data = new FloatPointer((long) rows * cols);
    data.put(w, off, rows * cols);
  }

  /** Copies new values of W into the native memory (throws once closed). */
  void overwrite(float[] w, int off) {
    acquire();
    try {
      data.put(w, off, rows() * cols()); // at position 0, which is never changed
    } finally {
      release();
    }
  }

  /** Marks one product in flight; pair with {@link #release()}. */
  void acquire() {
    if (state.getAndIncrement() < 0) {
      release();
      throw new IllegalStateException("packed matrix " + rows() + "x" + cols() + " is closed (was its model closed?)");
    }
  }

  void release() {
    if (state.decrementAndGet() == CLOSED) {
      free();
    }
  }

  @Override
  public void close() {
    while (true) {
      int s = state.get();
      if (s < 0) {
        return;
      }
      if (state.compareAndSet(s, s | CLOSED)) {
        if (s == 0) {
          free();
        }
        return;
      }
    }
  }

  private synchronized void free() {
    // Both the closer and a late failed acquire() may get here; free once.
    if (!freed) {
      freed = true;
      data.deallocate();
    }
  }

  boolean isClosed() {
    return state.get() < 0;
  }

  @Override
  public long byteSize() {
    return 4L * rows() * cols();
  }
}
