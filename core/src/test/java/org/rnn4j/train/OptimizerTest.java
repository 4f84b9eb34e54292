package org.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two steps of each optimizer against PyTorch's update formulas written out in float64. */
class OptimizerTest {
  private static final float[] P0 = {0.5f, -1.25f, 2f};
  private static final float[][] G = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.5f, 0.25f}};

  private static float[] run(Optimizer o, int steps) {
    Map<String, float[]> p = new LinkedHashMap<>();
    p.put("w", P0.clone());
    for (int s = 0; s < steps; s++) {
      o.step(p, Map.of("w", G[s]));
    }
    return p.get("w");
  }

  @Test
  void sgdWithMomentumFollowsTorch() {
    double lr = 0.1;
    double mu = 0.9;
    double wd = 0.01;
    double[] expected = new double[3];
    for (int i = 0; i < 3; i++) {
      double p = P0[i];
      double d1 = G[0][i] + wd * p;
      double buf = d1;
      p -= lr * buf;
      double d2 = G[1][i] + wd * p;
      buf = mu * buf + d2;
      p -= lr * buf;
      expected[i] = p;
    }
    assertClose(expected, run(Optimizer.sgd(LearningRateSchedule.constant(lr), (float) mu, false, (float) wd), 2));
  }

  @Test
  void nesterovAddsTheLookAhead() {
    double lr = 0.1;
    double mu = 0.5;
    double[] expected = new double[3];
    for (int i = 0; i < 3; i++) {
      double p = P0[i];
      double buf = G[0][i];
      p -= lr * (G[0][i] + mu * buf);
      buf = mu * buf + G[1][i];
      p -= lr * (G[1][i] + mu * buf);
      expected[i] = p;
    }
    assertClose(expected, run(Optimizer.sgd(LearningRateSchedule.constant(lr), (float) mu, true, 0f), 2));
  }

  @Test
  void adamFollowsTorch() {
    assertClose(adamReference(false), run(Optimizer.adam(LearningRateSchedule.constant(0.01), 0.9f, 0.999f, 1e-8f,
        0.1f, false), 2));
  }

  @Test
  void adamWDecaysTheWeightsDirectly() {
    assertClose(adamReference(true), run(Optimizer.adam(LearningRateSchedule.constant(0.01), 0.9f, 0.999f, 1e-8f,
        0.1f, true), 2));
  }

  private static double[] adamReference(boolean decoupled) {
    double lr = 0.01;
    double b1 = 0.9;
    double b2 = 0.999;
    double eps = 1e-8;
    double wd = 0.1;
    double[] out = new double[3];
    for (int i = 0; i < 3; i++) {
      double p = P0[i];
      double m = 0;
      double v = 0;
      for (int t = 1; t <= 2; t++) {
        double g = G[t - 1][i];
        if (decoupled) {
          p *= 1 - lr * wd;
        } else {
          g += wd * p;
        }
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        double mhat = m / (1 - Math.pow(b1, t));
        double vhat = v / (1 - Math.pow(b2, t));
        p -= lr * mhat / (Math.sqrt(vhat) + eps);
      }
      out[i] = p;
    }
    return out;
  }

  @Test
  void rmspropFollowsTorch() {
    double lr = 0.01;
    double alpha = 0.99;
    double eps = 1e-8;
    double mu = 0.5;
    double[] expected = new double[3];
    for (int i = 0; i < 3; i++) {
      double p = P0[i];
      double sq = 0;
      double buf = 0;
      for (int t = 0; t < 2; t++) {
        double g = G[t][i];
        sq = alpha * sq + (1 - alpha) * g * g;
        buf = mu * buf + g / (Math.sqrt(sq) + eps);
        p -= lr * buf;
      }
      expected[i] = p;
    }
    assertClose(expected, run(Optimizer.rmsprop(LearningRateSchedule.constant(lr), (float) alpha, (float) eps,
        (float) mu, 0f), 2));
  }

  @Test
  void restoredStateContinuesExactly() {
    Optimizer a = Optimizer.adam(LearningRateSchedule.cosine(0.01, 0.001, 10), 0.9f, 0.999f, 1e-8f, 0f, false);
    float[] straight = run(a, 2);
    Optimizer first = Optimizer.adam(LearningRateSchedule.cosine(0.01, 0.001, 10), 0.9f, 0.999f, 1e-8f, 0f, false);
    Map<String, float[]> p = new LinkedHashMap<>();
    p.put("w", P0.clone());
    first.step(p, Map.of("w", G[0]));
    Optimizer second = Optimizer.adam(LearningRateSchedule.cosine(0.01, 0.001, 10), 0.9f, 0.999f, 1e-8f, 0f, false);
    second.loadState(first.state(), first.steps());
    second.step(p, Map.of("w", G[1]));
    assertArrayEquals(straight, p.get("w"));
    assertEquals(2, second.steps());
  }

  @Test
  void schedulesGiveTorchsValues() {
    LearningRateSchedule step = LearningRateSchedule.step(0.1, 3, 0.5);
    assertEquals(0.1, step.at(2), 1e-12);
    assertEquals(0.05, step.at(3), 1e-12);
    LearningRateSchedule cos = LearningRateSchedule.cosine(1.0, 0.0, 4);
    assertEquals(1.0, cos.at(0), 1e-12);
    assertEquals(0.5, cos.at(2), 1e-12);
    assertEquals(0.0, cos.at(9), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.constant(0));
  }

  @Test
  void globalNormClippingRescalesEverything() {
    Map<String, float[]> g = new LinkedHashMap<>();
    g.put("a", new float[] {3f});
    g.put("b", new float[] {4f});
    assertEquals(5.0, GradientClipping.clipByGlobalNorm(g, 1.0), 1e-9);
    assertEquals(1.0, GradientClipping.globalNorm(g), 1e-5);
    GradientClipping.clipByValue(g, 0.7f);
    assertEquals(0.6f, g.get("a")[0], 1e-6f);
    assertEquals(0.7f, g.get("b")[0]);
  }

  private static void assertClose(double[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6, "element " + i);
    }
  }
}
