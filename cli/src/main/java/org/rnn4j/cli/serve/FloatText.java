package org.rnn4j.cli.serve;

/**
 * Fast float ⇄ decimal text for large tensors in JSON, exact where it matters.
 *
 * <p>Writing: every finite float is printed with at most 9 significant digits, correctly rounded
 * from its exact value (computed in double arithmetic, whose error of a few 1e-16 relative is far
 * below the margin), trailing zeros dropped. Nine significant digits always read back as the same
 * float32: the rounding error is at most 5e-9 relative, and half a float32 ulp is at least 2^-25 ≈
 * 3e-8 relative. Fewer digits are used where they provably read back the same (checked with one
 * exact division, refusing a decimal whose double is a float midpoint), so 0.1f is "0.1"; outside
 * 10^±22 and for subnormals the 9-digit form is kept. Bit-for-bit round trip is what the protocol
 * needs; the form may differ from {@code Float.toString}, which is several times slower.
 *
 * <p>Reading: the value of a JSON number as a double, identical to {@link Double#parseDouble}. Up to
 * 19 significant digits and a decimal exponent within ±22 of them take Clinger's fast path (one
 * exact integer times or divided by one exact power of ten: correctly rounded); everything else
 * falls back to {@code Double.parseDouble}.
 */
final class FloatText {
  private FloatText() {
  }

  private static final double[] POW10 = new double[23];
  /** 10^k for k in -64..64 (inexact beyond 10^22: within 1 double ulp, which the margin absorbs). */
  private static final double[] SCALE = new double[129];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
    for (int k = -64; k <= 64; k++) {
      SCALE[k + 64] = Double.parseDouble("1e" + k);
    }
  }

  /** Appends f (finite) as a JSON number that reads back as exactly f (sign of zero included). */
  static void append(StringBuilder sb, float f) {
    int bits = Float.floatToRawIntBits(f);
    if (bits < 0) {
      sb.append('-');
    }
    double v = Math.abs((double) f);
    if (v == 0) {
      sb.append(bits < 0 ? "0.0" : "0");
      return;
    }
    // Decimal exponent e10 with 10^e10 <= v < 10^(e10+1): estimate from the binary exponent.
    int e2 = Math.getExponent(v);
    int e10 = (int) Math.floor(e2 * 0.30102999566398120);
    if (v >= SCALE[e10 + 1 + 64]) {
      e10++;
    } else if (v < SCALE[e10 + 64]) {
      e10--;
    }
    // d: the 9 significant digits, 10^8 <= d < 10^9 (k is in -30..53 for floats).
    int k = 8 - e10;
    double scaled = k >= 0 ? v * SCALE[k + 64] : v / SCALE[-k + 64];
    long d = Math.round(scaled);
    if (d >= 1_000_000_000L) {
      scaled /= 10;
      d = Math.round(scaled);
      e10++;
    } else if (d < 100_000_000L) {
      scaled *= 10;
      d = Math.round(scaled);
      e10--;
    }
    // value = d * 10^p. Fewer digits where they still read back as f (shortest form for values
    // such as 0.1): rounding to fewer digits only moves further from f, so stop at the first miss.
    int p = e10 - 8;
    float target = (float) v;
    if (v >= Float.MIN_NORMAL) {
      for (int n = 8; n >= 1; n--) {
        long dn = Math.round(scaled / POW10[9 - n]);
        int pn = e10 - (n - 1);
        if (pn < -22 || pn > 22) {
          break;
        }
        double dv = pn >= 0 ? dn * POW10[pn] : dn / POW10[-pn];
        if ((float) dv != target || isFloatMidpoint(dv)) {
          break;
        }
        d = dn;
        p = pn;
      }
    }
    while (d % 10 == 0) {
      d /= 10;
      p++;
    }
    int digits = 1;
    for (long t = d; t >= 10; t /= 10) {
      digits++;
    }
    e10 = p + digits - 1;
    char[] buf = new char[10];
    for (int i = digits - 1; i >= 0; i--) {
      buf[i] = (char) ('0' + (int) (d % 10));
      d /= 10;
    }
    if (e10 >= 0 && e10 < 9) {
      // plain: ddd.ddd or ddd
      int intDigits = e10 + 1;
      if (digits <= intDigits) {
        sb.append(buf, 0, digits);
        for (int i = digits; i < intDigits; i++) {
          sb.append('0');
        }
      } else {
        sb.append(buf, 0, intDigits).append('.').append(buf, intDigits, digits - intDigits);
      }
    } else if (e10 < 0 && e10 >= -5) {
      // 0.000ddd
      sb.append("0.");
      for (int i = -1; i > e10; i--) {
        sb.append('0');
      }
      sb.append(buf, 0, digits);
    } else {
      sb.append(buf[0]);
      if (digits > 1) {
        sb.append('.').append(buf, 1, digits - 1);
      }
      sb.append('e').append(e10);
    }
  }

  /**
   * Whether a double lies exactly halfway between two adjacent normal floats (then reading it as
   * a double first and as a float second could round differently from reading it as a float).
   */
  private static boolean isFloatMidpoint(double dv) {
    return (Double.doubleToRawLongBits(dv) & ((1L << 29) - 1)) == 1L << 28;
  }

  /** The float f as append writes it. */
  static String toString(float f) {
    StringBuilder sb = new StringBuilder(16);
    append(sb, f);
    return sb.toString();
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
