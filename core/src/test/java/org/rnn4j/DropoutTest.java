package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;

class DropoutTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");
  private static final ModelSpec SPEC = ModelSpec.builder(CellType.LSTM, 3, 6).numLayers(3).bidirectional(true)
      .build();

  @Test
  void zeroProbabilityChangesNothing() {
    try (Model m = Model.of(ModelWeights.random(SPEC, 1), SCALAR)) {
      SequenceBatch in = SequenceBatch.seqFirst(RandomModels.gaussian(4 * 2 * 3, 1, 2), 4, 2, 3);
      assertEquals(m.forward(in), m.record(in, new Dropout(0f, false, 1)).result());
    }
  }

  @Test
  void dropoutChangesTheOutputAndIsReproducibleFromItsSeed() {
    try (Model m = Model.of(ModelWeights.random(SPEC, 1), SCALAR)) {
      SequenceBatch in = SequenceBatch.seqFirst(RandomModels.gaussian(4 * 2 * 3, 1, 2), 4, 2, 3);
      ForwardResult a = m.record(in, new Dropout(0.5f, false, 7)).result();
      assertEquals(a, m.record(in, new Dropout(0.5f, false, 7)).result());
      assertNotEquals(m.forward(in), a);
    }
  }

  @Test
  void variationalMaskIsTheSameAtEveryStep() {
    int[] order = {1, 0};
    int[] sizes = {2, 2, 1};
    int[] offsets = {0, 2, 4, 5};
    float[] m = new Dropout(0.5f, true, 3).mask(0, 4, 3, 2, order, sizes, offsets, 5);
    // packed row 0 of step 1 is batch row order[0] again, as is row 0 of steps 0 and 2.
    float[] step0 = java.util.Arrays.copyOfRange(m, 0, 4);
    assertArrayEquals(step0, java.util.Arrays.copyOfRange(m, 2 * 4, 3 * 4));
    assertArrayEquals(step0, java.util.Arrays.copyOfRange(m, 4 * 4, 5 * 4));
    for (float v : m) {
      org.junit.jupiter.api.Assertions.assertTrue(v == 0f || v == 2f, "mask value " + v);
    }
  }

  @Test
  void gradientsThroughDropoutMatchFiniteDifferences() {
    ModelWeights w = ModelWeights.random(SPEC, 4);
    float[] x = RandomModels.gaussian(4 * 2 * 3, 1, 5);
    SequenceBatch in = SequenceBatch.seqFirst(x, 4, 2, 3).withLengths(new int[] {4, 2});
    Dropout d = new Dropout(0.3f, true, 11);
    float[] dy = RandomModels.gaussian(4 * 2 * 12, 1, 6);
    Gradients g;
    try (Model m = Model.of(w, SCALAR)) {
      g = m.record(in, d).backward(dy, null, null);
    }
    // Central differences in float32 with a large step: loose, but a missing mask is far off.
    String name = "weight_hh_l0_reverse"; // below two masked layer borders
    float[] analytic = g.parameters().get(name).data();
    for (int i = 0; i < analytic.length; i += 7) {
      double up = loss(w, name, i, 1e-2f, in, d, dy);
      double down = loss(w, name, i, -1e-2f, in, d, dy);
      assertEquals((up - down) / 2e-2, analytic[i], 2e-3 + 2e-2 * Math.abs(analytic[i]), name + "[" + i + "]");
    }
  }

  private static double loss(ModelWeights w, String name, int i, float delta, SequenceBatch in, Dropout d,
      float[] dy) {
    java.util.Map<String, float[]> p = new java.util.LinkedHashMap<>();
    for (String n : w.names()) {
      p.put(n, w.get(n));
    }
    p.get(name)[i] += delta;
    try (Model m = Model.of(ModelWeights.of(w.spec(), p), SCALAR)) {
      float[] y = m.record(in, d).result().output().data();
      double s = 0;
      for (int k = 0; k < y.length; k++) {
        s += (double) y[k] * dy[k];
      }
      return s;
    }
  }

  @Test
  void probabilityOneIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> new Dropout(1f, false, 0));
  }
}
