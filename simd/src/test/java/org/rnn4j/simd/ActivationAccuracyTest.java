package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnn4j.Activation;

/** Accuracy of the vector sigmoid and tanh ({@link SimdKernels#activate}) against float64, over a dense sweep. */
class ActivationAccuracyTest {
  private static final SimdKernels K = SimdKernels.create(BackendWidth.bits(), 1);

  /** Every 509th float bit pattern in [−30, 30] (~4 million values), then the special cases. */
  private static float[] sweep() {
    int hi = Float.floatToIntBits(30f);
    int n = hi / 509 + 1;
    float[] xs = new float[2 * n + 64];
    int k = 0;
    for (int bits = 0; bits <= hi; bits += 509) {
      xs[k++] = Float.intBitsToFloat(bits);
      xs[k++] = -Float.intBitsToFloat(bits);
    }
    float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f, 1e-8f, 0.625f,
        -0.625f, 0.62499994f, 8.999f, 9f, 9.001f, 10f, -10.001f, 29.99f, 30.01f, 40f, -40f, 88f, -88f, 100f, -100f, 1e30f, -1e30f,
        Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    System.arraycopy(special, 0, xs, k, special.length);
    k += special.length;
    return java.util.Arrays.copyOf(xs, k);
  }

  private static float[] apply(float[] xs, boolean tanh) {
    float[] ys = xs.clone();
    K.activate(tanh ? Activation.Kind.TANH : Activation.Kind.SIGMOID, ys, 0, ys.length, Float.POSITIVE_INFINITY);
    return ys;
  }

  private static void check(boolean tanh) {
    float[] xs = sweep();
    float[] ys = apply(xs, tanh);
    double worst = 0;
    float worstX = 0;
    for (int i = 0; i < xs.length; i++) {
      double x = xs[i];
      double want = tanh ? Math.tanh(x) : 1 / (1 + Math.exp(-x));
      double err = Math.abs(ys[i] - want);
      assertTrue(Float.isFinite(ys[i]), "finite at " + xs[i]);
      // Only tanh of a subnormal x may be subnormal (it is x itself).
      boolean subnormalIn = tanh && Math.abs(xs[i]) < Float.MIN_NORMAL;
      assertTrue(ys[i] == 0f || Math.abs(ys[i]) >= Float.MIN_NORMAL || subnormalIn, "subnormal result at " + xs[i]);
      if (err > worst) {
        worst = err;
        worstX = xs[i];
      }
    }
    assertTrue(worst <= 1e-6, (tanh ? "tanh" : "sigmoid") + " max abs error " + worst + " at x = " + worstX);
  }

  @Test
  void sigmoidWithin1e6() {
    check(false);
  }

  @Test
  void tanhWithin1e6() {
    check(true);
  }

  @Test
  void specialValues() {
    float[] xs = {0f, -0f, Float.NaN, 1e-20f, -1e-20f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    float[] t = apply(xs, true);
    float[] s = apply(xs, false);
    assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(t[0]), "tanh(+0) = +0");
    assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(t[1]), "tanh(-0) = -0");
    assertTrue(Float.isNaN(t[2]), "tanh(NaN) = NaN");
    assertTrue(Float.isNaN(s[2]), "sigmoid(NaN) = NaN");
    assertEquals(1e-20f, t[3], "tanh(tiny) = tiny");
    assertEquals(-1e-20f, t[4]);
    assertEquals(0.5f, s[0]);
    assertEquals(0.5f, s[3]);
    assertEquals(1f, t[5]);
    assertEquals(-1f, t[6]);
    assertEquals(1f, s[5]);
    assertTrue(s[6] >= 0f && s[6] < 1e-7f, "sigmoid(-inf) is 0 or a tiny normal float, got " + s[6]);
  }

  /**
   * Rounding in x·P/Q can land a hair past the limit where the true value is within 1e-7 of it
   * (|x| ≳ 8); the clamps after the division keep gates in [0, 1] and tanh in [−1, 1]. Every float
   * of that band, both signs.
   */
  @Test
  void resultsStayWithinTheirRange() {
    int lo = Float.floatToIntBits(3f);
    int hi = Float.floatToIntBits(19f);
    float[] xs = new float[2 * (hi - lo)];
    for (int bits = lo, k = 0; bits < hi; bits++) {
      xs[k++] = Float.intBitsToFloat(bits);
      xs[k++] = -Float.intBitsToFloat(bits);
    }
    float[] t = apply(xs, true);
    float[] s = apply(xs, false);
    for (int i = 0; i < xs.length; i++) {
      assertTrue(t[i] >= -1f && t[i] <= 1f, "tanh(" + xs[i] + ") = " + t[i]);
      assertTrue(s[i] >= 0f && s[i] <= 1f, "sigmoid(" + xs[i] + ") = " + s[i]);
    }
  }

  @Test
  void reluAndClip() {
    float[] xs = {-2f, -0f, 0f, 0.5f, 3f, Float.NaN};
    K.activate(Activation.Kind.RELU, xs, 0, xs.length, 1f);
    org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0f, 0f, 0f, 0.5f, 1f, 0f}, xs);
  }

  @Test
  void tanhIsOdd() {
    float[] xs = sweep();
    float[] neg = xs.clone();
    for (int i = 0; i < neg.length; i++) {
      neg[i] = -neg[i];
    }
    float[] a = apply(xs, true);
    float[] b = apply(neg, true);
    for (int i = 0; i < xs.length; i++) {
      assertEquals(Float.floatToIntBits(-a[i]), Float.floatToIntBits(b[i]), "tanh(-x) = -tanh(x) at " + xs[i]);
    }
  }
}
