package org.rnn4j.spi;

/**
 * bfloat16: the top 16 bits of a float32 (sign, 8-bit exponent, 7-bit mantissa). Widening is
 * exact (shift left by 16); narrowing rounds to nearest, ties to even.
 */
public final class Bf16 {
  private Bf16() {
  }

  /**
   * The bfloat16 nearest to {@code f}, ties to even. Infinities stay infinite, finite values too
   * large round to infinity as IEEE rounding does, and a NaN stays a NaN with its sign and the top
   * of its payload (made quiet only where truncation would otherwise leave no payload, i.e. turn it
   * into an infinity). A value that already is a bfloat16 comes back unchanged, NaN payloads included.
   */
  public static short round(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7F80_0000) == 0x7F80_0000 && (bits & 0x007F_FFFF) != 0) {
      int top = bits >>> 16;
      return (short) ((top & 0x7F) == 0 ? top | 0x40 : top);
    }
    int lsb = (bits >>> 16) & 1;
    return (short) ((bits + 0x7FFF + lsb) >>> 16);
  }

  /** The float32 with the same value as bfloat16 {@code b}. */
  public static float widen(short b) {
    return Float.intBitsToFloat(b << 16);
  }

  /** {@code f} rounded to bfloat16 and widened back: the value a bf16 weight holds. */
  public static float roundToFloat(float f) {
    return widen(round(f));
  }

  /** Rounds {@code n} floats of {@code src} from {@code off} into a new array of their bf16 values. */
  public static float[] roundedCopy(float[] src, int off, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = roundToFloat(src[off + i]);
    }
    return out;
  }
}
