package org.rnn4j;

import java.util.SplittableRandom;

/**
 * Dropout between stacked layers, for training ({@link Model#record(SequenceBatch, Dropout)}):
 * each layer's output except the last is multiplied by a mask of 0 and 1/(1−p). With
 * {@code variational}, one mask per sequence and feature is used at every time step (Gal &amp;
 * Ghahramani); otherwise every step draws its own. Masks come from {@code seed}, so a run is
 * reproducible.
 */
public record Dropout(float p, boolean variational, long seed) {
  public Dropout {
    if (!(p >= 0f && p < 1f)) {
      throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }
  }

  /** The mask of one layer's packed output [rows, width], rows in the model's packed order. */
  float[] mask(int layer, int width, int steps, int batch, int[] order, int[] batchSizes, int[] offsets, int rows) {
    float[] m = new float[rows * width];
    fillMask(layer, width, steps, batch, order, batchSizes, offsets, rows, m, variational ? new float[batch * width]
        : null);
    return m;
  }

  /**
   * As {@link #mask}, into {@code m} (at least rows·width) with {@code perSequence} (at least
   * batch·width, variational only) as scratch.
   */
  void fillMask(int layer, int width, int steps, int batch, int[] order, int[] batchSizes, int[] offsets, int rows,
      float[] m, float[] perSequence) {
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + layer);
    float keep = 1f / (1f - p);
    if (variational) {
      for (int i = 0; i < batch * width; i++) {
        perSequence[i] = rnd.nextDouble() < p ? 0f : keep;
      }
      for (int t = 0; t < steps; t++) {
        for (int r = 0; r < batchSizes[t]; r++) {
          System.arraycopy(perSequence, order[r] * width, m, (offsets[t] + r) * width, width);
        }
      }
    } else {
      for (int i = 0; i < rows * width; i++) {
        m[i] = rnd.nextDouble() < p ? 0f : keep;
      }
    }
  }
}
