package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.Activation;
import org.rnn4j.Activation.Kind;
import org.rnn4j.CellType;
import org.rnn4j.Gradients;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.reference.ReferenceBackprop;
import org.rnn4j.TrainableModel;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * Float32 analytic gradients ({@link Model#vjp}) of a backend against the float64 analytic gradient
 * oracle ({@link ReferenceBackprop}, itself checked against central finite differences of the float64
 * forward oracle at 1e-6 relative in {@code ReferenceBackpropTest}), for every cell and topology at the
 * awkward sizes 1, 3, 17 and 65: every element within 1e-5 + 1e-4·|reference| — the {@code rnn4j grad}
 * contract. Padded steps get exactly zero input gradient. Every backend module runs it by naming its
 * backend.
 */
public abstract class GradientParitySuite {

  protected abstract Backend backend();

  public static Stream<ModelParitySuite.Case> cases() {
    List<ModelParitySuite.Case> cases = new ArrayList<>();
    long seed = 100;
    for (CellType cell : CellType.values()) {
      String c = cell.id();
      cases.add(new ModelParitySuite.Case(c + " I3 H17", ModelSpec.of(cell, 3, 17, 1, false), 4, 3, null, true, false,
          seed++));
      cases.add(new ModelParitySuite.Case(c + " 1x1", ModelSpec.of(cell, 1, 1, 1, false), 3, 1, null, false, false,
          seed++));
      cases.add(new ModelParitySuite.Case(c + " 2-layer bidirectional residual lengths batch-first",
          ModelSpec.builder(cell, 3, 4).numLayers(2).bidirectional(true).residual(true).build(), 5, 3,
          new int[] {5, 1, 3}, true, true, seed++));
      cases.add(new ModelParitySuite.Case(c + " I17 H65 2-layer bidirectional lengths h0",
          ModelSpec.of(cell, 17, 65, 2, true), 6, 3, new int[] {6, 1, 4}, true, false, seed++));
      cases.add(new ModelParitySuite.Case(c + " I65 H3 batch-first lengths", ModelSpec.of(cell, 65, 3, 1, false), 5, 17,
          lengths17(5), false, true, seed++));
    }
    cases.add(new ModelParitySuite.Case("lstm proj bidirectional lengths", ModelSpec.builder(CellType.LSTM, 3, 5)
        .projSize(2).numLayers(2).bidirectional(true).build(), 4, 2, new int[] {2, 4}, true, false, seed++));
    cases.add(new ModelParitySuite.Case("lstm proj I17 H65 P17 batch-first", ModelSpec.builder(CellType.LSTM, 17, 65)
        .projSize(17).build(), 5, 3, new int[] {3, 5, 1}, true, true, seed++));
    cases.add(new ModelParitySuite.Case("lstm peepholes input_forget clip", ModelSpec.builder(CellType.LSTM, 2, 4)
        .peepholes(true).inputForget(true).clip(0.9f).bidirectional(true).build(), 5, 2, new int[] {5, 3}, true,
        false, seed++));
    cases.add(new ModelParitySuite.Case("lstm peepholes H65 residual", ModelSpec.builder(CellType.LSTM, 17, 65)
        .peepholes(true).numLayers(2).residual(true).build(), 4, 3, null, true, false, seed++));
    cases.add(new ModelParitySuite.Case("gru custom activations clip", ModelSpec.builder(CellType.GRU_RESET_BEFORE,
        2, 4).clip(1.1f).activations(List.of(List.of(Activation.of(Kind.HARD_SIGMOID),
            Activation.of(Kind.SOFTSIGN)))).build(), 4, 2, null, true, false, seed++));
    cases.add(new ModelParitySuite.Case("jordan O2 H5", ModelSpec.builder(CellType.JORDAN, 2, 5).outputSize(2)
        .numLayers(2).build(), 4, 2, new int[] {4, 2}, true, false, seed++));
    cases.add(new ModelParitySuite.Case("jordan O17 H65 bidirectional clip", ModelSpec.builder(CellType.JORDAN, 3, 65)
        .outputSize(17).bidirectional(true).clip(0.8f).build(), 4, 3, new int[] {4, 2, 3}, true, false, seed++));
    return cases.stream();
  }

  /** 17 row lengths cycling through 1..steps. */
  private static int[] lengths17(int steps) {
    int[] l = new int[17];
    for (int b = 0; b < l.length; b++) {
      l[b] = 1 + (b * 7) % steps;
    }
    return l;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTheFloat64GradientOracle(ModelParitySuite.Case c) {
    ModelSpec spec = c.spec();
    ModelWeights w = ModelWeights.random(spec, c.seed());
    int steps = c.steps();
    int batch = c.batch();
    int features = spec.inputSize();
    int slots = spec.directionCount();
    int width = spec.directions() * spec.outputWidth();
    float[] x = RandomModels.gaussian(steps * batch * features, 1.0, c.seed() * 31);
    float[] h0 = c.initialState() ? RandomModels.gaussian(slots * batch * spec.outputWidth(), 0.5, c.seed() * 37)
        : null;
    float[] c0 = c.initialState() && spec.hasCellState()
        ? RandomModels.gaussian(slots * batch * spec.hiddenSize(), 0.5, c.seed() * 41) : null;
    float[] dy = RandomModels.gaussian(steps * batch * width, 1.0, c.seed() * 43);
    float[] dhN = RandomModels.gaussian(slots * batch * spec.outputWidth(), 1.0, c.seed() * 47);
    float[] dcN = spec.hasCellState() ? RandomModels.gaussian(slots * batch * spec.hiddenSize(), 1.0, c.seed() * 53)
        : null;

    Gradients g;
    try (Model m = Model.of(w, backend())) {
      SequenceBatch in = c.batchFirst()
          ? SequenceBatch.batchFirst(RandomModels.toBatchFirst(x, steps, batch, features), batch, steps, features)
          : SequenceBatch.seqFirst(x, steps, batch, features);
      in = in.withLengths(c.lengths()).withH0(h0).withC0(c0);
      float[] dyIn = c.batchFirst() ? RandomModels.toBatchFirst(dy, steps, batch, width) : dy;
      g = m.vjp(in, dyIn, dhN, dcN);
    }

    ReferenceBackprop.Grads ref = ReferenceBackprop.backward(RandomModels.toConfig(spec), RandomModels.toDoubles(w),
        RandomModels.widen(x), steps, batch, c.lengths(), RandomModels.widen(h0), RandomModels.widen(c0),
        RandomModels.widen(dy), RandomModels.widen(dhN), RandomModels.widen(dcN));
    float[] dx = g.dx().data();
    if (c.batchFirst()) {
      dx = RandomModels.toBatchFirst(dx, batch, steps, features);
    }
    GradientTolerance.assertClose("dx", ref.dx(), dx);
    GradientTolerance.assertClose("dh0", ref.dh0(), g.dh0().data());
    if (spec.hasCellState()) {
      GradientTolerance.assertClose("dc0", ref.dc0(), g.dc0().data());
    } else {
      assertNull(g.dc0());
    }
    assertEquals(w.names(), new ArrayList<>(g.parameters().keySet()));
    for (Map.Entry<String, double[]> e : ref.parameters().entrySet()) {
      GradientTolerance.assertClose("grad." + e.getKey(), e.getValue(), g.parameters().get(e.getKey()).data());
    }
    for (int b = 0; b < batch; b++) {
      int len = c.lengths() == null ? steps : c.lengths()[b];
      for (int t = len; t < steps; t++) {
        for (int i = 0; i < features; i++) {
          assertEquals(0.0f, dx[(t * batch + b) * features + i], "dx at padded step t=" + t + " of row " + b);
        }
      }
    }
  }

  @org.junit.jupiter.api.Test
  void repackedMatricesMultiplyLikeFreshlyPackedOnes() {
    Kernels k = backend().kernels();
    int[] sizes = {1, 3, 17, 65};
    for (int rows : sizes) {
      for (int cols : sizes) {
        float[] w1 = RandomModels.gaussian(rows * cols, 1.0, rows * 100 + cols);
        float[] w2 = RandomModels.gaussian(rows * cols + 5, 1.0, rows * 100 + cols + 7);
        int m = 9;
        float[] x = RandomModels.gaussian(m * cols, 1.0, 5);
        float[] fresh = new float[m * rows];
        float[] repacked = new float[m * rows];
        try (PackedMatrix a = k.pack(w2, 5, rows, cols); PackedMatrix b = k.pack(w1, 0, rows, cols)) {
          k.repack(b, w2, 5);
          k.matmulPacked(m, x, 0, cols, a, 0f, fresh, 0, rows);
          k.matmulPacked(m, x, 0, cols, b, 0f, repacked, 0, rows);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(fresh, repacked, rows + "x" + cols);
      }
    }
  }

  @org.junit.jupiter.api.Test
  void repackRejectsAnotherBackendsMatrixAndShortArrays() {
    Kernels k = backend().kernels();
    try (PackedMatrix m = k.pack(new float[12], 0, 3, 4)) {
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> k.repack(m, new float[12], 1));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("W"), e.getMessage());
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.repack(null,
          new float[12], 0));
    }
    Kernels other = new Kernels() {
      @Override
      public String name() {
        return "other";
      }
    };
    try (PackedMatrix foreign = other.pack(new float[12], 0, 3, 4)) {
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.repack(foreign,
          new float[12], 0));
    }
  }

  /** After in-place updates and a refresh, a trainable model computes exactly what a fresh model of its weights does. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("refreshCases")
  void refreshedTrainableModelMatchesAFreshModelOfItsWeights(ModelParitySuite.Case c) {
    ModelSpec spec = c.spec();
    int steps = c.steps();
    int batch = c.batch();
    int width = spec.directions() * spec.outputWidth();
    float[] x = RandomModels.gaussian(steps * batch * spec.inputSize(), 1.0, 3);
    SequenceBatch in = SequenceBatch.seqFirst(x, steps, batch, spec.inputSize()).withLengths(c.lengths());
    float[] dy = RandomModels.gaussian(steps * batch * width, 1.0, 4);
    try (TrainableModel tm = TrainableModel.of(ModelWeights.random(spec, c.seed()), backend())) {
      tm.record(in, null);
      tm.backward(dy, null, null); // the transposed weights exist from here on, and must be refreshed too
      for (int i = 0; i < tm.parameterNames().size(); i++) {
        float[] p = tm.parameter(i);
        float[] delta = RandomModels.gaussian(p.length, 0.1, 100 + i);
        for (int j = 0; j < p.length; j++) {
          p[j] += delta[j];
        }
      }
      tm.refresh();
      tm.record(in, null);
      tm.backward(dy, null, null);
      try (Model fresh = Model.of(tm.snapshot(), backend())) {
        Gradients g = fresh.vjp(in, dy, null, null);
        org.junit.jupiter.api.Assertions.assertArrayEquals(fresh.forward(in).output().data(),
            java.util.Arrays.copyOf(tm.output(), steps * batch * width), "y");
        for (int i = 0; i < tm.parameterNames().size(); i++) {
          String name = tm.parameterNames().get(i);
          org.junit.jupiter.api.Assertions.assertArrayEquals(g.parameters().get(name).data(), tm.gradient(i),
              "grad." + name);
        }
      }
    }
  }

  public static Stream<ModelParitySuite.Case> refreshCases() {
    return Stream.of(
        new ModelParitySuite.Case("lstm proj peepholes bidirectional", ModelSpec.builder(CellType.LSTM, 17, 65)
            .projSize(17).peepholes(true).bidirectional(true).numLayers(2).build(), 5, 3, new int[] {5, 2, 4}, false,
            false, 1),
        new ModelParitySuite.Case("gru reset-before I65 H17", ModelSpec.of(CellType.GRU_RESET_BEFORE, 65, 17, 1,
            false), 4, 3, null, false, false, 2),
        new ModelParitySuite.Case("jordan O3 residual", ModelSpec.builder(CellType.JORDAN, 6, 17).outputSize(6)
            .numLayers(2).residual(true).build(), 4, 2, null, false, false, 3));
  }

  /** |analytic − reference| ≤ 1e-5 + 1e-4·|reference|, every element. */
  static final class GradientTolerance {
    static void assertClose(String what, double[] expected, float[] actual) {
      Tolerance.assertClose(what, expected, actual, 1e-5, 1e-4);
    }
  }
}
