package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rnn4j.Precision;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.PackedMatrix;

/**
 * A bf16 step (recurrent product on the pool, batch-1 GEMV, fused cell) allocates nothing once
 * compiled. Runs in the allocation test's own JVM (one width, as in production).
 */
class Bf16AllocationTest {
  @Test
  void bf16StepsDoNotAllocate() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(), "allocation counters unsupported");
    int bits = BackendWidth.bits();
    SimdKernels k = SimdKernels.create(bits, 2, 0);
    int hidden = 47;
    int rows = 5;
    int g = 4 * hidden;
    PackedMatrix w = k.pack(new float[g * hidden], 0, g, hidden, Precision.BF16);
    float[] h = new float[rows * hidden];
    float[] c = new float[rows * hidden];
    float[] xg = new float[rows * g];
    float[] hg = new float[rows * g];
    float[] bias = new float[g];
    java.util.Arrays.fill(h, 0.1f);
    Runnable step = () -> {
      k.matmulPacked(rows, h, 0, hidden, w, 0f, hg, 0, g);
      k.matmulPacked(1, h, 0, hidden, w, 0f, hg, 0, g);
      k.lstmCell(rows, hidden, xg, 0, hg, 0, bias, null, CellFunctions.LSTM_DEFAULT, c, 0, h, 0);
    };
    for (int i = 0; i < 30_000; i++) {
      step.run();
    }
    long[] ids = threadIds();
    long before = allocated(mx, ids);
    int calls = 20_000;
    for (int i = 0; i < calls; i++) {
      step.run();
    }
    long bytes = allocated(mx, ids) - before;
    assertTrue(bytes < 64 * 1024, "allocated " + bytes + " bytes over " + calls + " bf16 steps (" + (double) bytes
        / calls + " per step)");
  }

  private static long[] threadIds() {
    List<Long> ids = new ArrayList<>();
    ids.add(Thread.currentThread().threadId());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("rnn4j-pool-")) {
        ids.add(t.threadId());
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  private static long allocated(com.sun.management.ThreadMXBean mx, long[] ids) {
    long sum = 0;
    for (long b : mx.getThreadAllocatedBytes(ids)) {
      sum += Math.max(0, b);
    }
    return sum;
  }
}
