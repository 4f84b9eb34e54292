package org.rnn4j.train;

import java.util.SplittableRandom;

/**
 * A trainable linear layer on top of the recurrent output: logits = y·Wᵀ + b, W [classes, features].
 * Parameters are named {@code head.weight} and {@code head.bias} in checkpoints.
 */
public final class LinearHead {
  public static final String WEIGHT = "head.weight";
  public static final String BIAS = "head.bias";

  private final int features;
  private final int outputs;

  public LinearHead(int features, int outputs) {
    if (features <= 0 || outputs <= 0) {
      throw new IllegalArgumentException("head needs positive sizes, got " + features + " -> " + outputs);
    }
    this.features = features;
    this.outputs = outputs;
  }

  public int features() {
    return features;
  }

  public int outputs() {
    return outputs;
  }

  /** nn.Linear's default initialisation: uniform ±1/√features for weight and bias. */
  public float[][] initialParameters(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double bound = 1 / Math.sqrt(features);
    float[] w = new float[outputs * features];
    float[] b = new float[outputs];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextDouble(-bound, bound);
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextDouble(-bound, bound);
    }
    return new float[][] {w, b};
  }

  /** logits[r] = W·y[rows[r]] + b for the selected rows of y [*, features]. */
  public float[] forward(float[] w, float[] b, float[] y, int[] rows) {
    float[] logits = new float[rows.length * outputs];
    forward(w, b, y, rows, rows.length, logits);
    return logits;
  }

  /** As {@link #forward(float[], float[], float[], int[])} for the first n rows, into {@code logits}. */
  public void forward(float[] w, float[] b, float[] y, int[] rows, int n, float[] logits) {
    for (int r = 0; r < n; r++) {
      int yr = rows[r] * features;
      for (int c = 0; c < outputs; c++) {
        float s = b[c];
        int wr = c * features;
        for (int j = 0; j < features; j++) {
          s += w[wr + j] * y[yr + j];
        }
        logits[r * outputs + c] = s;
      }
    }
  }

  /** Accumulates dW, db and dy (at the selected rows) from dlogits. */
  public void backward(float[] w, float[] y, int[] rows, float[] dlogits, float[] dw, float[] db, float[] dy) {
    backward(w, y, rows, rows.length, dlogits, dw, db, dy);
  }

  /** As {@link #backward(float[], float[], int[], float[], float[], float[], float[])} for the first n rows. */
  public void backward(float[] w, float[] y, int[] rows, int n, float[] dlogits, float[] dw, float[] db, float[] dy) {
    for (int r = 0; r < n; r++) {
      int yr = rows[r] * features;
      for (int c = 0; c < outputs; c++) {
        float d = dlogits[r * outputs + c];
        if (d == 0f) {
          continue;
        }
        db[c] += d;
        int wr = c * features;
        for (int j = 0; j < features; j++) {
          dw[wr + j] += d * y[yr + j];
          dy[yr + j] += d * w[wr + j];
        }
      }
    }
  }
}
