package org.rnn4j.spi;

import java.util.Objects;
import org.rnn4j.Activation;

/**
 * The activation functions and options one fused cell kernel applies, for one direction.
 *
 * <ul>
 *   <li>LSTM: {@code gate} = f (i, f, o gates), {@code candidate} = g, {@code output} = h;
 *   <li>GRU: {@code gate} = f (r, z), {@code candidate} = g (n); {@code output} unused;
 *   <li>RNN: {@code candidate} is the one activation; Jordan: {@code candidate} = f_h, {@code output} = f_y.
 * </ul>
 *
 * @param clip gate pre-activations are clamped to [-clip, clip]; +Infinity = none
 * @param inputForget LSTM: forget gate = 1 − input gate
 */
public record CellFunctions(Activation gate, Activation candidate, Activation output, float clip,
    boolean inputForget) {

  public static final CellFunctions LSTM_DEFAULT =
      new CellFunctions(Activation.SIGMOID, Activation.TANH, Activation.TANH, Float.POSITIVE_INFINITY, false);

  public CellFunctions {
    Objects.requireNonNull(gate, "gate");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(output, "output");
  }

  /** Sigmoid gates, tanh candidate and output, no clip, no coupling: the case fast kernels specialise. */
  public boolean isStandard() {
    return gate.kind() == Activation.Kind.SIGMOID && candidate.kind() == Activation.Kind.TANH
        && output.kind() == Activation.Kind.TANH && clip == Float.POSITIVE_INFINITY && !inputForget;
  }

  /** Applies clip, then the activation. */
  public static float clipThen(Activation a, float clip, float x) {
    return a.apply(Math.max(-clip, Math.min(clip, x)));
  }

  /** d/dx of {@link #clipThen}: the activation's derivative inside [-clip, clip], zero where x was clipped. */
  public static float clipThenDerivative(Activation a, float clip, float x) {
    return x > clip || x < -clip ? 0f : a.derivative(x);
  }

  /**
   * As {@link #clipThenDerivative}, given y = clipThen(a, clip, x) already: sigmoid and tanh take
   * their derivative from y (y(1 − y), 1 − y²) instead of evaluating the function again.
   */
  public static float clipThenDerivative(Activation a, float clip, float x, float y) {
    if (x > clip || x < -clip) {
      return 0f;
    }
    return switch (a.kind()) {
      case SIGMOID -> y * (1f - y);
      case TANH -> 1f - y * y;
      default -> a.derivative(x);
    };
  }
}
