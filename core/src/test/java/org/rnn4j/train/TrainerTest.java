package org.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.spi.Backend;

class TrainerTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  @TempDir
  Path dir;

  /** Sequences of ±1 noise whose label is the sign of the first element: the model must remember it. */
  private record Batch(SequenceBatch in, int[] labels) {
  }

  private static Batch rememberFirst(SplittableRandom rnd, int steps, int batch) {
    float[] x = new float[steps * batch];
    int[] labels = new int[batch];
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = 2 + rnd.nextInt(steps - 1);
      for (int t = 0; t < steps; t++) {
        x[t * batch + b] = rnd.nextBoolean() ? 1f : -1f;
      }
      labels[b] = x[b] > 0 ? 1 : 0;
    }
    return new Batch(SequenceBatch.seqFirst(x, steps, batch, 1).withLengths(lengths), labels);
  }

  private static Trainer trainer(long seed) {
    ModelWeights w = Initializers.forgetBias(Initializers.xavier(ModelSpec.of(CellType.LSTM, 1, 8, 1, false), seed,
        true), 1f);
    return Trainer.create(w, 2, seed, Optimizer.adam(LearningRateSchedule.constant(0.03), 0.9f, 0.999f, 1e-8f, 0f,
        false), SCALAR, 5.0, 0f);
  }

  @Test
  void lstmLearnsToRememberTheFirstInput() {
    Trainer t = trainer(1);
    SplittableRandom rnd = new SplittableRandom(7);
    Batch test = rememberFirst(new SplittableRandom(99), 8, 64);
    double before = t.evaluate(test.in(), Targets.classPerSequence(test.labels()));
    for (int s = 0; s < 150; s++) {
      Batch b = rememberFirst(rnd, 8, 16);
      t.step(b.in(), Targets.classPerSequence(b.labels()));
    }
    double after = t.evaluate(test.in(), Targets.classPerSequence(test.labels()));
    assertTrue(before > 0.5, "untrained loss " + before);
    assertTrue(after < 0.1, "loss after training " + after + " (before " + before + ")");
  }

  @Test
  void resumingFromACheckpointGivesTheSameParametersAsAnUninterruptedRun() throws Exception {
    Trainer straight = trainer(3);
    Trainer interrupted = trainer(3);
    SplittableRandom r1 = new SplittableRandom(5);
    SplittableRandom r2 = new SplittableRandom(5);
    for (int s = 0; s < 3; s++) {
      Batch b = rememberFirst(r1, 6, 4);
      straight.step(b.in(), Targets.classPerSequence(b.labels()));
      Batch c = rememberFirst(r2, 6, 4);
      interrupted.step(c.in(), Targets.classPerSequence(c.labels()));
    }
    Path ckpt = dir.resolve("ckpt.safetensors");
    interrupted.save(ckpt);
    Trainer resumed = Trainer.resume(ckpt, Optimizer.adam(LearningRateSchedule.constant(0.03), 0.9f, 0.999f, 1e-8f,
        0f, false), SCALAR, 5.0, 0f);
    for (int s = 0; s < 3; s++) {
      Batch b = rememberFirst(r1, 6, 4);
      straight.step(b.in(), Targets.classPerSequence(b.labels()));
      Batch c = rememberFirst(r2, 6, 4);
      resumed.step(c.in(), Targets.classPerSequence(c.labels()));
    }
    Map<String, float[]> a = straight.parameters();
    Map<String, float[]> b = resumed.parameters();
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) {
      assertArrayEquals(a.get(k), b.get(k), k);
    }
    assertEquals(6, resumed.optimizer().steps());
  }

  @Test
  void checkpointLoadsAsAnInferenceModelWithTheSameOutputs() throws Exception {
    Trainer t = trainer(4);
    Batch b = rememberFirst(new SplittableRandom(1), 5, 3);
    t.step(b.in(), Targets.classPerSequence(b.labels()));
    Path ckpt = dir.resolve("m.safetensors");
    t.save(ckpt);
    try (Model trained = Model.of(t.weights(), SCALAR); Model loaded = Model.load(ckpt, SCALAR)) {
      ForwardResult x = trained.forward(b.in());
      ForwardResult y = loaded.forward(b.in());
      assertEquals(x, y);
    }
  }

  @Test
  void mismatchedOptimizerFileIsDetected() throws Exception {
    Trainer t = trainer(5);
    Path ckpt = dir.resolve("c.safetensors");
    t.save(ckpt);
    Path optimStep0 = dir.resolve("keep.optim.safetensors");
    Files.copy(Trainer.optimizerFile(ckpt), optimStep0);
    Batch b = rememberFirst(new SplittableRandom(1), 5, 3);
    t.step(b.in(), Targets.classPerSequence(b.labels()));
    t.save(ckpt);
    Files.copy(optimStep0, Trainer.optimizerFile(ckpt), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> Trainer.resume(ckpt,
        Optimizer.sgd(LearningRateSchedule.constant(0.1), 0f, false, 0f), SCALAR, 0, 0f));
    assertTrue(e.getMessage().contains("do not belong together"), e.getMessage());
  }

  @Test
  void truncatedBpttCarriesTheStateAcrossChunks() {
    Trainer t = trainer(6);
    float[] x = new float[12];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i % 3) - 1;
    }
    // The final state of one chunk of 6 equals the state after two chunks of 3 with the state carried.
    Trainer.StepResult whole = t.finalStates(SequenceBatch.seqFirst(java.util.Arrays.copyOf(x, 6), 6, 1, 1));
    Trainer.StepResult first = t.finalStates(SequenceBatch.seqFirst(java.util.Arrays.copyOfRange(x, 0, 3), 3, 1, 1));
    Trainer.StepResult second = t.finalStates(SequenceBatch.seqFirst(java.util.Arrays.copyOfRange(x, 3, 6), 3, 1, 1)
        .withH0(first.hN()).withC0(first.cN()));
    assertArrayEquals(whole.hN(), second.hN(), 1e-6f);
  }

  @Test
  void meanSquaredErrorRegressionConverges() {
    ModelSpec spec = ModelSpec.of(CellType.GRU, 1, 6, 1, false);
    Trainer t = Trainer.create(Initializers.pytorchDefault(spec, 2), 1, 2,
        Optimizer.sgd(LearningRateSchedule.constant(0.2), 0.9f, true, 0f), SCALAR, 1.0, 0f);
    // Target: the running mean of the inputs so far.
    SplittableRandom rnd = new SplittableRandom(3);
    double last = Double.NaN;
    double firstLoss = Double.NaN;
    for (int s = 0; s < 200; s++) {
      float[] x = new float[6 * 8];
      float[] y = new float[6 * 8];
      for (int b = 0; b < 8; b++) {
        double sum = 0;
        for (int step = 0; step < 6; step++) {
          x[step * 8 + b] = (float) rnd.nextGaussian() * 0.5f;
          sum += x[step * 8 + b];
          y[step * 8 + b] = (float) (sum / (step + 1));
        }
      }
      last = t.step(SequenceBatch.seqFirst(x, 6, 8, 1), Targets.valuesPerStep(y)).loss();
      if (s == 0) {
        firstLoss = last;
      }
    }
    assertTrue(last < firstLoss / 5, "loss " + firstLoss + " -> " + last);
  }

  @Test
  void ignoredStepsCountAsIfTheSequenceEndedBeforeThem() {
    // Batch of 2 over 5 steps; row 0's last 2 steps and row 1's last step are IGNORE. One training
    // step must give exactly the parameters of a step on the same rows cut to lengths {3, 4}.
    SplittableRandom rnd = new SplittableRandom(11);
    float[] x = new float[5 * 2];
    int[] classes = new int[5 * 2];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
      classes[i] = rnd.nextInt(2);
    }
    int[] masked = classes.clone();
    masked[3 * 2] = Targets.IGNORE;
    masked[4 * 2] = Targets.IGNORE;
    masked[4 * 2 + 1] = Targets.IGNORE;
    Trainer a = trainer(8);
    Trainer b = trainer(8);
    double la = a.step(SequenceBatch.seqFirst(x, 5, 2, 1), Targets.classPerStep(masked)).loss();
    double lb = b.step(SequenceBatch.seqFirst(x, 5, 2, 1).withLengths(new int[] {3, 4}),
        Targets.classPerStep(classes)).loss();
    assertEquals(lb, la, 1e-9);
    Map<String, float[]> pa = a.parameters();
    Map<String, float[]> pb = b.parameters();
    assertEquals(pb.keySet(), pa.keySet());
    for (String n : pa.keySet()) {
      assertArrayEquals(pb.get(n), pa.get(n), 1e-7f, n);
    }
  }

  @Test
  void allStepsIgnoredGiveZeroLossAndChangeNothing() {
    Trainer t = trainer(9);
    Map<String, float[]> before = t.parameters();
    int[] none = new int[4 * 3];
    java.util.Arrays.fill(none, Targets.IGNORE);
    Trainer.StepResult r = t.step(SequenceBatch.seqFirst(new float[4 * 3], 4, 3, 1), Targets.classPerStep(none));
    assertEquals(0.0, r.loss());
    assertEquals(0.0, r.gradientNorm());
    for (Map.Entry<String, float[]> e : t.parameters().entrySet()) {
      assertArrayEquals(before.get(e.getKey()), e.getValue(), e.getKey());
    }
  }

  @Test
  void negativeClassesOtherThanIgnoreAreRejected() {
    Trainer t = trainer(10);
    int[] bad = {0, -2, 1, 0};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> t.step(SequenceBatch.seqFirst(new float[4], 4, 1, 1), Targets.classPerStep(bad)));
    assertTrue(e.getMessage().contains("-2"), e.getMessage());
  }
}
