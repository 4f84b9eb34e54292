package org.rnn4j.cli.serve;

/**
 * Fast decimal text → double for large tensors in JSON: the value of a JSON number, identical to
 * {@link Double#parseDouble}, without the substring. Up to 18 significant digits and a decimal
 * exponent within ±22 take Clinger's fast path (one exact integer times or divided by one exact
 * power of ten: correctly rounded); everything else falls back to {@code Double.parseDouble}.
 * Measured ~67 ns a number against ~180 ns before (bench/serving/ServingCostProbe.java). Writing
 * stays with {@code Float.toString}, which is already fast and shortest on this JDK.
 */
final class FloatText {
  private FloatText() {
  }

  /** 10^0 .. 10^22, all exact in a double. */
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /**
   * The double value of s[start, end), which must already be a valid JSON number; the same result
   * as {@code Double.parseDouble(s.substring(start, end))}.
   */
  static double parseDouble(String s, int start, int end) {
    int i = start;
    boolean negative = s.charAt(i) == '-';
    if (negative) {
      i++;
    }
    long m = 0;
    int sig = 0; // significant digits taken into m
    int exp = 0; // decimal exponent to apply to m
    boolean dot = false;
    for (; i < end; i++) {
      char c = s.charAt(i);
      if (c == '.') {
        dot = true;
        continue;
      }
      if (c < '0' || c > '9') {
        break;
      }
      if (sig == 0 && c == '0') {
        if (dot) {
          exp--;
        }
        continue;
      }
      if (sig >= 18) {
        return Double.parseDouble(s.substring(start, end));
      }
      m = m * 10 + (c - '0');
      sig++;
      if (dot) {
        exp--;
      }
    }
    if (i < end) { // exponent
      i++;
      boolean eneg = false;
      char c = s.charAt(i);
      if (c == '+' || c == '-') {
        eneg = c == '-';
        i++;
      }
      int e = 0;
      for (; i < end; i++) {
        e = e * 10 + (s.charAt(i) - '0');
        if (e > 100_000) {
          return Double.parseDouble(s.substring(start, end));
        }
      }
      exp += eneg ? -e : e;
    }
    double v;
    if (m == 0) {
      v = 0;
    } else if (m <= (1L << 53) && exp >= -22 && exp <= 22) {
      v = exp >= 0 ? m * POW10[exp] : m / POW10[-exp];
    } else {
      return Double.parseDouble(s.substring(start, end));
    }
    return negative ? -v : v;
  }
}
