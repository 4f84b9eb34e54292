package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.testing.RandomModels;

/** {@link Model#step(State, int, float[], float[])} and the per-row state accessors a batcher uses. */
class StepRowsTest {
  private static final org.rnn4j.spi.Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  @Test
  void steppingAPrefixEqualsSteppingThoseStreamsAlone() {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 4, 5).numLayers(2).build();
    try (Model m = Model.of(ModelWeights.random(spec, 2), SCALAR)) {
      State big = m.newState(4);
      float[] untouched = RandomModels.gaussian(2 * 5, 1, 7);
      big.setRow(3, untouched, untouched);
      float[] x = RandomModels.gaussian(4 * 4, 1, 3); // room for 4 rows, 2 used
      float[] y = new float[4 * 5];
      m.step(big, 2, x, y);
      for (int r = 0; r < 2; r++) {
        State one = m.newState(1);
        float[] y1 = new float[5];
        m.step(one, Arrays.copyOfRange(x, r * 4, r * 4 + 4), y1);
        assertArrayEquals(y1, Arrays.copyOfRange(y, r * 5, r * 5 + 5));
        float[] h = new float[10];
        float[] c = new float[10];
        big.copyRowTo(r, h, c);
        assertArrayEquals(one.hidden(), h);
        assertArrayEquals(one.cell(), c);
      }
      float[] h = new float[10];
      float[] c = new float[10];
      big.copyRowTo(3, h, c);
      assertArrayEquals(untouched, h);
      assertArrayEquals(untouched, c);
      assertThrows(IllegalArgumentException.class, () -> m.step(big, 5, new float[20], new float[25]));
      assertThrows(IllegalArgumentException.class, () -> m.step(big, 2, new float[7], y));
      assertThrows(IndexOutOfBoundsException.class, () -> big.copyRowTo(4, h, c));
      assertThrows(IllegalArgumentException.class, () -> big.setRow(0, new float[3], null));
    }
  }
}
