package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;

/**
 * A long forward pass projects the input a chunk of steps at a time ({@link
 * Workspace#PROJECTION_BYTES}); the chunking must not show in any output or gradient: one step per
 * chunk, a few, and all steps in one chunk give the same bits, in both directions, with ragged
 * lengths and stacked layers.
 */
class ProjectionChunkTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");
  /** Caps on the projection's bytes: one step per chunk (any cap below a step's rows), 1 KiB, 8 KiB, none. */
  private static final long[] CAPS = {1, 1 << 10, 8 << 10, Long.MAX_VALUE};

  private static final ModelSpec[] SPECS = {
      ModelSpec.builder(CellType.LSTM, 5, 6).numLayers(2).bidirectional(true).projSize(4).build(),
      ModelSpec.of(CellType.GRU_RESET_BEFORE, 3, 7, 1, true), ModelSpec.of(CellType.RNN_TANH, 4, 5, 2, false)};

  /** Ragged lengths of 4 sequences over 80 steps: 225 packed rows. */
  private static final int[] LENGTHS = {80, 1, 79, 65};

  private static SequenceBatch input(ModelSpec spec) {
    int steps = 80;
    int batch = LENGTHS.length;
    return SequenceBatch.batchFirst(RandomModels.gaussian(batch * steps * spec.inputSize(), 1, 5), batch, steps,
        spec.inputSize()).withLengths(LENGTHS);
  }

  private static Workspace workspace(Model m, long cap) {
    Workspace ws = m.newWorkspace();
    ws.projectionBytes = cap;
    return ws;
  }

  @Test
  void outputsDoNotDependOnTheProjectionChunk() {
    for (ModelSpec spec : SPECS) {
      SequenceBatch in = input(spec);
      try (Model m = Model.of(ModelWeights.random(spec, 3), SCALAR)) {
        ForwardResult want = m.forward(in, workspace(m, Long.MAX_VALUE));
        for (long cap : CAPS) {
          ForwardResult got = m.forward(in, workspace(m, cap));
          assertArrayEquals(want.output().data(), got.output().data(), spec + " y, projection cap " + cap + " B");
          assertArrayEquals(want.hN().data(), got.hN().data(), spec + " h_n, projection cap " + cap + " B");
          if (want.cN() != null) {
            assertArrayEquals(want.cN().data(), got.cN().data(), spec + " c_n, projection cap " + cap + " B");
          }
        }
      }
    }
  }

  @Test
  void gradientsDoNotDependOnTheProjectionChunk() {
    for (ModelSpec spec : SPECS) {
      SequenceBatch in = input(spec);
      try (Model m = Model.of(ModelWeights.random(spec, 4), SCALAR)) {
        float[] dy = RandomModels.gaussian(m.forward(in).output().data().length, 1, 6);
        Gradients want = m.record(in, null, workspace(m, Long.MAX_VALUE)).backward(dy, null, null);
        for (long cap : CAPS) {
          Gradients got = m.record(in, null, workspace(m, cap)).backward(dy, null, null);
          assertArrayEquals(want.dx().data(), got.dx().data(), spec + " dx, projection cap " + cap + " B");
          for (Map.Entry<String, FloatTensor> e : want.parameters().entrySet()) {
            assertArrayEquals(e.getValue().data(), got.parameters().get(e.getKey()).data(),
                spec + " d" + e.getKey() + ", projection cap " + cap + " B");
          }
        }
      }
    }
  }
}
