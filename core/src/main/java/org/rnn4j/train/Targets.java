package org.rnn4j.train;

import java.util.Objects;

/**
 * What a training batch should produce: a class per step (many-to-many), a class per sequence at
 * its last valid step (many-to-one), or values per step for mean squared error. Padding past a
 * row's length is never part of the loss, and neither is a step whose class is {@link #IGNORE}.
 */
public final class Targets {
  /**
   * A class-per-step target that does not count: the step adds nothing to the loss or its
   * gradient (PyTorch's {@code ignore_index}). The mean is taken over the steps that count.
   */
  public static final int IGNORE = -1;

  enum Kind { CLASS_PER_STEP, CLASS_PER_SEQUENCE, VALUES_PER_STEP }

  final Kind kind;
  final int[] classes;
  final float[] values;

  private Targets(Kind kind, int[] classes, float[] values) {
    this.kind = kind;
    this.classes = classes;
    this.values = values;
  }

  /**
   * Class indices [T, B] in the input's step/batch order (seq-first, or [B, T] for batch-first
   * input); {@link #IGNORE} marks a step that is not part of the loss.
   */
  public static Targets classPerStep(int[] classes) {
    return new Targets(Kind.CLASS_PER_STEP, Objects.requireNonNull(classes, "classes").clone(), null);
  }

  /** One class index per sequence [B], predicted from the output at the row's last valid step. */
  public static Targets classPerSequence(int[] classes) {
    return new Targets(Kind.CLASS_PER_SEQUENCE, Objects.requireNonNull(classes, "classes").clone(), null);
  }

  /** Head outputs to regress to, [T, B, outputs] in the input's order (mean squared error). */
  public static Targets valuesPerStep(float[] values) {
    return new Targets(Kind.VALUES_PER_STEP, null, Objects.requireNonNull(values, "values").clone());
  }
}
