package org.rnn4j.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.rnn4j.CellType;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.State;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * Invalid shapes, offsets and lengths pushed through the public API with the native backend end
 * in a Java exception, never in C reading or writing outside an array.
 */
class NativeArgumentSafetyTest {
  private static final CellFunctions F = CellFunctions.LSTM_DEFAULT;

  private static Backend backend() {
    return BackendRegistry.getDefault().get("native");
  }

  private static DynamicTest rejects(String name, Executable call) {
    return DynamicTest.dynamicTest(name, () -> assertThrows(IllegalArgumentException.class, call));
  }

  @TestFactory
  List<DynamicTest> kernelsRejectBadArguments() {
    Kernels k = backend().kernels();
    float[] a = new float[12];
    float[] b = new float[12];
    float[] c = new float[12];
    PackedMatrix w = k.pack(new float[12], 0, 3, 4);
    PackedMatrix foreign = new ScalarKernels().pack(new float[12], 0, 3, 4);
    List<DynamicTest> t = new ArrayList<>();
    t.add(rejects("gemm A too short", () -> k.gemm(false, false, 4, 3, 4, 1f, a, 0, 4, b, 0, 3, 0f, c, 0, 3)));
    t.add(rejects("gemm negative offset", () -> k.gemm(false, false, 3, 3, 3, 1f, a, -1, 3, b, 0, 3, 0f, c, 0, 3)));
    t.add(rejects("gemm lda < k", () -> k.gemm(false, false, 3, 3, 3, 1f, a, 0, 2, b, 0, 3, 0f, c, 0, 3)));
    t.add(rejects("gemm transposed B too short", () -> k.gemm(false, true, 3, 4, 3, 1f, a, 0, 3, b, 1, 3, 1f, c, 0,
        4)));
    t.add(rejects("gemm C offset past end", () -> k.gemm(false, false, 2, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 11, 2)));
    t.add(rejects("gemm negative m", () -> k.gemm(false, false, -1, 2, 2, 1f, a, 0, 2, b, 0, 2, 0f, c, 0, 2)));
    t.add(rejects("gemm null C", () -> k.gemm(false, false, 1, 1, 1, 1f, a, 0, 1, b, 0, 1, 0f, null, 0, 1)));
    t.add(rejects("gemv x too short", () -> k.gemv(false, 3, 4, 1f, a, 0, 4, new float[3], 0, 0f, c, 0)));
    t.add(rejects("gemv y offset", () -> k.gemv(true, 3, 4, 1f, a, 0, 4, new float[3], 0, 0f, c, 9)));
    t.add(rejects("pack beyond array", () -> k.pack(a, 1, 3, 4)));
    t.add(rejects("pack zero rows", () -> k.pack(a, 0, 0, 4)));
    t.add(rejects("matmulPacked x too short", () -> k.matmulPacked(4, a, 0, 4, w, 0f, new float[12], 0, 3)));
    t.add(rejects("matmulPacked out ld too small", () -> k.matmulPacked(1, a, 0, 4, w, 0f, c, 0, 2)));
    t.add(rejects("matmulPacked foreign packed matrix", () -> k.matmulPacked(1, a, 0, 4, foreign, 0f, c, 0, 3)));
    t.add(rejects("matmulPacked null packed matrix", () -> k.matmulPacked(1, a, 0, 4, null, 0f, c, 0, 3)));
    t.add(rejects("lstm xg too short", () -> k.lstmCell(1, 4, new float[15], 0, new float[16], 0, new float[16],
        null, F, new float[4], 0, new float[4], 0)));
    t.add(rejects("lstm bias too short", () -> k.lstmCell(1, 4, new float[16], 0, new float[16], 0, new float[15],
        null, F, new float[4], 0, new float[4], 0)));
    t.add(rejects("lstm peep too short", () -> k.lstmCell(1, 4, new float[16], 0, new float[16], 0, new float[16],
        new float[11], F, new float[4], 0, new float[4], 0)));
    t.add(rejects("lstm h offset", () -> k.lstmCell(1, 4, new float[16], 0, new float[16], 0, new float[16], null, F,
        new float[4], 0, new float[4], 1)));
    t.add(rejects("lstm c null", () -> k.lstmCell(1, 4, new float[16], 0, new float[16], 0, new float[16], null, F,
        null, 0, new float[4], 0)));
    t.add(rejects("gru hg offset", () -> k.gruCell(2, 2, true, new float[12], 0, new float[12], 1, new float[8], F,
        new float[4], 0)));
    t.add(rejects("gru bias 3H instead of 4H", () -> k.gruCell(1, 2, false, new float[6], 0, new float[6], 0,
        new float[6], F, new float[2], 0)));
    t.add(rejects("gruResetState rh too short", () -> k.gruResetState(2, 2, new float[12], 0, new float[12], 0,
        new float[8], F, new float[4], 0, new float[3], 0)));
    t.add(rejects("rnn h too short", () -> k.rnnCell(3, 4, a, 0, b, 0, new float[4], F, new float[11], 0)));
    t.add(rejects("rnn hidden 0", () -> k.rnnCell(1, 0, a, 0, b, 0, new float[4], F, c, 0)));
    t.add(rejects("biasActivation x offset", () -> k.biasActivation(3, 4, a, 1, new float[4], F.gate())));
    t.add(rejects("biasActivation null activation", () -> k.biasActivation(3, 4, a, 0, new float[4], null)));
    t.add(rejects("axpy y too short", () -> k.axpy(12, 1f, a, 0, new float[11], 0)));
    t.add(rejects("axpy negative n", () -> k.axpy(-1, 1f, a, 0, b, 0)));
    t.add(rejects("axpy offset overflow", () -> k.axpy(2, 1f, a, Integer.MAX_VALUE, b, 0)));
    return t;
  }

  @Test
  void modelRejectsBadInputs() {
    ModelSpec spec = ModelSpec.of(CellType.LSTM, 3, 5, 1, false);
    try (Model m = Model.of(ModelWeights.random(spec, 7), backend())) {
      assertEquals("native", m.backend().name());
      assertThrows(IllegalArgumentException.class, () -> m.forward(SequenceBatch.seqFirst(new float[8], 2, 2, 2)));
      assertThrows(IllegalArgumentException.class, () -> m.forward(SequenceBatch.seqFirst(new float[11], 2, 2, 3)));
      assertThrows(IllegalArgumentException.class, () -> m.forward(SequenceBatch.seqFirst(new float[12], 2, 2, 3)
          .withLengths(new int[] {2, 3})));
      assertThrows(IllegalArgumentException.class, () -> m.forward(SequenceBatch.seqFirst(new float[12], 2, 2, 3)
          .withH0(new float[9])));
      assertThrows(IllegalArgumentException.class, () -> m.forward(SequenceBatch.seqFirst(new float[12], 2, 2, 3)
          .withC0(new float[11])));
      State s = m.newState(2);
      assertThrows(IllegalArgumentException.class, () -> m.step(s, new float[5], new float[10]));
      assertThrows(IllegalArgumentException.class, () -> m.step(s, new float[6], new float[9]));
      assertThrows(IllegalArgumentException.class, () -> m.vjp(SequenceBatch.seqFirst(new float[12], 2, 2, 3),
          new float[19], null, null));
      m.step(s, new float[6], new float[10]); // and the valid call still works
    }
  }
}
