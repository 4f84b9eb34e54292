package org.rnn4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {
  private static final WorkerPool POOL = WorkerPool.shared(3);

  private static void runOnPool(WorkerPool.Job job, int chunks) {
    assertTrue(POOL.tryAcquire(), "pool free");
    try {
      POOL.run(job, chunks);
    } finally {
      POOL.release();
    }
  }

  @Test
  void everyChunkRunsExactlyOnceForAnyChunkCount() {
    for (int chunks : new int[] {1, 2, 3, 4, 5, 7, 12, 17, 100, 1021}) {
      AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
      for (int job = 0; job < 20; job++) {
        runOnPool(runs::incrementAndGet, chunks);
      }
      for (int c = 0; c < chunks; c++) {
        assertEquals(20, runs.get(c), "chunk " + c + " of " + chunks);
      }
    }
  }

  @Test
  void theCallerRunsTheFirstChunkOfItsHomeShare() {
    // Chunks long enough that no worker can finish its own share and reach the caller's first.
    Thread[] ranBy = new Thread[6];
    runOnPool(c -> {
      ranBy[c] = Thread.currentThread();
      sleep(20);
    }, 6);
    assertSame(Thread.currentThread(), ranBy[0]);
  }

  @Test
  void aFailingChunkIsRethrownToTheCallerAndThePoolStaysUsable() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> runOnPool(c -> {
      if (c == 5) {
        throw new IllegalStateException("chunk 5 failed");
      }
    }, 9));
    assertEquals("chunk 5 failed", e.getMessage());
    AtomicIntegerArray runs = new AtomicIntegerArray(9);
    runOnPool(runs::incrementAndGet, 9);
    for (int c = 0; c < 9; c++) {
      assertEquals(1, runs.get(c));
    }
  }

  @Test
  void aChunkOnTheCallersThreadCannotTakeThePoolAgain() {
    Thread caller = Thread.currentThread();
    boolean[] nested = {true};
    runOnPool(c -> {
      if (c == 0) {
        assertSame(caller, Thread.currentThread());
        nested[0] = POOL.tryAcquire();
      }
      sleep(20);
    }, 3);
    assertFalse(nested[0], "a nested job would overwrite the running one");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void runWithoutAcquiringThePoolIsRefused() {
    assertThrows(IllegalStateException.class, () -> POOL.run(c -> { }, 1));
  }

  @Test
  void chunkCountOutsideOneToMaxIsRefused() {
    assertTrue(POOL.tryAcquire());
    try {
      assertThrows(IllegalArgumentException.class, () -> POOL.run(c -> { }, 0));
      assertThrows(IllegalArgumentException.class, () -> POOL.run(c -> { }, WorkerPool.MAX_CHUNKS + 1));
    } finally {
      POOL.release();
    }
  }
}
