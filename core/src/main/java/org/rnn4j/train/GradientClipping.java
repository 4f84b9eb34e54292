package org.rnn4j.train;

import java.util.Map;

/** The remedies for exploding gradients: rescale by the global norm, or clamp each value. */
public final class GradientClipping {
  private GradientClipping() {
  }

  /** The L2 norm over every gradient tensor together. */
  public static double globalNorm(Map<String, float[]> grads) {
    return globalNorm(grads.values().toArray(new float[0][]));
  }

  /** As {@link #globalNorm(Map)}, over the arrays in order. */
  public static double globalNorm(float[][] grads) {
    double s = 0;
    for (float[] g : grads) {
      for (float v : g) {
        s += (double) v * v;
      }
    }
    return Math.sqrt(s);
  }

  /**
   * Scales all gradients by maxNorm / norm when their global norm exceeds maxNorm
   * (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
   */
  public static double clipByGlobalNorm(Map<String, float[]> grads, double maxNorm) {
    return clipByGlobalNorm(grads.values().toArray(new float[0][]), maxNorm);
  }

  /** As {@link #clipByGlobalNorm(Map, double)}, over the arrays in order. */
  public static double clipByGlobalNorm(float[][] grads, double maxNorm) {
    if (!(maxNorm > 0)) {
      throw new IllegalArgumentException("max norm must be > 0, got " + maxNorm);
    }
    double norm = globalNorm(grads);
    if (norm > maxNorm) {
      float scale = (float) (maxNorm / (norm + 1e-6));
      for (float[] g : grads) {
        for (int i = 0; i < g.length; i++) {
          g[i] *= scale;
        }
      }
    }
    return norm;
  }

  /** Clamps every gradient value to [-limit, limit] (torch.nn.utils.clip_grad_value_). */
  public static void clipByValue(Map<String, float[]> grads, float limit) {
    clipByValue(grads.values().toArray(new float[0][]), limit);
  }

  /** As {@link #clipByValue(Map, float)}, over the arrays in order. */
  public static void clipByValue(float[][] grads, float limit) {
    if (!(limit > 0)) {
      throw new IllegalArgumentException("clip value must be > 0, got " + limit);
    }
    for (float[] g : grads) {
      for (int i = 0; i < g.length; i++) {
        g[i] = Math.max(-limit, Math.min(limit, g[i]));
      }
    }
  }
}
