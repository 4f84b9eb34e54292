package org.rnn4j.text;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Draws the next token from logits: temperature, optional top-k, reproducible from a seed. */
public final class Sampler {
  private final float temperature;
  private final int topK;
  private final SplittableRandom random;

  /**
   * @param temperature > 0; below 1 sharpens, above 1 flattens the distribution
   * @param topK keep only the k most likely tokens (0 = all)
   */
  public Sampler(float temperature, int topK, long seed) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
    }
    this.temperature = temperature;
    this.topK = topK;
    this.random = new SplittableRandom(seed);
  }

  /** Samples an index from {@code logits[off .. off+n)}. */
  public int sample(float[] logits, int off, int n) {
    float cutoff = Float.NEGATIVE_INFINITY;
    if (topK > 0 && topK < n) {
      float[] sorted = Arrays.copyOfRange(logits, off, off + n);
      Arrays.sort(sorted);
      cutoff = sorted[n - topK];
    }
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, logits[off + i]);
    }
    double[] p = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float l = logits[off + i];
      p[i] = l < cutoff ? 0 : Math.exp((l - max) / temperature);
      sum += p[i];
    }
    double u = random.nextDouble() * sum;
    for (int i = 0; i < n; i++) {
      u -= p[i];
      if (u < 0) {
        return i;
      }
    }
    for (int i = n - 1; i >= 0; i--) {
      if (p[i] > 0) {
        return i;
      }
    }
    return 0;
  }
}
