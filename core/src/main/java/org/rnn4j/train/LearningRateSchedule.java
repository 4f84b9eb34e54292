package org.rnn4j.train;

/** The learning rate as a function of the step number (0-based). */
@FunctionalInterface
public interface LearningRateSchedule {
  double at(long step);

  static LearningRateSchedule constant(double lr) {
    positive(lr);
    return step -> lr;
  }

  /** lr·gamma^(step / every), as torch.optim.lr_scheduler.StepLR. */
  static LearningRateSchedule step(double lr, long every, double gamma) {
    positive(lr);
    if (every <= 0) {
      throw new IllegalArgumentException("step size must be positive, got " + every);
    }
    return step -> lr * Math.pow(gamma, (double) (step / every));
  }

  /** Cosine annealing from lr to min over {@code total} steps, then min (CosineAnnealingLR without restarts). */
  static LearningRateSchedule cosine(double lr, double min, long total) {
    positive(lr);
    if (total <= 0) {
      throw new IllegalArgumentException("total steps must be positive, got " + total);
    }
    return step -> step >= total ? min : min + (lr - min) * (1 + Math.cos(Math.PI * step / total)) / 2;
  }

  private static void positive(double lr) {
    if (!(lr > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
    }
  }
}
