package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.rnn4j.Precision;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.Bf16;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * The simd bf16 products against the scalar bf16 reference (the same bf16 weights, fp32 sums) at
 * awkward sizes, for one vector width (one subclass per width, each in its own test JVM).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class Bf16KernelConformance {
  private static final int[] SIZES = {1, 3, 17, 65, 1000};
  private static final int[] ROWS = {1, 2, 3, 4, 5, 17, 65};

  private final Kernels ref = new ScalarKernels();
  private SimdKernels simd;
  private SimdKernels simdPooled;
  private final SplittableRandom rnd = new SplittableRandom(43);

  abstract int bits();

  @BeforeAll
  void setUp() {
    simd = SimdKernels.create(bits(), 1);
    simdPooled = SimdKernels.create(bits(), 2, 0);
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

  @Test
  void packedWeightsAreTheNearestEvenBf16OfEachWeight() {
    for (int rows : SIZES) {
      for (int cols : SIZES) {
        float[] w = random(rows * cols + 2);
        SimdBf16.Panels p = (SimdBf16.Panels) simd.pack(w, 2, rows, cols, Precision.BF16);
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < cols; c++) {
            float want = Bf16.roundToFloat(w[2 + r * cols + c]);
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(p.get(r, c))) {
              fail(rows + "x" + cols + " W[" + r + "," + c + "] packed as " + p.get(r, c) + ", expected " + want);
            }
          }
        }
        if (rows >= 1000 && cols >= 1000) {
          assertTrue(p.byteSize() <= 2.05 * rows * cols, "2 bytes per weight plus panel padding, got "
              + p.byteSize() + " bytes for " + rows + "x" + cols);
        }
      }
    }
  }

  @Test
  void matmulMatchesTheScalarBf16ReferenceAtAwkwardSizes() {
    for (int rows : SIZES) {
      for (int cols : SIZES) {
        for (int m : ROWS) {
          if ((long) rows * cols * m > 2_000_000) {
            continue;
          }
          matmulCase(simd, m, rows, cols, 0f);
          matmulCase(simdPooled, m, rows, cols, 0f);
        }
      }
    }
  }

  @Test
  void matmulAppliesBetaAndLeadingDimensions() {
    for (int m : new int[] {1, 3, 9}) {
      for (int n : new int[] {1, 17, 65}) {
        matmulCase(simd, m, n, 3, 0.5f);
        matmulCase(simdPooled, m, n, 66, -1.25f);
      }
    }
  }

  private void matmulCase(SimdKernels k, int m, int rows, int cols, float beta) {
    String what = "bf16 matmulPacked m=" + m + " W=" + rows + "x" + cols + " beta=" + beta + " threads=" + k.threads();
    int ldx = cols + 2;
    int ldo = rows + 1;
    float[] x = random(6 + m * ldx);
    float[] w = random(3 + rows * cols);
    float[] init = random(9 + m * ldo);
    PackedMatrix pr = ref.pack(w, 3, rows, cols, Precision.BF16);
    PackedMatrix ps = k.pack(w, 3, rows, cols, Precision.BF16);
    float[] want = init.clone();
    float[] got = init.clone();
    ref.matmulPacked(m, x, 6, ldx, pr, beta, want, 9, ldo);
    k.matmulPacked(m, x, 6, ldx, ps, beta, got, 9, ldo);
    float[] bound = abs(init);
    ref.matmulPacked(m, abs(x), 6, ldx, ref.pack(abs(w), 3, rows, cols, Precision.BF16), Math.abs(beta), bound, 9,
        ldo);
    for (int i = 0; i < want.length; i++) {
      double tol = 1e-5 * bound[i] + 1e-6;
      if (!(Math.abs(want[i] - got[i]) <= tol)) {
        fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + " (tolerance " + tol + ")");
      }
    }
  }

  /** Batch 1 streams two panels at a time, the batched tiles one: each output is the same chain. */
  @Test
  void aBatchOneRowHasTheBitsItHasInABatch() {
    for (int rows : new int[] {17, 300, 1000}) {
      for (int cols : new int[] {3, 65, 256}) {
        int m = 5;
        float[] x = random(m * cols);
        float[] w = random(rows * cols);
        PackedMatrix p = simd.pack(w, 0, rows, cols, Precision.BF16);
        float[] batch = new float[m * rows];
        simd.matmulPacked(m, x, 0, cols, p, 0f, batch, 0, rows);
        for (int r = 0; r < m; r++) {
          float[] one = new float[rows];
          simd.matmulPacked(1, x, r * cols, cols, p, 0f, one, 0, rows);
          org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOfRange(batch, r * rows,
              (r + 1) * rows), one, "row " + r + " of W=" + rows + "x" + cols);
        }
      }
    }
  }

  @Test
  void resultsAreBitIdenticalForAnyThreadCount() {
    for (int m : new int[] {1, 5, 130}) {
      int rows = 300;
      int cols = 65;
      float[] x = random(m * cols);
      float[] w = random(rows * cols);
      float[] one = new float[m * rows];
      float[] two = new float[m * rows];
      simd.matmulPacked(m, x, 0, cols, simd.pack(w, 0, rows, cols, Precision.BF16), 0f, one, 0, rows);
      simdPooled.matmulPacked(m, x, 0, cols, simdPooled.pack(w, 0, rows, cols, Precision.BF16), 0f, two, 0, rows);
      org.junit.jupiter.api.Assertions.assertArrayEquals(one, two, "m=" + m);
    }
  }

  @Test
  void bf16AndFp32MatricesAreNotInterchangeableBetweenKernelSets() {
    PackedMatrix mine = simd.pack(new float[6], 0, 2, 3, Precision.BF16);
    float[] out = new float[2];
    simd.matmulPacked(1, new float[3], 0, 3, mine, 0f, out, 0, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> simdPooled.matmulPacked(1, new float[3], 0, 3, mine, 0f, out, 0, 2));
    assertEquals(true, e.getMessage().contains("not by backend simd"), e.getMessage());
  }
}
