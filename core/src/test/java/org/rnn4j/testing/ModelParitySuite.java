package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.Activation;
import org.rnn4j.Activation.Kind;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.reference.ReferenceRnn;
import org.rnn4j.spi.Backend;

/**
 * Whole-model parity with the float64 oracle, for every cell and topology, at awkward sizes.
 * Every backend module runs it by extending this class and naming its backend.
 */
public abstract class ModelParitySuite {

  /** The backend under test. */
  protected abstract Backend backend();

  /** A named model-and-input case. */
  public record Case(String name, ModelSpec spec, int steps, int batch, int[] lengths, boolean initialState,
      boolean batchFirst, long seed) {
    @Override
    public String toString() {
      return name;
    }
  }

  public static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    long seed = 1;
    for (CellType cell : CellType.values()) {
      String c = cell.id();
      cases.add(new Case(c + " I3 H17 T5 B3", ModelSpec.of(cell, 3, 17, 1, false), 5, 3, null, false, false, seed++));
      cases.add(new Case(c + " 1x1 bidirectional T1 B1", ModelSpec.of(cell, 1, 1, 1, true), 1, 1, null, false, false,
          seed++));
      cases.add(new Case(c + " 2-layer bidirectional lengths h0 I17 H65", ModelSpec.of(cell, 17, 65, 2, true), 7, 4,
          new int[] {7, 1, 4, 7}, true, false, seed++));
      cases.add(new Case(c + " 3-layer residual batch-first lengths I65 H3",
          ModelSpec.builder(cell, 65, 3).numLayers(3).residual(true).build(), 6, 2, new int[] {2, 6}, true, true,
          seed++));
      cases.add(new Case(c + " all-equal lengths bidirectional", ModelSpec.of(cell, 5, 9, 1, true), 4, 3,
          new int[] {4, 4, 4}, false, false, seed++));
    }
    cases.add(new Case("lstm I100 H257 bidirectional", ModelSpec.of(CellType.LSTM, 100, 257, 1, true), 3, 2, null,
        true, false, seed++));
    cases.add(new Case("gru I300 H129", ModelSpec.of(CellType.GRU, 300, 129, 1, false), 4, 3, new int[] {4, 1, 3},
        false, false, seed++));
    cases.add(new Case("lstm proj 2-layer bidirectional lengths h0 c0",
        ModelSpec.builder(CellType.LSTM, 6, 17).projSize(5).numLayers(2).bidirectional(true).build(), 6, 3,
        new int[] {3, 6, 1}, true, false, seed++));
    cases.add(new Case("lstm proj batch-first", ModelSpec.builder(CellType.LSTM, 4, 10).projSize(3).build(), 5, 2,
        null, true, true, seed++));
    cases.add(new Case("jordan O5 H17 bidirectional", ModelSpec.builder(CellType.JORDAN, 4, 17).outputSize(5)
        .bidirectional(true).numLayers(2).build(), 6, 3, new int[] {6, 2, 5}, true, false, seed++));
    cases.add(new Case("jordan clip leaky output", ModelSpec.builder(CellType.JORDAN, 3, 6).outputSize(4).clip(0.5f)
        .activations(List.of(List.of(Activation.TANH, Activation.of(Kind.LEAKY_RELU, 0.25f, Float.NaN)))).build(), 5,
        2, null, true, false, seed++));
    cases.add(new Case("lstm peepholes input_forget clip reverse", ModelSpec.builder(CellType.LSTM, 5, 17)
        .peepholes(true).inputForget(true).clip(0.75f).bidirectional(true).build(), 6, 3, new int[] {6, 3, 1}, true,
        false, seed++));
    List<Activation> lstmActs = List.of(Activation.of(Kind.HARD_SIGMOID), Activation.of(Kind.SOFTSIGN),
        Activation.of(Kind.SCALED_TANH, 1.25f, 0.75f));
    List<Activation> lstmActsRev = List.of(Activation.of(Kind.SIGMOID), Activation.of(Kind.LEAKY_RELU, 0.125f,
        Float.NaN), Activation.of(Kind.SOFTPLUS));
    cases.add(new Case("lstm custom activations clip", ModelSpec.builder(CellType.LSTM, 6, 5).clip(1.5f)
        .bidirectional(true).activations(List.of(lstmActs, lstmActsRev)).build(), 9, 2, null, true, false, seed++));
    cases.add(new Case("gru reset-before affine elu", ModelSpec.builder(CellType.GRU_RESET_BEFORE, 3, 8)
        .activations(List.of(List.of(Activation.of(Kind.HARD_SIGMOID), Activation.of(Kind.AFFINE, 0.75f, 0.125f))))
        .build(), 5, 2, null, false, false, seed++));
    cases.add(new Case("rnn thresholded relu, elu reverse, clip", ModelSpec.builder(CellType.RNN_TANH, 4, 6)
        .bidirectional(true).clip(2.5f).activations(List.of(List.of(Activation.of(Kind.THRESHOLDED_RELU, 0.25f,
            Float.NaN)), List.of(Activation.of(Kind.ELU, 0.5f, Float.NaN)))).build(), 8, 3, new int[] {8, 5, 2}, true,
        false, seed++));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesFloat64Reference(Case c) {
    ModelSpec spec = c.spec();
    ModelWeights w = ModelWeights.random(spec, c.seed());
    int features = spec.inputSize();
    float[] x = RandomModels.gaussian(c.steps() * c.batch() * features, 1.0, c.seed() * 31);
    int slots = spec.directionCount();
    float[] h0 = c.initialState() ? RandomModels.gaussian(slots * c.batch() * spec.outputWidth(), 0.5, c.seed() * 37)
        : null;
    float[] c0 = c.initialState() && spec.hasCellState()
        ? RandomModels.gaussian(slots * c.batch() * spec.hiddenSize(), 0.5, c.seed() * 41) : null;

    ReferenceRnn.Result ref = ReferenceRnn.forward(RandomModels.toConfig(spec), RandomModels.toDoubles(w),
        RandomModels.widen(x), c.steps(), c.batch(), c.lengths(), RandomModels.widen(h0), RandomModels.widen(c0));

    SequenceBatch in = c.batchFirst()
        ? SequenceBatch.batchFirst(RandomModels.toBatchFirst(x, c.steps(), c.batch(), features), c.batch(), c.steps(),
            features)
        : SequenceBatch.seqFirst(x, c.steps(), c.batch(), features);
    in = in.withLengths(c.lengths()).withH0(h0).withC0(c0);
    try (Model m = Model.of(w, backend())) {
      ForwardResult r = m.forward(in);
      int width = spec.directions() * spec.outputWidth();
      float[] y = r.output().data();
      if (c.batchFirst()) {
        assertArrayEquals(new int[] {c.batch(), c.steps(), width}, r.output().shape());
        y = RandomModels.toBatchFirst(y, c.batch(), c.steps(), width); // [B,T,F] -> [T,B,F]
      } else {
        assertArrayEquals(new int[] {c.steps(), c.batch(), width}, r.output().shape());
      }
      Tolerance.assertClose("y", ref.y(), y, 2e-5, 2e-4);
      assertArrayEquals(new int[] {slots, c.batch(), spec.outputWidth()}, r.hN().shape());
      Tolerance.assertClose("h_n", ref.hN(), r.hN().data(), 2e-5, 2e-4);
      if (spec.hasCellState()) {
        Tolerance.assertClose("c_n", ref.cN(), r.cN().data(), 2e-5, 2e-4);
      } else {
        assertNull(r.cN());
      }
    }
  }
}
