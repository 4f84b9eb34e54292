package org.rnn4j.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.rnn4j.ActivationTrace;
import org.rnn4j.CellType;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.State;
import org.rnn4j.spi.Backend;
import org.rnn4j.train.Initializers;
import org.rnn4j.train.LearningRateSchedule;
import org.rnn4j.train.LinearHead;
import org.rnn4j.train.Optimizer;
import org.rnn4j.train.Targets;
import org.rnn4j.train.Trainer;

/**
 * An LSTM with a softmax head over a small alphabet, trained on {@link SymbolTasks.Example}s by
 * the {@link Trainer} (Adam, global-norm clipping, masked next-symbol targets).
 */
final class SymbolModel implements AutoCloseable {
  private final String alphabet;
  private final Backend backend;
  private final Trainer trainer;

  SymbolModel(String alphabet, int hidden, int layers, long seed, double lr, long decayEvery, Backend backend) {
    this.alphabet = alphabet;
    this.backend = backend;
    int v = alphabet.length();
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, v, hidden).numLayers(layers).build();
    ModelWeights w = Initializers.forgetBias(Initializers.xavier(spec, seed, true), 1f);
    LearningRateSchedule schedule = decayEvery > 0 ? LearningRateSchedule.step(lr, decayEvery, 0.5)
        : LearningRateSchedule.constant(lr);
    this.trainer = Trainer.create(w, v, seed, Optimizer.adam(schedule, 0.9f, 0.999f, 1e-8f, 0f, false), backend,
        1.0, 0f);
  }

  /** Releases the trainer's pools and buffers. */
  @Override
  public void close() {
    trainer.close();
  }

  String alphabet() {
    return alphabet;
  }

  ModelSpec spec() {
    return trainer.spec();
  }

  /** One training step on these examples; returns the mean loss (nats per counted symbol) before the update. */
  double step(List<SymbolTasks.Example> examples) {
    SymbolTasks.Batch b = SymbolTasks.batch(examples, alphabet.length());
    return trainer.step(b.input(), Targets.classPerStep(b.targets())).loss();
  }

  /** Every unit's values while the model reads {@code symbols} (all of them). */
  ActivationTrace trace(int[] symbols) {
    try (Model m = Model.of(trainer.weights(), backend)) {
      return m.trace(SymbolTasks.oneHot(symbols, symbols.length, alphabet.length()), symbols.length);
    }
  }

  /**
   * A greedy predictor over the current parameters (a snapshot). It streams: a prefix that
   * extends the previous one only feeds the new symbols; any other prefix starts again from zeros.
   */
  Predictor predictor() {
    return new Predictor(Model.of(trainer.weights(), backend), trainer.parameters(), alphabet.length());
  }

  static final class Predictor implements SymbolTasks.NextSymbol, AutoCloseable {
    private final Model model;
    private final float[] headW;
    private final float[] headB;
    private final int vocab;
    private final float[] x;
    private final float[] y;
    private State state;
    private int[] fed = new int[0];
    private int argmax = -1;

    private Predictor(Model model, Map<String, float[]> params, int vocab) {
      this.model = model;
      this.headW = params.get(LinearHead.WEIGHT);
      this.headB = params.get(LinearHead.BIAS);
      this.vocab = vocab;
      this.x = new float[vocab];
      this.y = new float[model.spec().outputWidth()];
    }

    @Override
    public int next(int[] prefix) {
      if (prefix.length == 0) {
        throw new IllegalArgumentException("the prefix is empty");
      }
      boolean extends_ = state != null && prefix.length >= fed.length
          && Arrays.equals(prefix, 0, fed.length, fed, 0, fed.length);
      int start = extends_ ? fed.length : 0;
      if (!extends_) {
        state = model.newState(1);
      }
      for (int t = start; t < prefix.length; t++) {
        Arrays.fill(x, 0f);
        x[prefix[t]] = 1f;
        model.step(state, x, y);
        int best = 0;
        float bestLogit = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < vocab; c++) {
          float s = headB[c];
          for (int j = 0; j < y.length; j++) {
            s += headW[c * y.length + j] * y[j];
          }
          if (s > bestLogit) {
            bestLogit = s;
            best = c;
          }
        }
        argmax = best;
      }
      fed = prefix.clone();
      return argmax;
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
