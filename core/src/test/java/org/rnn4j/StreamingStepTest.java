package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.testing.RandomModels;

class StreamingStepTest {
  private static final org.rnn4j.spi.Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  @ParameterizedTest
  @EnumSource(CellType.class)
  void stepsEqualTheSequenceCall(CellType cell) {
    ModelSpec spec = ModelSpec.builder(cell, 7, 17).numLayers(3).residual(true).build();
    int steps = 6;
    int batch = 3;
    float[] x = RandomModels.gaussian(steps * batch * 7, 1, 11);
    float[] h0 = RandomModels.gaussian(3 * batch * spec.outputWidth(), 0.5, 12);
    float[] c0 = spec.hasCellState() ? RandomModels.gaussian(3 * batch * 17, 0.5, 13) : null;
    try (Model m = Model.of(ModelWeights.random(spec, 5), SCALAR)) {
      ForwardResult seq = m.forward(SequenceBatch.seqFirst(x, steps, batch, 7).withH0(h0).withC0(c0));
      State s = m.newState(batch);
      s.setHidden(h0);
      if (c0 != null) {
        s.setCell(c0);
      }
      int w = spec.outputWidth();
      float[] y = new float[batch * w];
      for (int t = 0; t < steps; t++) {
        m.step(s, Arrays.copyOfRange(x, t * batch * 7, (t + 1) * batch * 7), y);
        assertArrayEquals(Arrays.copyOfRange(seq.output().data(), t * batch * w, (t + 1) * batch * w), y,
            "y at step " + t);
      }
      assertArrayEquals(seq.hN().data(), s.hidden());
      if (c0 != null) {
        assertArrayEquals(seq.cN().data(), s.cell());
      }
    }
  }

  @Test
  void projectedLstmStepsEqualTheSequenceCall() {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 4, 9).projSize(3).numLayers(2).build();
    float[] x = RandomModels.gaussian(5 * 2 * 4, 1, 3);
    try (Model m = Model.of(ModelWeights.random(spec, 9), SCALAR)) {
      ForwardResult seq = m.forward(SequenceBatch.seqFirst(x, 5, 2, 4));
      State s = m.newState(2);
      float[] y = new float[2 * 3];
      for (int t = 0; t < 5; t++) {
        m.step(s, Arrays.copyOfRange(x, t * 8, (t + 1) * 8), y);
      }
      assertArrayEquals(Arrays.copyOfRange(seq.output().data(), 4 * 6, 5 * 6), y);
      assertArrayEquals(seq.hN().data(), s.hidden());
    }
  }

  @Test
  void resetStartsOneStreamAfresh() {
    ModelSpec spec = ModelSpec.of(CellType.GRU, 3, 5, 1, false);
    float[] x = RandomModels.gaussian(2 * 3, 1, 4);
    try (Model m = Model.of(ModelWeights.random(spec, 2), SCALAR)) {
      State s = m.newState(2);
      float[] y = new float[2 * 5];
      m.step(s, x, y);
      s.reset(1);
      float[] fresh = m.newState(2).hidden();
      assertArrayEquals(Arrays.copyOfRange(fresh, 5, 10), Arrays.copyOfRange(s.hidden(), 5, 10));
    }
  }

  @Test
  void bidirectionalModelsCannotStream() {
    try (Model m = Model.of(ModelWeights.random(ModelSpec.of(CellType.LSTM, 2, 3, 1, true), 1), SCALAR)) {
      assertThrows(IllegalStateException.class, () -> m.newState(1));
    }
  }

  @Test
  void wrongInputSizeNamesTheExpectedShape() {
    try (Model m = Model.of(ModelWeights.random(ModelSpec.of(CellType.LSTM, 2, 3, 1, false), 1), SCALAR)) {
      State s = m.newState(2);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.step(s, new float[5], new float[6]));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
    }
  }
}
