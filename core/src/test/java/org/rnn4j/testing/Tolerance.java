package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

/** Elementwise |actual − expected| ≤ abs + rel·|expected|, with no NaN, and a message that points at the worst element. */
public final class Tolerance {
  private Tolerance() {
  }

  public static void assertClose(String what, double[] expected, float[] actual, double abs, double rel) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + ", expected " + expected.length);
    }
    int worst = -1;
    double worstExcess = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = expected[i];
      double a = actual[i];
      double excess = Math.abs(a - e) - (abs + rel * Math.abs(e));
      if (Double.isNaN(a) || Double.isNaN(excess) || excess > worstExcess) {
        worst = i;
        worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
        if (Double.isNaN(a)) {
          break;
        }
      }
    }
    if (worst >= 0) {
      fail(what + ": element " + worst + " is " + actual[worst] + ", expected " + expected[worst] + " (tolerance "
          + abs + " + " + rel + "·|expected|)");
    }
  }

  public static void assertClose(String what, float[] expected, float[] actual, double abs, double rel) {
    assertClose(what, RandomModels.widen(expected), actual, abs, rel);
  }
}
