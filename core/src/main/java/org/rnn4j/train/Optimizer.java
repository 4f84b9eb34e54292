package org.rnn4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Updates parameters from their gradients, with PyTorch's formulas ({@code torch.optim}), so a run
 * can be compared with one there. Keeps per-parameter state (momentum, moments) that a checkpoint
 * saves with {@link #state()} and restores with {@link #loadState}, so resuming continues exactly.
 * Not thread-safe: one optimizer per training run.
 */
public abstract class Optimizer {
  private final LearningRateSchedule schedule;
  private final float weightDecay;
  private long step;
  /** Per parameter name, named state buffers ("momentum", "exp_avg", …). */
  protected final Map<String, Map<String, float[]>> buffers = new LinkedHashMap<>();

  protected Optimizer(LearningRateSchedule schedule, float weightDecay) {
    this.schedule = Objects.requireNonNull(schedule, "schedule");
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
    this.weightDecay = weightDecay;
  }

  /** Steps taken so far. */
  public long steps() {
    return step;
  }

  /** The learning rate the next step will use. */
  public double learningRate() {
    return schedule.at(step);
  }

  protected float weightDecay() {
    return weightDecay;
  }

  /** Applies one update to every parameter that has a gradient. */
  public final void step(Map<String, float[]> params, Map<String, float[]> grads) {
    double lr = schedule.at(step);
    step++;
    for (Map.Entry<String, float[]> e : params.entrySet()) {
      float[] g = grads.get(e.getKey());
      if (g == null) {
        continue;
      }
      float[] p = e.getValue();
      if (g.length != p.length) {
        throw new IllegalArgumentException("gradient of " + e.getKey() + " has " + g.length + " elements, parameter "
            + p.length);
      }
      update(e.getKey(), p, g, (float) lr, step);
    }
  }

  /**
   * As {@link #step(Map, Map)} over parallel arrays (names[i], params[i], grads[i]; a null
   * gradient skips the parameter): allocates nothing once every state buffer exists.
   */
  public final void step(String[] names, float[][] params, float[][] grads) {
    if (names.length != params.length || grads.length != params.length) {
      throw new IllegalArgumentException(names.length + " names, " + params.length + " parameters, " + grads.length
          + " gradients");
    }
    double lr = schedule.at(step);
    step++;
    for (int i = 0; i < params.length; i++) {
      float[] g = grads[i];
      if (g == null) {
        continue;
      }
      float[] p = params[i];
      if (g.length != p.length) {
        throw new IllegalArgumentException("gradient of " + names[i] + " has " + g.length + " elements, parameter "
            + p.length);
      }
      update(names[i], p, g, (float) lr, step);
    }
  }

  /** One parameter's update; {@code t} counts from 1. Must not modify {@code g}. */
  protected abstract void update(String name, float[] p, float[] g, float lr, long t);

  protected float[] buffer(String param, String name, int size) {
    // Plain lookups first: a capturing lambda would allocate on every call of the training loop.
    Map<String, float[]> m = buffers.get(param);
    if (m == null) {
      m = new LinkedHashMap<>();
      buffers.put(param, m);
    }
    float[] b = m.get(name);
    if (b == null) {
      b = new float[size];
      m.put(name, b);
    }
    return b;
  }

  protected boolean hasBuffer(String param, String name) {
    Map<String, float[]> m = buffers.get(param);
    return m != null && m.containsKey(name);
  }

  /** The state to checkpoint: tensors named {@code <param>.<buffer>}; the step count is {@link #steps()}. */
  public Map<String, float[]> state() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, float[]>> p : buffers.entrySet()) {
      for (Map.Entry<String, float[]> b : p.getValue().entrySet()) {
        out.put(p.getKey() + "#" + b.getKey(), b.getValue().clone());
      }
    }
    return out;
  }

  /** Restores what {@link #state()} returned, and the step count. */
  public void loadState(Map<String, float[]> state, long steps) {
    buffers.clear();
    for (Map.Entry<String, float[]> e : state.entrySet()) {
      int sep = e.getKey().lastIndexOf('#');
      if (sep < 0) {
        throw new IllegalArgumentException("optimizer state tensor '" + e.getKey() + "' is not named param#buffer");
      }
      buffers.computeIfAbsent(e.getKey().substring(0, sep), k -> new LinkedHashMap<>())
          .put(e.getKey().substring(sep + 1), e.getValue().clone());
    }
    this.step = steps;
  }

  /** SGD with optional momentum and Nesterov momentum (torch.optim.SGD, dampening 0). */
  public static Optimizer sgd(LearningRateSchedule lr, float momentum, boolean nesterov, float weightDecay) {
    if (nesterov && momentum <= 0) {
      throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
    }
    return new Optimizer(lr, weightDecay) {
      @Override
      protected void update(String name, float[] p, float[] g, float rate, long t) {
        float[] buf = momentum > 0 ? buffer(name, "momentum", p.length) : null;
        boolean first = t == 1;
        for (int i = 0; i < p.length; i++) {
          float d = g[i] + weightDecay() * p[i];
          if (buf != null) {
            buf[i] = first ? d : momentum * buf[i] + d;
            d = nesterov ? d + momentum * buf[i] : buf[i];
          }
          p[i] -= rate * d;
        }
      }
    };
  }

  /**
   * Adam (torch.optim.Adam), or AdamW when {@code decoupled}: weight decay then shrinks the
   * parameters directly instead of being added to the gradient.
   */
  public static Optimizer adam(LearningRateSchedule lr, float beta1, float beta2, float eps, float weightDecay,
      boolean decoupled) {
    return new Optimizer(lr, weightDecay) {
      @Override
      protected void update(String name, float[] p, float[] g, float rate, long t) {
        float[] m = buffer(name, "exp_avg", p.length);
        float[] v = buffer(name, "exp_avg_sq", p.length);
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        float stepSize = (float) (rate / c1);
        float sqrtC2 = (float) Math.sqrt(c2);
        for (int i = 0; i < p.length; i++) {
          float d = g[i];
          if (decoupled) {
            p[i] *= 1 - rate * weightDecay();
          } else {
            d += weightDecay() * p[i];
          }
          m[i] = beta1 * m[i] + (1 - beta1) * d;
          v[i] = beta2 * v[i] + (1 - beta2) * d * d;
          p[i] -= stepSize * m[i] / ((float) Math.sqrt(v[i]) / sqrtC2 + eps);
        }
      }
    };
  }

  /** RMSprop (torch.optim.RMSprop, not centered). */
  public static Optimizer rmsprop(LearningRateSchedule lr, float alpha, float eps, float momentum, float weightDecay) {
    return new Optimizer(lr, weightDecay) {
      @Override
      protected void update(String name, float[] p, float[] g, float rate, long t) {
        float[] sq = buffer(name, "square_avg", p.length);
        float[] buf = momentum > 0 ? buffer(name, "momentum", p.length) : null;
        for (int i = 0; i < p.length; i++) {
          float d = g[i] + weightDecay() * p[i];
          sq[i] = alpha * sq[i] + (1 - alpha) * d * d;
          float scaled = d / ((float) Math.sqrt(sq[i]) + eps);
          if (buf != null) {
            buf[i] = momentum * buf[i] + scaled;
            scaled = buf[i];
          }
          p[i] -= rate * scaled;
        }
      }
    };
  }
}
