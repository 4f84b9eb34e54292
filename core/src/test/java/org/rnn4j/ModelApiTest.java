package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;

class ModelApiTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");
  private static final ModelSpec LSTM = ModelSpec.of(CellType.LSTM, 4, 6, 2, true);

  @Test
  void workspaceReuseGivesIdenticalResults() {
    try (Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR)) {
      Workspace ws = m.newWorkspace();
      float[] big = RandomModels.gaussian(9 * 5 * 4, 1, 2);
      float[] small = RandomModels.gaussian(3 * 2 * 4, 1, 3);
      ForwardResult first = m.forward(SequenceBatch.seqFirst(small, 3, 2, 4), ws);
      m.forward(SequenceBatch.seqFirst(big, 9, 5, 4).withLengths(new int[] {9, 2, 3, 9, 1}), ws);
      ForwardResult again = m.forward(SequenceBatch.seqFirst(small, 3, 2, 4), ws);
      assertEquals(first, again);
    }
  }

  @Test
  void outputIsZeroPastEachRowsLength() {
    try (Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR)) {
      ForwardResult r = m.forward(SequenceBatch.seqFirst(RandomModels.gaussian(4 * 2 * 4, 1, 2), 4, 2, 4)
          .withLengths(new int[] {4, 2}));
      float[] y = r.output().data();
      int w = 12;
      for (int t = 2; t < 4; t++) {
        for (int j = 0; j < w; j++) {
          assertEquals(0f, y[(t * 2 + 1) * w + j], "y[" + t + ", 1, " + j + "]");
        }
      }
    }
  }

  @Test
  void rowsAreIndependentOfTheirBatchCompanions() {
    try (Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR)) {
      float[] x = RandomModels.gaussian(5 * 3 * 4, 1, 2);
      ForwardResult all = m.forward(SequenceBatch.seqFirst(x, 5, 3, 4).withLengths(new int[] {2, 5, 3}));
      float[] row2 = new float[3 * 4];
      for (int t = 0; t < 3; t++) {
        System.arraycopy(x, (t * 3 + 2) * 4, row2, t * 4, 4);
      }
      ForwardResult alone = m.forward(SequenceBatch.seqFirst(row2, 3, 1, 4));
      for (int slot = 0; slot < 4; slot++) {
        float[] expected = java.util.Arrays.copyOfRange(alone.hN().data(), slot * 6, slot * 6 + 6);
        float[] actual = java.util.Arrays.copyOfRange(all.hN().data(), (slot * 3 + 2) * 6, (slot * 3 + 2) * 6 + 6);
        assertArrayEquals(expected, actual, 1e-6f, "h_n slot " + slot);
      }
    }
  }

  @Test
  void wrongFeatureCountIsRejected() {
    try (Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.forward(SequenceBatch.seqFirst(new float[2 * 3 * 5], 2, 3, 5)));
      assertTrue(e.getMessage().contains("expects 4"), e.getMessage());
    }
  }

  @Test
  void wrongInitialStateShapeNamesTheTensor() {
    try (Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.forward(SequenceBatch.seqFirst(new float[2 * 3 * 4], 2, 3, 4).withH0(new float[7])));
      assertTrue(e.getMessage().startsWith("h0: expected shape [4, 3, 6]"), e.getMessage());
    }
  }

  @Test
  void cellStateForAGruIsRejected() {
    ModelSpec gru = ModelSpec.of(CellType.GRU, 2, 3, 1, false);
    try (Model m = Model.of(ModelWeights.random(gru, 1), SCALAR)) {
      assertThrows(IllegalArgumentException.class,
          () -> m.forward(SequenceBatch.seqFirst(new float[2], 1, 1, 2).withC0(new float[3])));
    }
  }

  @Test
  void lengthOutOfRangeNamesTheRow() {
    SequenceBatch in = SequenceBatch.seqFirst(new float[3 * 2 * 4], 3, 2, 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> in.withLengths(new int[] {3, 0}));
    assertEquals("lengths[1] = 0 is out of range 1..3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> in.withLengths(new int[] {4, 1}));
  }

  @Test
  void inputArrayMustMatchItsDeclaredShape() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SequenceBatch.seqFirst(new float[10], 2, 3, 2));
    assertTrue(e.getMessage().contains("[2, 3, 2]"), e.getMessage());
  }

  @Test
  void closedModelRefusesWork() {
    Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR);
    m.close();
    assertThrows(IllegalStateException.class, () -> m.forward(SequenceBatch.seqFirst(new float[4], 1, 1, 4)));
  }

  @Test
  void workspaceOfAnotherArchitectureIsRejected() {
    try (Model a = Model.of(ModelWeights.random(LSTM, 1), SCALAR);
        Model b = Model.of(ModelWeights.random(ModelSpec.of(CellType.LSTM, 4, 7, 2, true), 2), SCALAR)) {
      assertThrows(IllegalArgumentException.class,
          () -> a.forward(SequenceBatch.seqFirst(new float[4], 1, 1, 4), b.newWorkspace()));
    }
  }

  @Test
  void concurrentCallsOnOneModelAgree() throws Exception {
    try (Model m = Model.of(ModelWeights.random(LSTM, 1), SCALAR)) {
      float[] x = RandomModels.gaussian(6 * 2 * 4, 1, 2);
      ForwardResult expected = m.forward(SequenceBatch.seqFirst(x, 6, 2, 4));
      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
        var futures = new java.util.ArrayList<java.util.concurrent.Future<ForwardResult>>();
        for (int i = 0; i < 16; i++) {
          futures.add(pool.submit(() -> m.forward(SequenceBatch.seqFirst(x, 6, 2, 4))));
        }
        for (var f : futures) {
          assertEquals(expected, f.get());
        }
      }
    }
  }

  @Test
  void specRejectsProjectionOnAGru() {
    assertThrows(IllegalArgumentException.class,
        () -> ModelSpec.builder(CellType.GRU, 2, 4).projSize(2).build());
  }

  @Test
  void weightsRejectAWrongSizedParameter() {
    java.util.Map<String, float[]> p = new java.util.HashMap<>();
    ModelSpec s = ModelSpec.of(CellType.RNN_TANH, 2, 3, 1, false);
    p.put("weight_ih_l0", new float[6]);
    p.put("weight_hh_l0", new float[8]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelWeights.of(s, p));
    assertTrue(e.getMessage().contains("weight_hh_l0 has 8 elements, expected 9"), e.getMessage());
  }
}
