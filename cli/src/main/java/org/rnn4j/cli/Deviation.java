package org.rnn4j.cli;

import java.util.Locale;

/**
 * How far a tensor computed in reduced precision is from its fp32 counterpart: the largest
 * absolute difference, and that difference relative to the largest |fp32| value of the tensor
 * (an elementwise ratio is meaningless for values near zero).
 */
record Deviation(double maxAbs, double maxRel) {

  static Deviation of(float[] got, float[] fp32) {
    if (got.length != fp32.length) {
      throw new IllegalArgumentException("tensors differ in size: " + got.length + " vs " + fp32.length);
    }
    double abs = 0;
    double scale = 0;
    for (int i = 0; i < got.length; i++) {
      double d = Math.abs((double) got[i] - fp32[i]);
      if (!(d <= abs)) {
        abs = d; // NaN propagates
      }
      scale = Math.max(scale, Math.abs(fp32[i]));
    }
    return new Deviation(abs, scale == 0 ? (abs == 0 ? 0 : Double.POSITIVE_INFINITY) : abs / scale);
  }

  /** The larger of two deviations, component by component. */
  Deviation max(Deviation o) {
    return new Deviation(Math.max(maxAbs, o.maxAbs), Math.max(maxRel, o.maxRel));
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "max abs %.3e, max rel %.3e", maxAbs, maxRel);
  }
}
