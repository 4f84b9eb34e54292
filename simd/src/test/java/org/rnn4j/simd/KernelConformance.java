package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.rnn4j.Activation;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * Every simd kernel against the scalar reference at awkward sizes, for one vector width. One
 * subclass per width, so that each test JVM (surefire forks per class) sees a single width and
 * C2 compiles the fast code, as in production. A width wider than the hardware's (512 bits on an
 * AVX2 machine) runs too: the Vector API then executes its portable Java fallback, slowly but
 * with the same lane count, so the kernels' loop bounds, tails and tile edges for that width are
 * checked on every machine; only the instruction selection is left to hardware that has it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class KernelConformance {
  private static final int[] SIZES = {1, 3, 17, 65};
  private static final float[][] ALPHA_BETA = {{1f, 0f}, {0.5f, -1.25f}, {-2f, 1f}};

  private final Kernels ref = new ScalarKernels();
  private SimdKernels simd;
  /** Same width, two threads, pool used for every size. */
  private SimdKernels simdPooled;
  private final SplittableRandom rnd = new SplittableRandom(42);

  abstract int bits();

  @BeforeAll
  void setUp() {
    simd = SimdKernels.create(bits(), 1);
    simdPooled = SimdKernels.create(bits(), 2, 0);
    assertEquals(bits(), simd.vectorBits());
  }

  private float[] random(int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return a;
  }

  private static float[] abs(float[] a) {
    float[] b = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Math.abs(a[i]);
    }
    return b;
  }

  /** |got − want| ≤ 1e-5·bound + 1e-6, where bound is the same product on absolute values. */
  private static void assertNear(String what, float[] want, float[] got, float[] bound) {
    for (int i = 0; i < want.length; i++) {
      double tol = 1e-5 * bound[i] + 1e-6;
      if (!(Math.abs(want[i] - got[i]) <= tol) && !(Float.isNaN(want[i]) && Float.isNaN(got[i]))) {
        fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + " (tolerance " + tol + ")");
      }
    }
  }

  @Test
  void gemmAllTransposesAndScalings() {
    int[][] shapes = {{1, 1, 1}, {3, 17, 65}, {17, 3, 1}, {65, 17, 3}, {1, 65, 257}, {17, 257, 3}, {3, 3, 1021}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        for (float[] ab : ALPHA_BETA) {
          gemmCase(t >= 2, (t & 1) == 1, s[0], s[1], s[2], ab[0], ab[1]);
        }
      }
    }
  }

  private void gemmCase(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
    String what = "gemm ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k + " a=" + alpha + " b=" + beta;
    int aRows = ta ? k : m;
    int aCols = ta ? m : k;
    int bRows = tb ? n : k;
    int bCols = tb ? k : n;
    int lda = aCols + 3;
    int ldb = bCols + 5;
    int ldc = n + 2;
    int aOff = 7;
    int bOff = 2;
    int cOff = 5;
    float[] a = random(aOff + aRows * lda);
    float[] b = random(bOff + bRows * ldb);
    float[] c0 = random(cOff + m * ldc);
    if (beta == 0f) {
      Arrays.fill(c0, Float.NaN); // beta = 0 must not read C
    }
    float[] want = c0.clone();
    float[] got = c0.clone();
    float[] bound = abs(c0);
    ref.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, want, cOff, ldc);
    simd.gemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
    if (beta == 0f) {
      Arrays.fill(bound, 0f);
    }
    ref.gemm(ta, tb, m, n, k, Math.abs(alpha), abs(a), aOff, lda, abs(b), bOff, ldb, Math.abs(beta), bound, cOff, ldc);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < ldc; j++) {
        int ci = cOff + i * ldc + j;
        if (j >= n) {
          assertEquals(Float.floatToIntBits(c0[ci]), Float.floatToIntBits(got[ci]), what + ": wrote past n");
        } else {
          assertFalse(Float.isNaN(got[ci]), what + ": NaN at " + i + "," + j);
        }
      }
    }
    for (int i = 0; i < cOff; i++) {
      assertEquals(Float.floatToIntBits(c0[i]), Float.floatToIntBits(got[i]), what + ": wrote before offset");
    }
    assertNear(what, want, got, bound);
  }

  @Test
  void gemvBothOrientations() {
    int[][] shapes = {{1, 1}, {3, 17}, {17, 3}, {65, 1021}, {257, 65}, {1021, 1}};
    for (int[] s : shapes) {
      for (boolean ta : new boolean[] {false, true}) {
        for (float[] ab : ALPHA_BETA) {
          int m = s[0];
          int n = s[1];
          int lda = n + 1;
          float[] a = random(3 + m * lda);
          float[] x = random(2 + (ta ? m : n));
          int outLen = ta ? n : m;
          float[] y0 = random(4 + outLen);
          if (ab[1] == 0f) {
            Arrays.fill(y0, 4, 4 + outLen, Float.NaN);
          }
          float[] want = y0.clone();
          float[] got = y0.clone();
          float[] bound = ab[1] == 0f ? new float[y0.length] : abs(y0);
          ref.gemv(ta, m, n, ab[0], a, 3, lda, x, 2, ab[1], want, 4);
          simd.gemv(ta, m, n, ab[0], a, 3, lda, x, 2, ab[1], got, 4);
          ref.gemv(ta, m, n, Math.abs(ab[0]), abs(a), 3, lda, abs(x), 2, Math.abs(ab[1]), bound, 4);
          assertNear("gemv ta=" + ta + " " + m + "x" + n + " a=" + ab[0] + " b=" + ab[1], want, got, bound);
        }
      }
    }
  }

  @Test
  void matmulPackedWithOffsets() {
    int[][] shapes = {{1, 1, 1}, {1, 65, 1021}, {1, 257, 3}, {2, 17, 17}, {3, 3, 65}, {4, 24, 8}, {5, 65, 17},
        {17, 1, 3}, {65, 257, 65}, {130, 17, 257}, {67, 1021, 3}, {7, 40, 513}, {97, 33, 600}, {6, 19, 2100}};
    for (int[] s : shapes) {
      for (float beta : new float[] {0f, 0.75f}) {
        matmulCase(simd, s[0], s[1], s[2], beta);
        matmulCase(simdPooled, s[0], s[1], s[2], beta);
      }
    }
  }

  private void matmulCase(SimdKernels k, int m, int rows, int cols, float beta) {
    String what = "matmulPacked m=" + m + " W=" + rows + "x" + cols + " beta=" + beta + " threads=" + k.threads();
    float[] w = random(3 + rows * cols);
    int ldx = cols + 4;
    int ldo = rows + 3;
    float[] x = random(6 + m * ldx);
    float[] o0 = random(9 + m * ldo);
    if (beta == 0f) {
      Arrays.fill(o0, Float.NaN);
    }
    PackedMatrix pr = ref.pack(w, 3, rows, cols);
    PackedMatrix ps = k.pack(w, 3, rows, cols);
    float[] want = o0.clone();
    float[] got = o0.clone();
    ref.matmulPacked(m, x, 6, ldx, pr, beta, want, 9, ldo);
    k.matmulPacked(m, x, 6, ldx, ps, beta, got, 9, ldo);
    float[] bound = beta == 0f ? new float[o0.length] : abs(o0);
    ref.matmulPacked(m, abs(x), 6, ldx, ref.pack(abs(w), 3, rows, cols), beta, bound, 9, ldo);
    for (int i = 0; i < o0.length; i++) {
      int r = (i - 9) / ldo;
      int j = (i - 9) % ldo;
      boolean inside = i >= 9 && r < m && j < rows;
      if (!inside) {
        assertEquals(Float.floatToIntBits(o0[i]), Float.floatToIntBits(got[i]), what + ": wrote outside at " + i);
      }
    }
    assertNear(what, want, got, bound);
  }

  /**
   * Every output is one FMA chain from zero in column order, then + beta·out, whatever tile, k
   * block, row block or thread computes it, batch 1 included: bit for bit what a scalar Math.fma
   * loop gives.
   */
  @Test
  void matmulPackedSumsEachOutputAsOneFmaChainInColumnOrder() {
    // The 1040 × 1024 W (over SMALL_W_BYTES) runs in 96-row blocks for m > 1, the others in 16
    // below 512 bits. For m = 1 the row counts give four-panel groups, single panels left over
    // and a partial last panel at every width.
    // Rows left over after the groups of 8 and 4 (1, 2 or 3: m = 9, 2, 7, 51, 130, …) run as one
    // zero-padded group of 4, over one k block or several (cols 2100), into whole and partial panels.
    int[][] shapes = {{2, 17, 17}, {7, 40, 513}, {97, 33, 600}, {130, 70, 257}, {9, 19, 2100}, {101, 1040, 1024},
        {3, 70, 1100}, {51, 70, 2100}, {1, 3, 3}, {1, 17, 17}, {1, 40, 513}, {1, 200, 65}, {1, 1040, 1024},
        {1, 4100, 7}};
    for (int[] s : shapes) {
      int m = s[0];
      int rows = s[1];
      int cols = s[2];
      float[] w = random(rows * cols);
      float[] x = random(m * cols);
      float[] o0 = random(m * rows);
      for (float beta : new float[] {0f, 0.75f}) {
        for (SimdKernels k : new SimdKernels[] {simd, simdPooled}) {
          float[] got = o0.clone();
          k.matmulPacked(m, x, 0, cols, k.pack(w, 0, rows, cols), beta, got, 0, rows);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < rows; j++) {
              float acc = 0f;
              for (int c = 0; c < cols; c++) {
                acc = Math.fma(w[j * cols + c], x[i * cols + c], acc);
              }
              if (beta != 0f) {
                acc = acc + beta * o0[i * rows + j];
              }
              assertEquals(Float.floatToIntBits(acc), Float.floatToIntBits(got[i * rows + j]), "m=" + m + " W="
                  + rows + "x" + cols + " beta=" + beta + " threads=" + k.threads() + " at " + i + "," + j);
            }
          }
        }
      }
    }
  }

  /**
   * A thread packs x's rows once per pooled call and reuses them for its other chunks of that
   * call: a later call on the same array, with new values, must not see the old packing.
   */
  @Test
  void pooledProductsSeeXChangedInPlaceBetweenCalls() {
    int m = 17;
    int rows = 70;
    int cols = 33;
    float[] w = random(rows * cols);
    PackedMatrix ps = simdPooled.pack(w, 0, rows, cols);
    PackedMatrix pr = ref.pack(w, 0, rows, cols);
    float[] x = random(m * cols);
    for (int call = 0; call < 3; call++) {
      float[] want = new float[m * rows];
      float[] got = new float[m * rows];
      ref.matmulPacked(m, x, 0, cols, pr, 0f, want, 0, rows);
      simdPooled.matmulPacked(m, x, 0, cols, ps, 0f, got, 0, rows);
      float[] bound = new float[want.length];
      ref.matmulPacked(m, abs(x), 0, cols, ref.pack(abs(w), 0, rows, cols), 0f, bound, 0, rows);
      assertNear("call " + call, want, got, bound);
      System.arraycopy(random(x.length), 0, x, 0, x.length);
    }
  }

  @Test
  void packedMatrixBelongsToItsKernels() {
    PackedMatrix p = simd.pack(random(6), 0, 2, 3);
    assertEquals(2, p.rows());
    assertEquals(3, p.cols());
    float[] out = new float[2];
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ref.matmulPacked(1, new float[3], 0, 3, p, 0f, out, 0, 2));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> simd.matmulPacked(1, new float[3], 0, 3, ref.pack(random(6), 0, 2, 3), 0f, out, 0, 2));
  }

  private static List<CellFunctions> lstmVariants() {
    Activation sig = Activation.SIGMOID;
    Activation tanh = Activation.TANH;
    return List.of(CellFunctions.LSTM_DEFAULT, new CellFunctions(sig, tanh, tanh, 0.5f, false),
        new CellFunctions(sig, tanh, tanh, Float.POSITIVE_INFINITY, true),
        new CellFunctions(Activation.of(Activation.Kind.HARD_SIGMOID), Activation.of(Activation.Kind.SOFTSIGN), tanh,
            1.5f, false));
  }

  /**
   * The fused LSTM cell writes every activation out inline; each copy must be activate()'s
   * arithmetic, so the cell equals the same steps done with activate(), bit for bit (tails included).
   */
  @Test
  void fusedLstmCellIsActivateBitForBit() {
    for (int hidden : new int[] {17, 37}) {
      int rows = 3;
      int g = 4 * hidden;
      float[] xg = scaled(random(rows * g), 6f);
      float[] hg = scaled(random(rows * g), 6f);
      float[] bias = random(g);
      float[] c = scaled(random(rows * hidden), 3f);
      float[] h = new float[rows * hidden];
      float[] want = new float[rows * hidden];
      float[] wantC = new float[rows * hidden];
      for (int r = 0; r < rows; r++) {
        float[] pre = new float[g];
        for (int j = 0; j < g; j++) {
          pre[j] = xg[r * g + j] + hg[r * g + j] + bias[j];
        }
        for (int gate = 0; gate < 4; gate++) {
          Activation.Kind kind = gate == 2 ? Activation.Kind.TANH : Activation.Kind.SIGMOID;
          simd.activate(kind, pre, gate * hidden, hidden, Float.POSITIVE_INFINITY);
        }
        float[] t = new float[hidden];
        for (int j = 0; j < hidden; j++) {
          t[j] = Math.fma(pre[j], pre[2 * hidden + j], pre[hidden + j] * c[r * hidden + j]);
          wantC[r * hidden + j] = t[j];
        }
        simd.activate(Activation.Kind.TANH, t, 0, hidden, Float.POSITIVE_INFINITY);
        for (int j = 0; j < hidden; j++) {
          want[r * hidden + j] = pre[3 * hidden + j] * t[j];
        }
      }
      simd.lstmCell(rows, hidden, xg, 0, hg, 0, bias, null, CellFunctions.LSTM_DEFAULT, c, 0, h, 0);
      assertArrayEquals(wantC, c, "c', H = " + hidden);
      assertArrayEquals(want, h, "h, H = " + hidden);
    }
  }

  /** As {@link #fusedLstmCellIsActivateBitForBit}, for the reset-after GRU cell. */
  @Test
  void fusedGruCellIsActivateBitForBit() {
    CellFunctions fns = new CellFunctions(Activation.SIGMOID, Activation.TANH, Activation.TANH,
        Float.POSITIVE_INFINITY, false);
    for (int hidden : new int[] {17, 37}) {
      int rows = 3;
      int g = 3 * hidden;
      float[] xg = scaled(random(rows * g), 6f);
      float[] hg = scaled(random(rows * g), 6f);
      float[] bias = random(4 * hidden);
      float[] h = random(rows * hidden);
      float[] want = new float[rows * hidden];
      for (int r = 0; r < rows; r++) {
        float[] rz = new float[2 * hidden];
        float[] n = new float[hidden];
        for (int j = 0; j < 2 * hidden; j++) {
          rz[j] = xg[r * g + j] + hg[r * g + j] + bias[j];
        }
        simd.activate(Activation.Kind.SIGMOID, rz, 0, 2 * hidden, Float.POSITIVE_INFINITY);
        for (int j = 0; j < hidden; j++) {
          float hn = hg[r * g + 2 * hidden + j] + bias[3 * hidden + j];
          float xn = xg[r * g + 2 * hidden + j] + bias[2 * hidden + j];
          n[j] = Math.fma(rz[j], hn, xn);
        }
        simd.activate(Activation.Kind.TANH, n, 0, hidden, Float.POSITIVE_INFINITY);
        for (int j = 0; j < hidden; j++) {
          float z = rz[hidden + j];
          want[r * hidden + j] = Math.fma(z, h[r * hidden + j], (-z + 1f) * n[j]);
        }
      }
      simd.gruCell(rows, hidden, true, xg, 0, hg, 0, bias, fns, h, 0);
      assertArrayEquals(want, h, "h, H = " + hidden);
    }
  }

  @Test
  void lstmCell() {
    for (int hidden : new int[] {1, 3, 17, 65, 257}) {
      for (int rows : new int[] {0, 1, 3, 7}) {
        for (CellFunctions fns : lstmVariants()) {
          for (boolean peep : new boolean[] {false, true}) {
            int g = 4 * hidden;
            float[] xg = scaled(random(2 + rows * g), 3f);
            float[] hg = scaled(random(1 + rows * g), 3f);
            float[] bias = random(g);
            float[] pw = peep ? random(3 * hidden) : null;
            float[] c = scaled(random(3 + rows * hidden), 2f);
            float[] h = random(4 + rows * hidden);
            float[] c1 = c.clone();
            float[] h1 = h.clone();
            float[] c2 = c.clone();
            float[] h2 = h.clone();
            ref.lstmCell(rows, hidden, xg, 2, hg, 1, bias, pw, fns, c, 3, h, 4);
            simd.lstmCell(rows, hidden, xg, 2, hg, 1, bias, pw, fns, c1, 3, h1, 4);
            String what = "lstm H" + hidden + " rows" + rows + " " + fns + " peep=" + peep;
            assertNear(what + " c", c, c1, ones(c.length));
            assertNear(what + " h", h, h1, ones(h.length));
            // Rows split over the pool: the same bits as one thread.
            simdPooled.lstmCell(rows, hidden, xg, 2, hg, 1, bias, pw, fns, c2, 3, h2, 4);
            assertArrayEquals(c1, c2, what + " c, 2 threads");
            assertArrayEquals(h1, h2, what + " h, 2 threads");
          }
        }
      }
    }
  }

  @Test
  void gruCells() {
    List<CellFunctions> variants = List.of(CellFunctions.LSTM_DEFAULT,
        new CellFunctions(Activation.SIGMOID, Activation.TANH, Activation.TANH, 0.75f, false),
        new CellFunctions(Activation.of(Activation.Kind.HARD_SIGMOID), Activation.of(Activation.Kind.AFFINE, 0.5f,
            0.25f), Activation.TANH, Float.POSITIVE_INFINITY, false));
    for (int hidden : new int[] {1, 3, 17, 65, 257}) {
      for (int rows : new int[] {1, 3, 7}) {
        for (CellFunctions fns : variants) {
          int g = 3 * hidden;
          float[] xg = scaled(random(1 + rows * g), 3f);
          float[] hg = scaled(random(2 + rows * g), 3f);
          float[] bias = random(4 * hidden);
          float[] h = random(5 + rows * hidden);
          String what = "gru H" + hidden + " rows" + rows + " " + fns;
          for (boolean after : new boolean[] {false, true}) {
            float[] h0 = h.clone();
            float[] h1 = h.clone();
            float[] h2 = h.clone();
            ref.gruCell(rows, hidden, after, xg, 1, hg, 2, bias, fns, h0, 5);
            simd.gruCell(rows, hidden, after, xg, 1, hg, 2, bias, fns, h1, 5);
            assertNear(what + " resetAfter=" + after, h0, h1, ones(h.length));
            // Rows split over the pool: the same bits as one thread.
            simdPooled.gruCell(rows, hidden, after, xg, 1, hg, 2, bias, fns, h2, 5);
            assertArrayEquals(h1, h2, what + " resetAfter=" + after + ", 2 threads");
          }
          float[] rh0 = random(3 + rows * hidden);
          float[] rh1 = rh0.clone();
          float[] rh2 = rh0.clone();
          ref.gruResetState(rows, hidden, xg, 1, hg, 2, bias, fns, h, 5, rh0, 3);
          simd.gruResetState(rows, hidden, xg, 1, hg, 2, bias, fns, h, 5, rh1, 3);
          assertNear(what + " resetState", rh0, rh1, ones(rh0.length));
          simdPooled.gruResetState(rows, hidden, xg, 1, hg, 2, bias, fns, h, 5, rh2, 3);
          assertArrayEquals(rh1, rh2, what + " resetState, 2 threads");
        }
      }
    }
  }

  @Test
  void rnnCellBiasActivationAxpy() {
    List<Activation> acts = List.of(Activation.TANH, Activation.RELU, Activation.SIGMOID,
        Activation.of(Activation.Kind.ELU, 0.5f, Float.NaN));
    for (int n : new int[] {1, 3, 17, 65, 1021}) {
      for (Activation act : acts) {
        for (float clip : new float[] {Float.POSITIVE_INFINITY, 0.5f}) {
          int rows = 3;
          float[] xg = scaled(random(1 + rows * n), 3f);
          float[] hg = scaled(random(2 + rows * n), 3f);
          float[] bias = random(n);
          CellFunctions fns = new CellFunctions(act, act, act, clip, false);
          float[] h0 = random(3 + rows * n);
          float[] h1 = h0.clone();
          ref.rnnCell(rows, n, xg, 1, hg, 2, bias, fns, h0, 3);
          simd.rnnCell(rows, n, xg, 1, hg, 2, bias, fns, h1, 3);
          assertNear("rnn n" + n + " " + act + " clip " + clip, h0, h1, ones(h0.length));
        }
        float[] x0 = scaled(random(4 + 2 * n), 4f);
        float[] x1 = x0.clone();
        float[] bias = random(n);
        ref.biasActivation(2, n, x0, 4, bias, act);
        simd.biasActivation(2, n, x1, 4, bias, act);
        assertNear("biasActivation n" + n + " " + act, x0, x1, ones(x0.length));
      }
      float[] x = random(2 + n);
      float[] y0 = random(5 + n);
      float[] y1 = y0.clone();
      ref.axpy(n, -0.75f, x, 2, y0, 5);
      simd.axpy(n, -0.75f, x, 2, y1, 5);
      assertNear("axpy n" + n, y0, y1, ones(y0.length));
    }
  }

  private static float[] scaled(float[] a, float s) {
    for (int i = 0; i < a.length; i++) {
      a[i] *= s;
    }
    return a;
  }

  private static float[] ones(int n) {
    float[] a = new float[n];
    Arrays.fill(a, 1f);
    return a;
  }
}
