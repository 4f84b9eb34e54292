package org.rnn4j;

import java.util.Objects;

/**
 * The input of one {@link Model#forward} call: a batch of sequences, optionally with per-row
 * lengths and initial states. Immutable; the arrays are referenced, not copied, so they must not
 * change while a call runs.
 */
public final class SequenceBatch {
  private final float[] x;
  private final int steps;
  private final int batch;
  private final int features;
  private final boolean batchFirst;
  private final int[] lengths;
  private final float[] h0;
  private final float[] c0;

  SequenceBatch(float[] x, int steps, int batch, int features, boolean batchFirst, int[] lengths,
      float[] h0, float[] c0) {
    this.x = x;
    this.steps = steps;
    this.batch = batch;
    this.features = features;
    this.batchFirst = batchFirst;
    this.lengths = lengths;
    this.h0 = h0;
    this.c0 = c0;
  }

  /** x is [steps, batch, features] (PyTorch's default, seq-first). */
  public static SequenceBatch seqFirst(float[] x, int steps, int batch, int features) {
    return create(x, steps, batch, features, false);
  }

  /** x is [batch, steps, features] (PyTorch's batch_first=True). Outputs are batch-first too. */
  public static SequenceBatch batchFirst(float[] x, int batch, int steps, int features) {
    return create(x, steps, batch, features, true);
  }

  private static SequenceBatch create(float[] x, int steps, int batch, int features, boolean batchFirst) {
    Objects.requireNonNull(x, "x");
    if (steps <= 0 || batch <= 0 || features <= 0) {
      throw new IllegalArgumentException("x: steps, batch and features must be positive, got steps=" + steps
          + " batch=" + batch + " features=" + features);
    }
    long n = (long) steps * batch * features;
    if (n != x.length) {
      String shape = batchFirst ? "[" + batch + ", " + steps + ", " + features + "]"
          : "[" + steps + ", " + batch + ", " + features + "]";
      throw new IllegalArgumentException("x: shape " + shape + " needs " + n + " elements, array has " + x.length);
    }
    return new SequenceBatch(x, steps, batch, features, batchFirst, null, null, null);
  }

  /**
   * Per-row lengths (PyTorch packed-sequence semantics): row b exists for steps 0..len_b−1,
   * its output is zero past that, its final state is taken at its last step, and the reverse
   * direction starts at len_b−1. Every length must be in 1..steps. Null removes them.
   */
  public SequenceBatch withLengths(int[] lengths) {
    if (lengths != null) {
      if (lengths.length != batch) {
        throw new IllegalArgumentException("lengths: expected " + batch + " entries (one per batch row), got "
            + lengths.length);
      }
      for (int b = 0; b < batch; b++) {
        if (lengths[b] < 1 || lengths[b] > steps) {
          throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b] + " is out of range 1.." + steps);
        }
      }
      lengths = lengths.clone();
    }
    return new SequenceBatch(x, steps, batch, features, batchFirst, lengths, h0, c0);
  }

  /** Initial hidden state [layers·directions, batch, Hout]; null = zeros. */
  public SequenceBatch withH0(float[] h0) {
    return new SequenceBatch(x, steps, batch, features, batchFirst, lengths, h0, c0);
  }

  /** Initial cell state [layers·directions, batch, H] (LSTM only); null = zeros. */
  public SequenceBatch withC0(float[] c0) {
    return new SequenceBatch(x, steps, batch, features, batchFirst, lengths, h0, c0);
  }

  public float[] x() {
    return x;
  }

  public int steps() {
    return steps;
  }

  public int batch() {
    return batch;
  }

  public int features() {
    return features;
  }

  public boolean isBatchFirst() {
    return batchFirst;
  }

  /** Per-row lengths, or null when every row is {@link #steps()} long. */
  public int[] lengths() {
    return lengths == null ? null : lengths.clone();
  }

  int[] lengthsRef() {
    return lengths;
  }

  /** The length of row b (without copying {@link #lengths()}). */
  public int length(int b) {
    if (b < 0 || b >= batch) {
      throw new IndexOutOfBoundsException("row " + b + " of a batch of " + batch);
    }
    return lengths == null ? steps : lengths[b];
  }

  public float[] h0() {
    return h0;
  }

  public float[] c0() {
    return c0;
  }
}
