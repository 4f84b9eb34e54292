package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.PackedMatrix;

/**
 * The hot path (recurrent product on the pool + fused cell) allocates nothing once compiled.
 * Runs in its own JVM (surefire forks per class) with one vector width, as in production.
 */
class AllocationTest {
  @Test
  void stepsDoNotAllocate() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(), "allocation counters unsupported");
    int bits = BackendWidth.bits();
    SimdKernels k = SimdKernels.create(bits, 2, 0);
    int hidden = 48;
    int rows = 5;
    int g = 4 * hidden;
    PackedMatrix w = k.pack(new float[g * hidden], 0, g, hidden);
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
    // A few hundred bytes may come from JIT/profiling noise; a boxed vector per call would be megabytes.
    assertTrue(bytes < 64 * 1024, "allocated " + bytes + " bytes over " + calls + " steps (" + (double) bytes / calls
        + " per step)");
  }

  /**
   * Sizes that are not whole vectors, with every array exactly as long as its data, so the last
   * row's tail ends at the array's end (where a masked load would take the path C2 cannot
   * intrinsify on AVX2): every cell kind, the products and the elementwise ops allocate nothing.
   * (Cells use LSTM_DEFAULT's functions: sigmoid gates, tanh candidate, as GRU and RNN need.)
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {7, 17})
  void oddSizedStepsDoNotAllocate(int hidden) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported(), "allocation counters unsupported");
    SimdKernels k = SimdKernels.create(BackendWidth.bits(), 2, 0);
    int rows = 3;
    int in = hidden + 2;
    PackedMatrix w4 = k.pack(new float[4 * hidden * in], 0, 4 * hidden, in);
    PackedMatrix w3 = k.pack(new float[3 * hidden * in], 0, 3 * hidden, in);
    float[] x = new float[rows * in];
    java.util.Arrays.fill(x, 0.3f);
    float[] h = new float[rows * hidden];
    float[] c = new float[rows * hidden];
    float[] rh = new float[rows * hidden];
    float[] g4 = new float[rows * 4 * hidden];
    float[] hg4 = new float[rows * 4 * hidden];
    float[] g3 = new float[rows * 3 * hidden];
    float[] hg3 = new float[rows * 3 * hidden];
    float[] b4 = new float[4 * hidden];
    float[] b3 = new float[4 * hidden];
    float[] b1 = new float[hidden];
    float[] peep = new float[3 * hidden];
    float[] a = new float[rows * in];
    float[] cm = new float[hidden * in];
    float[] yv = new float[in];
    Runnable step = () -> {
      k.matmulPacked(rows, x, 0, in, w4, 0f, g4, 0, 4 * hidden);
      k.matmulPacked(1, x, 0, in, w4, 0f, hg4, 0, 4 * hidden);
      k.lstmCell(rows, hidden, g4, 0, hg4, 0, b4, peep, CellFunctions.LSTM_DEFAULT, c, 0, h, 0);
      k.matmulPacked(rows, x, 0, in, w3, 0f, g3, 0, 3 * hidden);
      k.gruCell(rows, hidden, true, g3, 0, hg3, 0, b3, CellFunctions.LSTM_DEFAULT, h, 0);
      k.gruCell(rows, hidden, false, g3, 0, hg3, 0, b3, CellFunctions.LSTM_DEFAULT, h, 0);
      k.gruResetState(rows, hidden, g3, 0, hg3, 0, b3, CellFunctions.LSTM_DEFAULT, h, 0, rh, 0);
      k.rnnCell(rows, hidden, g3, 0, hg3, 0, b1, CellFunctions.LSTM_DEFAULT, h, 0);
      k.biasActivation(rows, hidden, h, 0, b1, org.rnn4j.Activation.TANH);
      k.axpy(rows * hidden, 0.5f, rh, 0, h, 0);
      k.gemm(true, false, hidden, in, rows, 1f, h, 0, hidden, x, 0, in, 1f, cm, 0, in);
      k.gemv(true, rows, in, 1f, a, 0, in, h, 0, 0f, yv, 0);
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
    assertTrue(bytes < 64 * 1024, "H=" + hidden + ": allocated " + bytes + " bytes over " + calls + " steps ("
        + (double) bytes / calls + " per step)");
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
