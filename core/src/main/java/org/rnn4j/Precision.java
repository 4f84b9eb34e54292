package org.rnn4j;

import java.util.Locale;

/**
 * How a model stores its weight matrices. Chosen per model at load ({@link Model#of(ModelWeights,
 * org.rnn4j.spi.Backend, Precision)}); the default comes from {@code -Drnn4j.precision=fp32|bf16},
 * else {@link #FP32}.
 *
 * <p>{@link #BF16} rounds W_ih, W_hh and W_hr (the matrices a step streams) to bfloat16 once at
 * load, round-to-nearest-even (values that already are bfloat16, as read from a BF16 safetensors
 * file, stay exactly as they are). Biases, peepholes, the Jordan output layer, states, gate
 * arithmetic and every sum stay float32. Training (record, vjp) runs in {@link #FP32} only.
 */
public enum Precision {
  /** float32 weights: exact parity with the float64 oracle's tolerances (the default). */
  FP32("fp32"),
  /** bfloat16 weight matrices, float32 everything else. */
  BF16("bf16");

  /** System property naming the default precision. */
  public static final String PROPERTY = "rnn4j.precision";

  private final String id;

  Precision(String id) {
    this.id = id;
  }

  /** The lower-case name used on the command line and in the property: fp32, bf16. */
  public String id() {
    return id;
  }

  /** Parses fp32 / bf16 (case-insensitive). */
  public static Precision parse(String s) {
    if (s != null) {
      String v = s.trim().toLowerCase(Locale.ROOT);
      for (Precision p : values()) {
        if (p.id.equals(v)) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("unknown precision '" + s + "': expected fp32 or bf16");
  }

  /** {@code -Drnn4j.precision}, else {@link #FP32}; an invalid value fails with the valid ones. */
  public static Precision defaultPrecision() {
    String s = System.getProperty(PROPERTY);
    if (s == null || s.isBlank()) {
      return FP32;
    }
    try {
      return parse(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-D" + PROPERTY + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return id;
  }
}
