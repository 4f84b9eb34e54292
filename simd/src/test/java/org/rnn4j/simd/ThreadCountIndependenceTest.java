package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnn4j.spi.PackedMatrix;

/** matmulPacked gives the same bits on 1, 2 and 3 threads, whatever the split. */
class ThreadCountIndependenceTest {
  private static final int BITS = BackendWidth.bits();

  private static float[] random(SplittableRandom rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    return a;
  }

  @Test
  void bitIdenticalAcrossThreadCounts() {
    SimdKernels[] ks = {SimdKernels.create(BITS, 1, 0), SimdKernels.create(BITS, 2, 0), SimdKernels.create(BITS, 3, 0)};
    assertEquals(3, ks[2].threads());
    SplittableRandom rnd = new SplittableRandom(7);
    int[][] shapes = {{1, 257, 65}, {3, 65, 17}, {17, 1021, 33}, {64, 96, 40}, {65, 257, 129}, {200, 75, 31}, {100, 70, 600}};
    for (int[] s : shapes) {
      int m = s[0];
      int rows = s[1];
      int cols = s[2];
      float[] w = random(rnd, rows * cols);
      float[] x = random(rnd, m * cols);
      float[] first = null;
      for (int rep = 0; rep < 3; rep++) {
        for (SimdKernels k : ks) {
          PackedMatrix p = k.pack(w, 0, rows, cols);
          float[] out = new float[m * rows];
          k.matmulPacked(m, x, 0, cols, p, 0f, out, 0, rows);
          if (first == null) {
            first = out;
          } else {
            assertArrayEquals(first, out, "m=" + m + " W=" + rows + "x" + cols + " threads=" + k.threads());
          }
        }
      }
    }
  }

  @Test
  void concurrentCallersShareThePool() throws Exception {
    SimdKernels k = SimdKernels.create(BITS, 2, 0);
    SplittableRandom rnd = new SplittableRandom(11);
    int m = 33;
    int rows = 130;
    int cols = 47;
    PackedMatrix p = k.pack(random(rnd, rows * cols), 0, rows, cols);
    float[] x = random(rnd, m * cols);
    float[] want = new float[m * rows];
    k.matmulPacked(m, x, 0, cols, p, 0f, want, 0, rows);
    Thread[] ts = new Thread[4];
    Throwable[] failure = new Throwable[1];
    for (int t = 0; t < ts.length; t++) {
      ts[t] = new Thread(() -> {
        try {
          float[] out = new float[m * rows];
          for (int i = 0; i < 300; i++) {
            k.matmulPacked(m, x, 0, cols, p, 0f, out, 0, rows);
            assertArrayEquals(want, out);
          }
        } catch (Throwable e) {
          synchronized (failure) {
            failure[0] = e;
          }
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    if (failure[0] != null) {
      throw new AssertionError(failure[0]);
    }
  }
}
