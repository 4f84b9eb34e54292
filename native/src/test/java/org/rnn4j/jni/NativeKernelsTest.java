package org.rnn4j.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnn4j.Activation;
import org.rnn4j.Activation.Kind;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.testing.RandomModels;

/**
 * Every native kernel against the scalar reference kernels at awkward sizes, once per ISA tier
 * this CPU has (the others are skipped with the reason), with offsets and padded leading dimensions.
 */
class NativeKernelsTest {
  private static final int[] SIZES = {1, 3, 17, 65, 257};
  private static final Kernels REF = new ScalarKernels();
  private static final Activation SIG = Activation.SIGMOID;
  private static final Activation TANH = Activation.TANH;
  private static final Activation RELU = Activation.RELU;
  private static final Activation HARD = Activation.of(Kind.HARD_SIGMOID);

  private long seed;

  static Kernels kernels(Isa isa) {
    NativeLibrary.Status s = NativeLibrary.status();
    assertTrue(s.loaded(), () -> "native library did not load: " + s.reason());
    assumeTrue(isa.compareTo(s.cpu()) <= 0, () -> "this CPU supports native tiers up to " + s.cpu().id() + ", not "
        + isa.id() + " (the avx512 tier's code still runs here, compiled for AVX2, in the avx512-tier-on-avx2 "
        + "surefire execution: target/surefire-reports-avx512-on-avx2)");
    Kernels k = new NativeKernels(isa);
    assertEquals(isa, ((NativeKernels) k).isa());
    return k;
  }

  private float[] rnd(int n, double scale) {
    return RandomModels.gaussian(n, scale, ++seed);
  }

  /** Fresh copies so reference and native write to separate arrays. */
  private static float[] copy(float[] a) {
    return a == null ? null : a.clone();
  }

  private static float[] nanFilled(int n) {
    float[] a = new float[n];
    Arrays.fill(a, Float.NaN);
    return a;
  }

  /**
   * |actual − expected| ≤ abs + rel·|expected| elementwise over whole arrays, so untouched padding
   * must also match; NaN (the padding fill, and beta = 0 inputs) must be NaN on both sides.
   */
  static void close(String what, float[] expected, float[] actual, double abs, double rel) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      float e = expected[i];
      float a = actual[i];
      boolean ok = Float.isNaN(e) ? Float.isNaN(a) : e == a || Math.abs(a - e) <= abs + rel * Math.abs(e);
      if (!ok) {
        fail(what + ": element " + i + " is " + a + ", expected " + e + " (tolerance " + abs + " + " + rel
            + "·|expected|)");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void gemmEveryTransposeAlphaBeta(Isa isa) {
    Kernels k = kernels(isa);
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        for (int i = 0; i < SIZES.length; i++) {
          for (int s = 0; s < 3; s++) {
            int m = SIZES[i];
            int n = SIZES[(i + s + 1) % SIZES.length];
            int kk = SIZES[(i + 2 * s + 2) % SIZES.length];
            for (float beta : new float[] {0f, 1f, -0.5f}) {
              gemmCase(k, ta == 1, tb == 1, m, n, kk, 0.75f, beta);
            }
          }
        }
        gemmCase(k, ta == 1, tb == 1, 3, 17, 0, 1f, 0.5f); // k = 0: C = beta*C
        gemmCase(k, ta == 1, tb == 1, 3, 17, 0, 1f, 0f);
      }
    }
  }

  private void gemmCase(Kernels k, boolean ta, boolean tb, int m, int n, int kk, float alpha, float beta) {
    int lda = (ta ? m : kk) + 2;
    int ldb = (tb ? kk : n) + 1;
    int ldc = n + 3;
    float[] a = rnd((ta ? kk : m) * lda + 5, 1);
    float[] b = rnd((tb ? n : kk) * ldb + 5, 1);
    float[] c = beta == 0f ? nanFilled(m * ldc + 7) : rnd(m * ldc + 7, 1);
    float[] expected = c.clone();
    REF.gemm(ta, tb, m, n, kk, alpha, a, 2, lda, b, 1, ldb, beta, expected, 4, ldc);
    k.gemm(ta, tb, m, n, kk, alpha, a, 2, lda, b, 1, ldb, beta, c, 4, ldc);
    String what = "gemm ta=" + ta + " tb=" + tb + " m=" + m + " n=" + n + " k=" + kk + " beta=" + beta;
    close(what, expected, c, 1e-4, 1e-4);
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void gemv(Isa isa) {
    Kernels k = kernels(isa);
    for (boolean trans : new boolean[] {false, true}) {
      for (int m : SIZES) {
        for (int n : SIZES) {
          for (float beta : new float[] {0f, 0.5f}) {
            int lda = n + 2;
            float[] a = rnd(m * lda + 3, 1);
            float[] x = rnd((trans ? m : n) + 1, 1);
            int ylen = (trans ? n : m) + 2;
            float[] y = beta == 0f ? nanFilled(ylen) : rnd(ylen, 1);
            float[] expected = y.clone();
            REF.gemv(trans, m, n, 1.25f, a, 3, lda, x, 1, beta, expected, 2);
            k.gemv(trans, m, n, 1.25f, a, 3, lda, x, 1, beta, y, 2);
            close("gemv trans=" + trans + " m=" + m + " n=" + n, expected, y, 1e-4, 1e-4);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void packedMatmul(Isa isa) {
    Kernels k = kernels(isa);
    for (int rows : SIZES) {
      for (int cols : SIZES) {
        float[] w = rnd(rows * cols + 3, 1);
        try (PackedMatrix pn = k.pack(w, 3, rows, cols); PackedMatrix pr = REF.pack(w, 3, rows, cols)) {
          for (int m : new int[] {1, 5, 17, 100}) {
            for (float beta : new float[] {0f, 1f}) {
              int ldx = cols + 1;
              int ldo = rows + 2;
              float[] x = rnd(m * ldx + 1, 1);
              float[] out = beta == 0f ? nanFilled(m * ldo + 1) : rnd(m * ldo + 1, 1);
              float[] expected = out.clone();
              REF.matmulPacked(m, x, 1, ldx, pr, beta, expected, 1, ldo);
              k.matmulPacked(m, x, 1, ldx, pn, beta, out, 1, ldo);
              close("matmulPacked m=" + m + " W=" + rows + "x" + cols, expected, out, 1e-4, 1e-4);
            }
          }
        }
      }
    }
  }

  /** Activation triples (gate, candidate, output): all in C, and one that falls back to Java. */
  private static final List<CellFunctions> FNS = List.of(
      CellFunctions.LSTM_DEFAULT,
      new CellFunctions(SIG, TANH, TANH, 0.75f, false),
      new CellFunctions(SIG, RELU, SIG, Float.POSITIVE_INFINITY, true),
      new CellFunctions(TANH, SIG, RELU, 1.5f, true),
      new CellFunctions(HARD, TANH, TANH, 0.5f, false));

  @ParameterizedTest
  @EnumSource(Isa.class)
  void lstmCell(Isa isa) {
    Kernels k = kernels(isa);
    for (int hid : SIZES) {
      for (int rows : new int[] {1, 3, 17}) {
        for (CellFunctions fns : FNS) {
          for (boolean peephole : new boolean[] {false, true}) {
            int g = 4 * hid;
            float[] xg = rnd(rows * g + 2, 2);
            float[] hg = rnd(rows * g + 1, 2);
            float[] bias = rnd(g, 0.5);
            float[] peep = peephole ? rnd(3 * hid, 0.5) : null;
            float[] c = rnd(rows * hid + 3, 1);
            float[] h = nanFilled(rows * hid + 1);
            float[] ce = c.clone();
            float[] he = h.clone();
            REF.lstmCell(rows, hid, xg, 2, hg, 1, bias, copy(peep), fns, ce, 3, he, 1);
            k.lstmCell(rows, hid, xg, 2, hg, 1, bias, peep, fns, c, 3, h, 1);
            String what = "lstm H=" + hid + " rows=" + rows + " " + fns + " peep=" + peephole;
            close(what + " c", ce, c, 2e-6, 1e-5);
            close(what + " h", he, h, 2e-6, 1e-5);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void gruCellBothFormsAndResetState(Isa isa) {
    Kernels k = kernels(isa);
    for (int hid : SIZES) {
      for (int rows : new int[] {1, 3, 17}) {
        for (CellFunctions fns : FNS) {
          int g = 3 * hid;
          float[] xg = rnd(rows * g + 2, 2);
          float[] hg = rnd(rows * g + 1, 2);
          float[] bias = rnd(4 * hid, 0.5);
          String what = "gru H=" + hid + " rows=" + rows + " " + fns;
          for (boolean resetAfter : new boolean[] {true, false}) {
            float[] h = rnd(rows * hid + 3, 1);
            float[] he = h.clone();
            REF.gruCell(rows, hid, resetAfter, xg, 2, hg, 1, bias, fns, he, 3);
            k.gruCell(rows, hid, resetAfter, xg, 2, hg, 1, bias, fns, h, 3);
            close(what + " resetAfter=" + resetAfter, he, h, 2e-6, 1e-5);
          }
          float[] h = rnd(rows * hid + 3, 1);
          float[] rh = nanFilled(rows * hid + 1);
          float[] rhe = rh.clone();
          REF.gruResetState(rows, hid, xg, 2, hg, 1, bias, fns, h, 3, rhe, 1);
          k.gruResetState(rows, hid, xg, 2, hg, 1, bias, fns, h, 3, rh, 1);
          close(what + " resetState", rhe, rh, 2e-6, 1e-5);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void rnnCellBiasActivationAxpy(Isa isa) {
    Kernels k = kernels(isa);
    for (int hid : SIZES) {
      for (int rows : new int[] {1, 3, 17}) {
        for (CellFunctions fns : FNS) {
          float[] xg = rnd(rows * hid + 2, 2);
          float[] hg = rnd(rows * hid + 1, 2);
          float[] bias = rnd(hid, 0.5);
          float[] h = nanFilled(rows * hid + 3);
          float[] he = h.clone();
          REF.rnnCell(rows, hid, xg, 2, hg, 1, bias, fns, he, 3);
          k.rnnCell(rows, hid, xg, 2, hg, 1, bias, fns, h, 3);
          close("rnn H=" + hid + " " + fns, he, h, 2e-6, 1e-5);

          float[] x = rnd(rows * hid + 2, 3);
          float[] xe = x.clone();
          REF.biasActivation(rows, hid, xe, 2, bias, fns.candidate());
          k.biasActivation(rows, hid, x, 2, bias, fns.candidate());
          close("biasActivation n=" + hid + " " + fns.candidate(), xe, x, 2e-6, 1e-5);
        }
        int n = rows * hid;
        float[] x = rnd(n + 1, 1);
        float[] y = rnd(n + 2, 1);
        float[] ye = y.clone();
        REF.axpy(n, -0.75f, x, 1, ye, 2);
        k.axpy(n, -0.75f, x, 1, y, 2);
        close("axpy n=" + n, ye, y, 1e-6, 1e-6);
      }
    }
  }

  /** The approximations against float64 over a dense grid, with limits and NaN. */
  @ParameterizedTest
  @EnumSource(Isa.class)
  void activationsWithinOneMillionthOfFloat64(Isa isa) {
    Kernels k = kernels(isa);
    int n = 120_001;
    float[] x = new float[n + 6];
    for (int i = 0; i < n; i++) {
      x[i] = -30f + 60f * i / (n - 1);
    }
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-30f, -100f, 100f};
    System.arraycopy(special, 0, x, n, special.length);
    float[] zero = new float[x.length];
    for (Activation a : List.of(SIG, TANH, RELU)) {
      float[] y = x.clone();
      k.biasActivation(1, x.length, y, 0, zero, a);
      double worst = 0;
      for (int i = 0; i < n; i++) {
        double exact = switch (a.kind()) {
          case SIGMOID -> 1 / (1 + Math.exp(-(double) x[i]));
          case TANH -> Math.tanh(x[i]);
          default -> Math.max(0, x[i]);
        };
        worst = Math.max(worst, Math.abs(y[i] - exact));
      }
      assertTrue(worst <= 1e-6, a + ": max abs error " + worst);
      float[] tail = Arrays.copyOfRange(y, n, y.length);
      float[] expected = switch (a.kind()) {
        case SIGMOID -> new float[] {Float.NaN, 1f, 0f, 0.5f, 0f, 1f};
        case TANH -> new float[] {Float.NaN, 1f, -1f, 0f, -1f, 1f};
        default -> new float[] {0f, Float.POSITIVE_INFINITY, 0f, 1e-30f, 0f, 100f};
      };
      close(a + " at NaN, +-inf, 1e-30, -100, 100", expected, tail, 1e-7, 0);
    }
  }
}
