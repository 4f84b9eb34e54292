package org.rnn4j.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.Activation;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

/** The BLAS products against the scalar reference kernels at awkward sizes, offsets and leading dimensions. */
class BlasKernelsTest {
  private static final Kernels REF = new ScalarKernels();
  private static final int[][] SHAPES = {{1, 1, 1}, {3, 17, 65}, {257, 3, 17}, {17, 257, 1}, {65, 65, 257},
      {1, 257, 65}, {65, 1, 3}};

  private final BlasKernels blas = (BlasKernels) BackendRegistry.getDefault().get(BlasBackendProvider.NAME).kernels();

  static Stream<Arguments> gemmCases() {
    List<Arguments> out = new ArrayList<>();
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (int[] s : SHAPES) {
          for (float[] ab : new float[][] {{1f, 0f}, {0.75f, 1f}, {-1.5f, -0.5f}, {0f, 0.25f}}) {
            out.add(Arguments.of(ta, tb, s[0], s[1], s[2], ab[0], ab[1]));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} alpha={5} beta={6}")
  @MethodSource("gemmCases")
  void gemmMatchesScalar(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
    int lda = (ta ? m : k) + 3;
    int ldb = (tb ? k : n) + 1;
    int ldc = n + 2;
    long seed = m * 1000003L + n * 1009L + k;
    float[] a = RandomModels.gaussian((ta ? k : m) * lda + 7, 1, seed);
    float[] b = RandomModels.gaussian((tb ? n : k) * ldb + 2, 1, seed + 1);
    float[] c = RandomModels.gaussian(m * ldc + 9, 1, seed + 2);
    float[] expected = c.clone();
    REF.gemm(ta, tb, m, n, k, alpha, a, 5, lda, b, 1, ldb, beta, expected, 4, ldc);
    blas.gemm(ta, tb, m, n, k, alpha, a, 5, lda, b, 1, ldb, beta, c, 4, ldc);
    // Exact equality outside the block (offset, gaps between rows, tail) comes with the tolerance.
    Tolerance.assertClose("C", expected, c, 1e-4, 1e-4);
    for (int i = 0; i < c.length; i++) {
      int r = (i - 4) / ldc;
      int col = (i - 4) % ldc;
      if (i < 4 || r >= m || col >= n) {
        assertEquals(expected[i], c[i], "C[" + i + "] lies outside the block and must not change");
      }
    }
  }

  @Test
  void gemmWithKZeroScalesC() {
    float[] c = {1f, 2f, 3f, 4f};
    blas.gemm(false, true, 2, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 1, 0.5f, c, 0, 2);
    assertEquals(List.of(0.5f, 1f, 1.5f, 2f), List.of(c[0], c[1], c[2], c[3]));
  }

  @Test
  void betaZeroIgnoresNanInTheOutputEvenWhenStagingHeldNan() {
    // The first calls leave NaN in the pooled native buffers; beta = 0 must still not read them.
    for (int round = 0; round < 2; round++) {
      float[] nan = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
      float beta = round == 0 ? 1f : 0f;
      blas.gemm(false, false, 2, 2, 1, 1f, new float[] {1f, 2f}, 0, 1, new float[] {3f, 4f}, 0, 2, beta, nan, 0, 2);
      float[] y = {Float.NaN, Float.NaN};
      blas.gemv(false, 2, 2, 1f, new float[] {1f, 2f, 3f, 4f}, 0, 2, new float[] {1f, 1f}, 0, beta, y, 0);
      if (round == 1) {
        assertEquals(List.of(3f, 4f, 6f, 8f), List.of(nan[0], nan[1], nan[2], nan[3]));
        assertEquals(List.of(3f, 7f), List.of(y[0], y[1]));
      }
      try (PackedMatrix w = blas.pack(new float[] {1f, 2f, 3f, 4f}, 0, 2, 2)) {
        for (int m : new int[] {1, 2}) {
          float[] out = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
          blas.matmulPacked(m, new float[] {1f, 1f, 2f, 2f}, 0, 2, w, beta, out, 0, 2);
          if (round == 1) {
            assertEquals(3f, out[0]);
            assertEquals(7f, out[1]);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "transA={0} m={1} n={2} alpha={3} beta={4}")
  @CsvSource({"false,1,1,1,0", "true,1,1,1,0", "false,17,65,0.75,1", "true,17,65,0.75,1", "false,257,3,-1,0.5",
      "true,257,3,-1,0.5", "false,3,257,1,0", "true,65,257,0,2", "false,0,5,1,0.5", "true,0,5,1,0.5",
      "false,5,0,1,0.5", "true,5,0,1,0.5"})
  void gemvMatchesScalar(boolean ta, int m, int n, float alpha, float beta) {
    int lda = n + 2;
    float[] a = RandomModels.gaussian(m * lda + 3, 1, 11 + m);
    float[] x = RandomModels.gaussian((ta ? m : n) + 2, 1, 12 + n);
    float[] y = RandomModels.gaussian((ta ? n : m) + 3, 1, 13);
    float[] expected = y.clone();
    REF.gemv(ta, m, n, alpha, a, 1, lda, x, 2, beta, expected, 3);
    blas.gemv(ta, m, n, alpha, a, 1, lda, x, 2, beta, y, 3);
    Tolerance.assertClose("y", expected, y, 1e-4, 1e-4);
  }

  @ParameterizedTest(name = "m={0} rows={1} cols={2} beta={3}")
  @CsvSource({"1,1,1,0", "1,65,17,0", "1,257,3,1", "3,17,65,0", "17,3,257,1", "65,257,17,0.5", "257,65,65,0",
      "2,1,1,1"})
  void matmulPackedMatchesScalarWithOffsetsAndLeadingDimensions(int m, int rows, int cols, float beta) {
    float[] w = RandomModels.gaussian(rows * cols + 4, 1, 21 + rows);
    int ldx = cols + 5;
    int ldo = rows + 3;
    float[] x = RandomModels.gaussian(m * ldx + 2, 1, 22 + m);
    float[] out = RandomModels.gaussian(m * ldo + 6, 1, 23);
    float[] expected = out.clone();
    try (PackedMatrix ref = REF.pack(w, 4, rows, cols); PackedMatrix packed = blas.pack(w, 4, rows, cols)) {
      REF.matmulPacked(m, x, 2, ldx, ref, beta, expected, 6, ldo);
      blas.matmulPacked(m, x, 2, ldx, packed, beta, out, 6, ldo);
      assertEquals(4L * rows * cols, packed.byteSize());
    }
    Tolerance.assertClose("out", expected, out, 1e-4, 1e-4);
    for (int i = 0; i < out.length; i++) {
      if (i < 6 || (i - 6) / ldo >= m || (i - 6) % ldo >= rows) {
        assertEquals(expected[i], out[i], "out[" + i + "] lies outside the block and must not change");
      }
    }
  }

  @Test
  void matmulPackedCutsProductsBiggerThanAStagingBufferIntoRowBlocks() {
    int rows = 3000;
    int cols = 1000;
    int block = Staging.POOLED_FLOATS / (rows + cols);
    int m = 2 * block + 7;
    float[] w = RandomModels.gaussian(rows * cols, 1, 31);
    float[] x = RandomModels.gaussian(m * cols, 1, 32);
    float[] out = new float[m * rows];
    try (PackedMatrix packed = blas.pack(w, 0, rows, cols)) {
      blas.matmulPacked(m, x, 0, cols, packed, 0f, out, 0, rows);
    }
    for (int r : new int[] {0, block - 1, block, 2 * block, m - 1}) {
      for (int j : new int[] {0, 1, rows / 2, rows - 1}) {
        double s = 0;
        for (int p = 0; p < cols; p++) {
          s += (double) x[r * cols + p] * w[j * cols + p];
        }
        assertEquals(s, out[r * rows + j], 1e-3 + 1e-4 * Math.abs(s), "row " + r + " col " + j);
      }
    }
  }

  @Test
  void aClosedMatrixFailsCleanlyAndCloseIsIdempotent() {
    PackedMatrix w = blas.pack(new float[] {1f, 2f, 3f, 4f}, 0, 2, 2);
    w.close();
    w.close();
    float[] out = new float[4];
    for (int m : new int[] {1, 2}) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> blas.matmulPacked(m, new float[4], 0, 2, w, 0f, out, 0, 2));
      assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
  }

  @Test
  void closingWhileOtherThreadsMultiplyNeverCrashes() throws Exception {
    int n = 128;
    float[] wv = RandomModels.gaussian(n * n, 1, 41);
    for (int round = 0; round < 20; round++) {
      PackedMatrix w = blas.pack(wv, 0, n, n);
      AtomicInteger ok = new AtomicInteger();
      AtomicReference<Throwable> unexpected = new AtomicReference<>();
      CountDownLatch started = new CountDownLatch(2);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int m = t + 1;
        threads.add(Thread.ofPlatform().start(() -> {
          float[] x = new float[m * n];
          float[] out = new float[m * n];
          started.countDown();
          try {
            while (true) {
              blas.matmulPacked(m, x, 0, n, w, 0f, out, 0, n);
              ok.incrementAndGet();
            }
          } catch (IllegalStateException expected) {
            // closed under us: the only acceptable failure
          } catch (Throwable e) {
            unexpected.set(e);
          }
        }));
      }
      started.await();
      Thread.sleep(2);
      w.close();
      for (Thread t : threads) {
        t.join();
      }
      if (unexpected.get() != null) {
        throw new AssertionError("unexpected failure", unexpected.get());
      }
    }
  }

  @Test
  void threadsSharingTheKernelsGetTheirOwnStaging() throws Exception {
    int n = 65;
    float[] wv = RandomModels.gaussian(n * n, 1, 51);
    try (PackedMatrix ref = REF.pack(wv, 0, n, n); PackedMatrix w = blas.pack(wv, 0, n, n)) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int m = 1 + t * 5;
        threads.add(Thread.ofPlatform().start(() -> {
          try {
            for (int i = 0; i < 300; i++) {
              float[] x = RandomModels.gaussian(m * n, 1, 1000L * m + i);
              float[] expected = new float[m * n];
              float[] out = new float[m * n];
              REF.matmulPacked(m, x, 0, n, ref, 0f, expected, 0, n);
              blas.matmulPacked(m, x, 0, n, w, 0f, out, 0, n);
              Tolerance.assertClose("out", expected, out, 1e-4, 1e-4);
            }
          } catch (Throwable e) {
            failure.set(e);
          }
        }));
      }
      for (Thread t : threads) {
        t.join();
      }
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
    }
  }

  @Test
  void matricesFromOtherKernelsAreRejected() {
    try (PackedMatrix scalar = REF.pack(new float[] {1f}, 0, 1, 1)) {
      assertThrows(IllegalArgumentException.class,
          () -> blas.matmulPacked(1, new float[1], 0, 1, scalar, 0f, new float[1], 0, 1));
    }
    BlasKernels other = new BlasKernels(new ScalarKernels());
    try (PackedMatrix w = other.pack(new float[] {1f}, 0, 1, 1)) {
      assertThrows(IllegalArgumentException.class,
          () -> blas.matmulPacked(1, new float[1], 0, 1, w, 0f, new float[1], 0, 1));
    } finally {
      other.trimStaging();
    }
  }

  @Test
  void gateAndElementwiseKernelsGoToTheJavaKernels() {
    AtomicInteger calls = new AtomicInteger();
    Kernels counting = new Kernels() {
      @Override
      public String name() {
        return "counting";
      }

      @Override
      protected void lstmCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
          float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
        calls.incrementAndGet();
      }

      @Override
      protected void axpyK(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
        calls.incrementAndGet();
      }

      @Override
      protected void biasActivationK(int rows, int n, float[] x, int xOff, float[] bias, Activation act) {
        calls.incrementAndGet();
      }
    };
    BlasKernels k = new BlasKernels(counting);
    k.lstmCell(1, 1, new float[4], 0, new float[4], 0, new float[4], null, CellFunctions.LSTM_DEFAULT, new float[1], 0,
        new float[1], 0);
    k.axpy(1, 1f, new float[1], 0, new float[1], 0);
    k.biasActivation(1, 1, new float[1], 0, new float[1], Activation.TANH);
    assertEquals(3, calls.get());
  }
}
