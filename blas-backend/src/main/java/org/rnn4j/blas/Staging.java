package org.rnn4j.blas;

import java.nio.FloatBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Native scratch memory through which Java arrays cross to OpenBLAS. A JNI call cannot take a
 * heap array without copying all of it (JavaCPP's float[] overloads copy the whole array in and
 * out on every call and take no offset), so each call copies just the blocks it needs into a
 * leased native buffer, with plain Java bulk copies through a direct {@link FloatBuffer} view.
 *
 * <p>Buffers are pooled rather than held per thread, so that virtual threads and short-lived
 * threads do not each pin native memory: a call leases one buffer and returns it when done. The
 * pool keeps at most one buffer per slot (BlasKernels uses 2 × cores, at least 4), each of at most
 * {@link #POOLED_FLOATS} floats; a larger or surplus buffer is freed as soon as its call ends.
 * Steady state allocates nothing: a new buffer is made only when more calls run at once than
 * ever before.
 */
final class Staging {
  /** The largest buffer (in floats, 4 MiB) kept for reuse; callers chunk big products to fit. */
  static final int POOLED_FLOATS = 1 << 20;

  private final AtomicReferenceArray<Buffer> pool;
  private final int slots;

  Staging(int slots) {
    this.slots = slots;
    this.pool = new AtomicReferenceArray<>(slots);
  }

  /** A buffer of at least {@code floats} floats for the calling thread; close it to give it back. */
  Buffer lease(long floats) {
    if (floats > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a single BLAS operand block of " + floats + " floats is too large");
    }
    int need = (int) Math.max(1, floats);
    int start = (int) (Thread.currentThread().threadId() % slots);
    for (int i = 0; i < slots; i++) {
      int slot = (start + i) % slots;
      Buffer b = pool.get(slot);
      if (b != null && pool.compareAndSet(slot, b, null)) {
        b.ensure(need);
        return b;
      }
    }
    Buffer b = new Buffer(this);
    b.ensure(need);
    return b;
  }

  private void giveBack(Buffer b) {
    if (b.capacity <= POOLED_FLOATS) {
      int start = (int) (Thread.currentThread().threadId() % slots);
      for (int i = 0; i < slots; i++) {
        if (pool.compareAndSet((start + i) % slots, null, b)) {
          return;
        }
      }
    }
    b.free();
  }

  /** Frees the pooled buffers (buffers on loan are freed when they come back). */
  void clear() {
    for (int i = 0; i < slots; i++) {
      Buffer b = pool.getAndSet(i, null);
      if (b != null) {
        b.free();
      }
    }
  }

  /**
   * One native buffer, used by one thread at a time. The three pointer views let a call address
   * up to three operand blocks in it; {@link #view} copies between Java arrays and the buffer.
   */
  static final class Buffer implements AutoCloseable {
    private final Staging owner;
    private FloatPointer memory;
    /** Java-side access to the memory, for bulk copies without a JNI call each. */
    FloatBuffer view;
    int capacity;
    private FloatPointer a;
    private FloatPointer b;
    private FloatPointer c;

    private Buffer(Staging owner) {
      this.owner = owner;
    }

    private void ensure(int floats) {
      if (capacity >= floats) {
        return;
      }
      free();
      // Every pooled buffer has the pooled size from the start: buffers change hands between
      // threads and call sites, and a smaller one would grow (allocate) whenever a bigger product
      // happened to lease it, long after warm-up. Beyond the pooled size: exact (that buffer is one-off).
      int size = Math.max(floats, POOLED_FLOATS);
      memory = new FloatPointer(size);
      view = memory.asBuffer();
      a = new FloatPointer(memory);
      b = new FloatPointer(memory);
      c = new FloatPointer(memory);
      capacity = size;
    }

    /** The buffer from float {@code offset} on, for the first operand of a call. */
    FloatPointer a(int offset) {
      return a.position(offset);
    }

    FloatPointer b(int offset) {
      return b.position(offset);
    }

    FloatPointer c(int offset) {
      return c.position(offset);
    }

    private void free() {
      if (memory != null) {
        memory.deallocate();
        memory = null;
        view = null;
        a = b = c = null;
        capacity = 0;
      }
    }

    @Override
    public void close() {
      owner.giveBack(this);
    }
  }
}
