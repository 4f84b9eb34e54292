package org.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

class InitializersAndLossesTest {
  @Test
  void orthogonalRecurrentBlocksHaveOrthonormalRows() {
    ModelSpec spec = ModelSpec.of(CellType.GRU, 3, 5, 1, false);
    float[] w = Initializers.xavier(spec, 1, true).get("weight_hh_l0");
    for (int gate = 0; gate < 3; gate++) {
      for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 5; j++) {
          double dot = 0;
          for (int k = 0; k < 5; k++) {
            dot += (double) w[(gate * 5 + i) * 5 + k] * w[(gate * 5 + j) * 5 + k];
          }
          assertEquals(i == j ? 1.0 : 0.0, dot, 1e-5, "gate " + gate + " rows " + i + "," + j);
        }
      }
    }
  }

  @Test
  void xavierStaysWithinItsBoundAndZeroesBiases() {
    ModelSpec spec = ModelSpec.of(CellType.LSTM, 6, 10, 1, false);
    ModelWeights w = Initializers.xavier(spec, 2, false);
    double bound = Math.sqrt(6.0 / (10 + 6));
    for (float v : w.get("weight_ih_l0")) {
      assertTrue(Math.abs(v) <= bound);
    }
    for (float v : w.get("bias_ih_l0")) {
      assertEquals(0f, v);
    }
  }

  @Test
  void forgetBiasSetsOnlyTheForgetBlock() {
    ModelSpec spec = ModelSpec.of(CellType.LSTM, 2, 3, 1, false);
    ModelWeights w = Initializers.forgetBias(Initializers.xavier(spec, 1, false), 1f);
    float[] bih = w.get("bias_ih_l0");
    float[] bhh = w.get("bias_hh_l0");
    for (int j = 0; j < 12; j++) {
      assertEquals(j >= 3 && j < 6 ? 1f : 0f, bih[j] + bhh[j], "unit " + j);
    }
    assertThrows(IllegalArgumentException.class,
        () -> Initializers.forgetBias(ModelWeights.random(ModelSpec.of(CellType.GRU, 2, 3, 1, false), 1), 1f));
  }

  @Test
  void crossEntropyGradientMatchesFiniteDifferences() {
    float[] logits = {0.5f, -1f, 2f, 0.25f, 0.1f, -0.3f};
    int[] targets = {2, 0};
    float[] grad = new float[6];
    double loss = Losses.softmaxCrossEntropy(logits, 3, targets, grad);
    assertTrue(loss > 0);
    for (int i = 0; i < 6; i++) {
      float keep = logits[i];
      logits[i] = keep + 1e-3f;
      double up = Losses.softmaxCrossEntropy(logits, 3, targets, new float[6]);
      logits[i] = keep - 1e-3f;
      double down = Losses.softmaxCrossEntropy(logits, 3, targets, new float[6]);
      logits[i] = keep;
      assertEquals((up - down) / 2e-3, grad[i], 1e-4, "logit " + i);
    }
  }

  @Test
  void crossEntropyRejectsAnOutOfRangeClass() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Losses.softmaxCrossEntropy(new float[4], 2, new int[] {0, 2}, new float[4]));
    assertEquals("target[1] = 2 is not a class in 0..1", e.getMessage());
  }

  @Test
  void meanSquaredErrorAndItsGradient() {
    float[] d = new float[2];
    assertEquals(2.5, Losses.meanSquaredError(new float[] {1, 3}, new float[] {0, 1}, d), 1e-9);
    assertEquals(1f, d[0]);
    assertEquals(2f, d[1]);
  }
}
