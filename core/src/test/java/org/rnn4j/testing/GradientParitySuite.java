package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import org.rnn4j.reference.ReferenceRnn;
import org.rnn4j.spi.Backend;

/**
 * Float32 analytic gradients ({@link Model#vjp}) against central finite differences of the
 * float64 oracle, for every cell and topology. Every backend module runs it by naming its backend.
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
    }
    cases.add(new ModelParitySuite.Case("lstm proj bidirectional lengths", ModelSpec.builder(CellType.LSTM, 3, 5)
        .projSize(2).numLayers(2).bidirectional(true).build(), 4, 2, new int[] {2, 4}, true, false, seed++));
    cases.add(new ModelParitySuite.Case("lstm peepholes input_forget clip", ModelSpec.builder(CellType.LSTM, 2, 4)
        .peepholes(true).inputForget(true).clip(0.9f).bidirectional(true).build(), 5, 2, new int[] {5, 3}, true,
        false, seed++));
    cases.add(new ModelParitySuite.Case("gru custom activations clip", ModelSpec.builder(CellType.GRU_RESET_BEFORE,
        2, 4).clip(1.1f).activations(List.of(List.of(Activation.of(Kind.HARD_SIGMOID),
            Activation.of(Kind.SOFTSIGN)))).build(), 4, 2, null, true, false, seed++));
    cases.add(new ModelParitySuite.Case("jordan O2 H5", ModelSpec.builder(CellType.JORDAN, 2, 5).outputSize(2)
        .numLayers(2).build(), 4, 2, new int[] {4, 2}, true, false, seed++));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesFiniteDifferencesOfTheFloat64Reference(ModelParitySuite.Case c) {
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

    FiniteDifferences fd = new FiniteDifferences(RandomModels.toConfig(spec), RandomModels.toDoubles(w),
        RandomModels.widen(x), steps, batch, c.lengths(), h0 == null ? new double[slots * batch * spec.outputWidth()]
            : RandomModels.widen(h0), spec.hasCellState() ? (c0 == null ? new double[slots * batch
                * spec.hiddenSize()] : RandomModels.widen(c0)) : null, RandomModels.widen(dy), RandomModels.widen(dhN),
        RandomModels.widen(dcN));
    float[] dx = g.dx().data();
    if (c.batchFirst()) {
      dx = RandomModels.toBatchFirst(dx, batch, steps, features);
    }
    GradientTolerance.assertClose("dx", fd.dx(), dx);
    GradientTolerance.assertClose("dh0", fd.dh0(), g.dh0().data());
    if (spec.hasCellState()) {
      GradientTolerance.assertClose("dc0", fd.dc0(), g.dc0().data());
    } else {
      assertNull(g.dc0());
    }
    assertEquals(w.names(), new ArrayList<>(g.parameters().keySet()));
    for (Map.Entry<String, double[]> e : fd.parameters().entrySet()) {
      GradientTolerance.assertClose("grad." + e.getKey(), e.getValue(), g.parameters().get(e.getKey()).data());
    }
  }

  /** |analytic − reference| ≤ 1e-5 + 1e-4·|reference| + 1e-5·max|reference of the tensor|. */
  static final class GradientTolerance {
    static void assertClose(String what, double[] expected, float[] actual) {
      double max = 0;
      for (double v : expected) {
        max = Math.max(max, Math.abs(v));
      }
      Tolerance.assertClose(what, expected, actual, 1e-5 + 1e-5 * max, 1e-4);
    }
  }

  /** Central differences of L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n computed by the float64 oracle. */
  static final class FiniteDifferences {
    private static final double EPS = 1e-6;
    private final ReferenceRnn.Config cfg;
    private final Map<String, double[]> w;
    private final double[] x;
    private final int steps;
    private final int batch;
    private final int[] lengths;
    private final double[] h0;
    private final double[] c0;
    private final double[] dy;
    private final double[] dhN;
    private final double[] dcN;

    FiniteDifferences(ReferenceRnn.Config cfg, Map<String, double[]> w, double[] x, int steps, int batch,
        int[] lengths, double[] h0, double[] c0, double[] dy, double[] dhN, double[] dcN) {
      this.cfg = cfg;
      this.w = w;
      this.x = x;
      this.steps = steps;
      this.batch = batch;
      this.lengths = lengths;
      this.h0 = h0;
      this.c0 = c0;
      this.dy = dy;
      this.dhN = dhN;
      this.dcN = dcN;
    }

    private double loss() {
      ReferenceRnn.Result r = ReferenceRnn.forward(cfg, w, x, steps, batch, lengths, h0, c0);
      double l = dot(r.y(), dy) + dot(r.hN(), dhN);
      if (r.cN() != null) {
        l += dot(r.cN(), dcN);
      }
      return l;
    }

    private static double dot(double[] a, double[] b) {
      double s = 0;
      for (int i = 0; i < a.length; i++) {
        s += a[i] * b[i];
      }
      return s;
    }

    /** The gradient with respect to every element of {@code v}, perturbed in place and restored. */
    private double[] gradient(double[] v) {
      double[] g = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        double keep = v[i];
        v[i] = keep + EPS;
        double up = loss();
        v[i] = keep - EPS;
        double down = loss();
        v[i] = keep;
        g[i] = (up - down) / (2 * EPS);
      }
      return g;
    }

    double[] dx() {
      return gradient(x);
    }

    double[] dh0() {
      return gradient(h0);
    }

    double[] dc0() {
      return gradient(c0);
    }

    Map<String, double[]> parameters() {
      Map<String, double[]> out = new LinkedHashMap<>();
      for (Map.Entry<String, double[]> e : w.entrySet()) {
        out.put(e.getKey(), gradient(e.getValue()));
      }
      return out;
    }
  }
}
