package org.rnn4j;

import java.util.Locale;
import java.util.Objects;

/**
 * An activation function of a recurrent cell, with the parameters ONNX gives it.
 *
 * <p>The set is the one the ONNX LSTM/GRU/RNN operators allow. {@link #apply(float)} is the
 * reference definition every backend must reproduce; fast backends may approximate
 * {@code Sigmoid} and {@code Tanh} within their documented error.
 */
public record Activation(Kind kind, float alpha, float beta) {

  /** The functions, with the parameters each one reads. */
  public enum Kind {
    RELU("Relu", false, false),
    TANH("Tanh", false, false),
    SIGMOID("Sigmoid", false, false),
    AFFINE("Affine", true, true),
    LEAKY_RELU("LeakyRelu", true, false),
    THRESHOLDED_RELU("ThresholdedRelu", true, false),
    SCALED_TANH("ScaledTanh", true, true),
    HARD_SIGMOID("HardSigmoid", true, true),
    ELU("Elu", true, false),
    SOFTSIGN("Softsign", false, false),
    SOFTPLUS("Softplus", false, false);

    private final String onnxName;
    private final boolean usesAlpha;
    private final boolean usesBeta;

    Kind(String onnxName, boolean usesAlpha, boolean usesBeta) {
      this.onnxName = onnxName;
      this.usesAlpha = usesAlpha;
      this.usesBeta = usesBeta;
    }

    /** The spelling the ONNX specification uses, e.g. {@code LeakyRelu}. */
    public String onnxName() {
      return onnxName;
    }

    public boolean usesAlpha() {
      return usesAlpha;
    }

    public boolean usesBeta() {
      return usesBeta;
    }

    /** Case-insensitive lookup by ONNX name. */
    public static Kind fromName(String name) {
      for (Kind k : values()) {
        if (k.onnxName.equalsIgnoreCase(name.trim())) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown activation '" + name + "'; known: Relu, Tanh, Sigmoid, Affine, "
          + "LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus");
    }

    /** The ONNX default of alpha, or NaN where the specification gives none. */
    float defaultAlpha() {
      return switch (this) {
        case LEAKY_RELU -> 0.01f;
        case HARD_SIGMOID -> 0.2f;
        case ELU, THRESHOLDED_RELU -> 1.0f;
        default -> Float.NaN;
      };
    }

    /** The ONNX default of beta, or NaN where the specification gives none. */
    float defaultBeta() {
      return this == HARD_SIGMOID ? 0.5f : Float.NaN;
    }
  }

  public static final Activation SIGMOID = new Activation(Kind.SIGMOID, Float.NaN, Float.NaN);
  public static final Activation TANH = new Activation(Kind.TANH, Float.NaN, Float.NaN);
  public static final Activation RELU = new Activation(Kind.RELU, Float.NaN, Float.NaN);

  public Activation {
    Objects.requireNonNull(kind, "kind");
    if (kind.usesAlpha && Float.isNaN(alpha)) {
      throw new IllegalArgumentException(kind.onnxName + " needs alpha");
    }
    if (kind.usesBeta && Float.isNaN(beta)) {
      throw new IllegalArgumentException(kind.onnxName + " needs beta");
    }
    if (!kind.usesAlpha) {
      alpha = Float.NaN;
    }
    if (!kind.usesBeta) {
      beta = Float.NaN;
    }
  }

  /** A function with its ONNX defaults for alpha and beta. */
  public static Activation of(Kind kind) {
    return new Activation(kind, kind.defaultAlpha(), kind.defaultBeta());
  }

  /** A function with explicit parameters; NaN means "the ONNX default". */
  public static Activation of(Kind kind, float alpha, float beta) {
    return new Activation(kind, Float.isNaN(alpha) ? kind.defaultAlpha() : alpha,
        Float.isNaN(beta) ? kind.defaultBeta() : beta);
  }

  /**
   * Parses the form {@link #toString()} writes: {@code Tanh}, {@code LeakyRelu(0.1)},
   * {@code HardSigmoid(0.2,0.5)}; parameters are alpha then beta, for the functions that use them.
   */
  public static Activation parse(String text) {
    String s = text.trim();
    int open = s.indexOf('(');
    if (open < 0) {
      return of(Kind.fromName(s));
    }
    if (!s.endsWith(")")) {
      throw new IllegalArgumentException("malformed activation '" + text + "'");
    }
    Kind kind = Kind.fromName(s.substring(0, open));
    String[] parts = s.substring(open + 1, s.length() - 1).split(",");
    float alpha = Float.NaN;
    float beta = Float.NaN;
    int i = 0;
    try {
      if (kind.usesAlpha && i < parts.length) {
        alpha = Float.parseFloat(parts[i++].trim());
      }
      if (kind.usesBeta && i < parts.length) {
        beta = Float.parseFloat(parts[i++].trim());
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed activation parameters in '" + text + "'", e);
    }
    if (i != parts.length) {
      throw new IllegalArgumentException("too many parameters in activation '" + text + "'");
    }
    return of(kind, alpha, beta);
  }

  /** The exact (float-rounded) value of the function; the definition all backends follow. */
  public float apply(float x) {
    return switch (kind) {
      case RELU -> x > 0f ? x : 0f;
      case TANH -> (float) Math.tanh(x);
      case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-(double) x)));
      case AFFINE -> alpha * x + beta;
      case LEAKY_RELU -> x >= 0f ? x : alpha * x;
      case THRESHOLDED_RELU -> x >= alpha ? x : 0f;
      case SCALED_TANH -> alpha * (float) Math.tanh(beta * x);
      case HARD_SIGMOID -> Math.min(Math.max(alpha * x + beta, 0f), 1f);
      case ELU -> x >= 0f ? x : alpha * (float) Math.expm1(x);
      case SOFTSIGN -> x / (1f + Math.abs(x));
      case SOFTPLUS -> (float) softplus(x);
    };
  }

  /** The derivative at pre-activation x: what the backward pass multiplies by. */
  public float derivative(float x) {
    return switch (kind) {
      case RELU -> x > 0f ? 1f : 0f;
      case TANH -> {
        double t = Math.tanh(x);
        yield (float) (1 - t * t);
      }
      case SIGMOID -> {
        double s = 1.0 / (1.0 + Math.exp(-(double) x));
        yield (float) (s * (1 - s));
      }
      case AFFINE -> alpha;
      case LEAKY_RELU -> x >= 0f ? 1f : alpha;
      case THRESHOLDED_RELU -> x >= alpha ? 1f : 0f;
      case SCALED_TANH -> {
        double t = Math.tanh((double) beta * x);
        yield (float) (alpha * beta * (1 - t * t));
      }
      case HARD_SIGMOID -> {
        float v = alpha * x + beta;
        yield v > 0f && v < 1f ? alpha : 0f;
      }
      case ELU -> x >= 0f ? 1f : alpha * (float) Math.exp(x);
      case SOFTSIGN -> {
        float d = 1f + Math.abs(x);
        yield 1f / (d * d);
      }
      case SOFTPLUS -> (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    };
  }

  private static double softplus(double x) {
    // log(1+e^x) without overflow for large x.
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  @Override
  public String toString() {
    if (kind.usesAlpha && kind.usesBeta) {
      return kind.onnxName + "(" + fmt(alpha) + "," + fmt(beta) + ")";
    }
    if (kind.usesAlpha) {
      return kind.onnxName + "(" + fmt(alpha) + ")";
    }
    return kind.onnxName;
  }

  private static String fmt(float v) {
    return Float.toString(v).toLowerCase(Locale.ROOT);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Activation a && a.kind == kind
        && Float.floatToIntBits(a.alpha) == Float.floatToIntBits(alpha)
        && Float.floatToIntBits(a.beta) == Float.floatToIntBits(beta);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, Float.floatToIntBits(alpha), Float.floatToIntBits(beta));
  }
}
