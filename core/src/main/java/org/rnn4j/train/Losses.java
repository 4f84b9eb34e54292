package org.rnn4j.train;

/** Loss functions returning the mean loss and writing its gradient with respect to their input. */
public final class Losses {
  private Losses() {
  }

  /**
   * Mean softmax cross-entropy over rows of logits [n, classes] against class indices; the
   * gradient (softmax − one-hot) / n goes into {@code dlogits}. Returns the mean loss in nats.
   */
  public static double softmaxCrossEntropy(float[] logits, int classes, int[] targets, float[] dlogits) {
    int n = targets.length;
    if (logits.length != n * classes || dlogits.length != logits.length) {
      throw new IllegalArgumentException("logits: expected " + n + " x " + classes + " values, got " + logits.length);
    }
    return softmaxCrossEntropy(logits, classes, targets, n, dlogits);
  }

  /** As {@link #softmaxCrossEntropy(float[], int, int[], float[])} over the first n rows of longer arrays. */
  public static double softmaxCrossEntropy(float[] logits, int classes, int[] targets, int n, float[] dlogits) {
    if (n < 1 || targets.length < n || logits.length < n * classes || dlogits.length < n * classes) {
      throw new IllegalArgumentException("logits: expected " + n + " x " + classes + " values, got " + logits.length
          + " (targets " + targets.length + ")");
    }
    double total = 0;
    for (int r = 0; r < n; r++) {
      int t = targets[r];
      if (t < 0 || t >= classes) {
        throw new IllegalArgumentException("target[" + r + "] = " + t + " is not a class in 0.." + (classes - 1));
      }
      int off = r * classes;
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[off + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[off + c] - max);
      }
      double logSum = Math.log(sum) + max;
      total += logSum - logits[off + t];
      for (int c = 0; c < classes; c++) {
        double p = Math.exp(logits[off + c] - logSum);
        dlogits[off + c] = (float) ((p - (c == t ? 1 : 0)) / n);
      }
    }
    return total / n;
  }

  /** Mean squared error over all elements; gradient 2(pred − target)/count into {@code dpred}. */
  public static double meanSquaredError(float[] pred, float[] target, float[] dpred) {
    if (pred.length != target.length || dpred.length != pred.length) {
      throw new IllegalArgumentException("prediction has " + pred.length + " values, target " + target.length);
    }
    return meanSquaredError(pred, target, pred.length, dpred);
  }

  /** As {@link #meanSquaredError(float[], float[], float[])} over the first n values of longer arrays. */
  public static double meanSquaredError(float[] pred, float[] target, int n, float[] dpred) {
    if (n < 1 || pred.length < n || target.length < n || dpred.length < n) {
      throw new IllegalArgumentException("prediction/target/gradient hold " + pred.length + "/" + target.length + "/"
          + dpred.length + " values, expected at least " + n);
    }
    double total = 0;
    for (int i = 0; i < n; i++) {
      double d = (double) pred[i] - target[i];
      total += d * d;
      dpred[i] = (float) (2 * d / n);
    }
    return total / n;
  }
}
