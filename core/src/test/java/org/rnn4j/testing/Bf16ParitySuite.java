package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.State;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;

/**
 * bf16 mode of a backend against the scalar bf16 reference (weights rounded to bf16 at load,
 * then float32 arithmetic): every cell, bidirectional, stacked, projections, lengths, at awkward
 * sizes. Both sides multiply by the same bf16 weights, so only float32 summation order may differ
 * and the fp32 parity tolerance applies.
 */
public abstract class Bf16ParitySuite {

  /** The backend under test. */
  protected abstract Backend backend();

  protected Backend reference() {
    return BackendRegistry.getDefault().get("scalar");
  }

  /**
   * {absolute, relative} tolerance against {@link #reference()}: float32 summation order only. A
   * backend that rounds the activations to bf16 as well widens it: there a last-bit difference in
   * a state can move a value across a bf16 rounding boundary, one bf16 step (2^-8 relative) apart.
   */
  protected double[] tolerance() {
    return new double[] {2e-5, 2e-4};
  }

  /** A named model-and-input case. */
  public record Case(String name, ModelSpec spec, int steps, int batch, int[] lengths, long seed) {
    @Override
    public String toString() {
      return name;
    }
  }

  public static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    long seed = 100;
    for (CellType cell : CellType.values()) {
      String c = cell.id();
      cases.add(new Case(c + " I1 H1 T3 B1", ModelSpec.of(cell, 1, 1, 1, false), 3, 1, null, seed++));
      cases.add(new Case(c + " I3 H17 T5 B3", ModelSpec.of(cell, 3, 17, 1, false), 5, 3, null, seed++));
      cases.add(new Case(c + " 2-layer bidirectional lengths I17 H65", ModelSpec.of(cell, 17, 65, 2, true), 6, 4,
          new int[] {6, 1, 4, 6}, seed++));
    }
    cases.add(new Case("lstm I65 H100 T4 B1", ModelSpec.of(CellType.LSTM, 65, 100, 1, false), 4, 1, null, seed++));
    cases.add(new Case("gru I1000 H17 T2 B5", ModelSpec.of(CellType.GRU, 1000, 17, 1, false), 2, 5, null, seed++));
    cases.add(new Case("rnn I17 H1000 T2 B1", ModelSpec.of(CellType.RNN_TANH, 17, 1000, 1, false), 2, 1, null,
        seed++));
    cases.add(new Case("lstm proj 2-layer bidirectional lengths",
        ModelSpec.builder(CellType.LSTM, 6, 17).projSize(5).numLayers(2).bidirectional(true).build(), 6, 3,
        new int[] {3, 6, 1}, seed++));
    cases.add(new Case("gru 3-layer residual I65 H65", ModelSpec.builder(CellType.GRU, 65, 65).numLayers(3)
        .residual(true).build(), 4, 2, null, seed++));
    return cases.stream();
  }

  private static SequenceBatch input(Case c) {
    float[] x = RandomModels.gaussian(c.steps() * c.batch() * c.spec().inputSize(), 1.0, c.seed() * 31);
    return SequenceBatch.seqFirst(x, c.steps(), c.batch(), c.spec().inputSize()).withLengths(c.lengths());
  }

  private ForwardResult run(ModelWeights w, Backend b, Precision p, SequenceBatch in) {
    try (Model m = Model.of(w, b, p)) {
      assertEquals(p, m.precision());
      return m.forward(in);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesTheScalarBf16Reference(Case c) {
    ModelWeights w = ModelWeights.random(c.spec(), c.seed());
    SequenceBatch in = input(c);
    ForwardResult want = run(w, reference(), Precision.BF16, in);
    ForwardResult got = run(w, backend(), Precision.BF16, in);
    double[] tol = tolerance();
    Tolerance.assertClose("y", want.output().data(), got.output().data(), tol[0], tol[1]);
    Tolerance.assertClose("h_n", want.hN().data(), got.hN().data(), tol[0], tol[1]);
    if (c.spec().hasCellState()) {
      Tolerance.assertClose("c_n", want.cN().data(), got.cN().data(), tol[0], tol[1]);
    }
  }

  @Test
  void reallyMultipliesByBf16WeightsNotFp32Ones() {
    Case c = new Case("lstm I65 H65", ModelSpec.of(CellType.LSTM, 65, 65, 1, false), 5, 3, null, 9);
    ModelWeights w = ModelWeights.random(c.spec(), c.seed());
    SequenceBatch in = input(c);
    float[] fp32 = run(w, reference(), Precision.FP32, in).output().data();
    float[] ref = run(w, reference(), Precision.BF16, in).output().data();
    float[] got = run(w, backend(), Precision.BF16, in).output().data();
    double rounding = maxAbsDiff(fp32, ref);
    double kernel = maxAbsDiff(ref, got);
    assertTrue(rounding > 1e-4, "bf16 rounding should move the output visibly, moved it by " + rounding);
    assertTrue(kernel * 20 < rounding, "backend bf16 is " + kernel + " from the bf16 reference but the reference is "
        + rounding + " from fp32");
  }

  @Test
  void streamingStepsMatchTheSequenceCallInBf16() {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 17, 33).numLayers(2).projSize(9).build();
    ModelWeights w = ModelWeights.random(spec, 5);
    int steps = 4;
    int batch = 3;
    float[] x = RandomModels.gaussian(steps * batch * 17, 1.0, 11);
    try (Model m = Model.of(w, backend(), Precision.BF16)) {
      float[] y = m.forward(SequenceBatch.seqFirst(x, steps, batch, 17)).output().data();
      State s = m.newState(batch);
      float[] step = new float[batch * spec.outputWidth()];
      for (int t = 0; t < steps; t++) {
        float[] xt = java.util.Arrays.copyOfRange(x, t * batch * 17, (t + 1) * batch * 17);
        m.step(s, xt, step);
        float[] want = java.util.Arrays.copyOfRange(y, t * batch * spec.outputWidth(),
            (t + 1) * batch * spec.outputWidth());
        Tolerance.assertClose("y step " + t, want, step, 1e-6, 1e-5);
      }
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }
}
