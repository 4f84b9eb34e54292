package org.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;

/** Data parallelism over the batch: the same bits for 1, 2 and 3 threads; the same numbers as unsplit training. */
class DataParallelTrainingTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");
  private static final ModelSpec SPEC = ModelSpec.builder(CellType.LSTM, 5, 9).numLayers(2).bidirectional(true)
      .projSize(4).build();
  private static final int STEPS = 7;
  private static final int BATCH = 11;
  private static final int CLASSES = 6;

  private static Map<String, float[]> train(int shards, int threads, boolean batchFirst) {
    float[] x = RandomModels.gaussian(STEPS * BATCH * SPEC.inputSize(), 1.0, 9);
    float[] h0 = RandomModels.gaussian(SPEC.directionCount() * BATCH * SPEC.outputWidth(), 0.5, 10);
    int[] lengths = {7, 3, 1, 7, 5, 6, 2, 7, 4, 7, 6};
    int[] classes = new int[STEPS * BATCH];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = (i * 7) % CLASSES;
    }
    SequenceBatch in = (batchFirst ? SequenceBatch.batchFirst(RandomModels.toBatchFirst(x, STEPS, BATCH,
        SPEC.inputSize()), BATCH, STEPS, SPEC.inputSize()) : SequenceBatch.seqFirst(x, STEPS, BATCH,
        SPEC.inputSize())).withLengths(lengths).withH0(h0);
    try (Trainer t = Trainer.create(ModelWeights.random(SPEC, 4), CLASSES, 5,
        Optimizer.adam(LearningRateSchedule.constant(0.01), 0.9f, 0.999f, 1e-8f, 0f, false), SCALAR, 1.0, 0f)) {
      if (shards > 1) {
        t.setDataParallel(shards, threads);
      }
      for (int i = 0; i < 3; i++) {
        t.train(in, Targets.classPerStep(classes));
      }
      return t.parameters();
    }
  }

  @Test
  void resultsAreBitIdenticalForOneTwoAndThreeThreads() {
    for (boolean batchFirst : new boolean[] {false, true}) {
      Map<String, float[]> one = train(4, 1, batchFirst);
      for (int threads : new int[] {2, 3}) {
        Map<String, float[]> many = train(4, threads, batchFirst);
        for (String name : one.keySet()) {
          assertArrayEquals(one.get(name), many.get(name), name + " with " + threads + " threads");
        }
      }
    }
  }

  @Test
  void shardedGradientsAreTheUnsplitOnesUpToRounding() {
    float[] x = RandomModels.gaussian(STEPS * BATCH * SPEC.inputSize(), 1.0, 9);
    float[] h0 = RandomModels.gaussian(SPEC.directionCount() * BATCH * SPEC.outputWidth(), 0.5, 10);
    int[] lengths = {7, 3, 1, 7, 5, 6, 2, 7, 4, 7, 6};
    int width = SPEC.directions() * SPEC.outputWidth();
    float[] dy = RandomModels.gaussian(STEPS * BATCH * width, 1.0, 11);
    float[] dhN = RandomModels.gaussian(SPEC.directionCount() * BATCH * SPEC.outputWidth(), 1.0, 12);
    SequenceBatch in = SequenceBatch.seqFirst(x, STEPS, BATCH, SPEC.inputSize()).withLengths(lengths).withH0(h0);
    try (org.rnn4j.TrainableModel a = org.rnn4j.TrainableModel.of(ModelWeights.random(SPEC, 4), SCALAR);
        org.rnn4j.TrainableModel b = org.rnn4j.TrainableModel.of(ModelWeights.random(SPEC, 4), SCALAR)) {
      b.parallelise(4, 2);
      a.record(in, null);
      b.record(in, null);
      assertArrayEquals(java.util.Arrays.copyOf(a.output(), dy.length), java.util.Arrays.copyOf(b.output(),
          dy.length), "y");
      assertArrayEquals(java.util.Arrays.copyOf(a.finalHidden(), dhN.length), java.util.Arrays.copyOf(
          b.finalHidden(), dhN.length), "h_n");
      a.backward(dy, dhN, null);
      b.backward(dy, dhN, null);
      for (int i = 0; i < a.parameterNames().size(); i++) {
        float[] ga = a.gradient(i);
        float[] gb = b.gradient(i);
        for (int j = 0; j < ga.length; j++) {
          assertTrue(Math.abs(ga[j] - gb[j]) <= 1e-5 + 1e-4 * Math.abs(ga[j]), a.parameterNames().get(i) + "[" + j
              + "]: " + ga[j] + " vs " + gb[j]);
        }
      }
    }
  }

  @Test
  void shardedTrainingComputesWhatUnsplitTrainingDoesUpToRounding() {
    Map<String, float[]> unsplit = train(1, 1, false);
    Map<String, float[]> sharded = train(4, 2, false);
    assertEquals(unsplit.keySet(), sharded.keySet());
    for (String name : unsplit.keySet()) {
      float[] a = unsplit.get(name);
      float[] b = sharded.get(name);
      for (int i = 0; i < a.length; i++) {
        assertTrue(Math.abs(a[i] - b[i]) <= 1e-5 + 1e-4 * Math.abs(a[i]), name + "[" + i + "]: " + a[i] + " vs "
            + b[i]);
      }
    }
  }

  @Test
  void moreShardsThanRowsUsesOneShardPerRow() {
    Map<String, float[]> a = train(32, 3, false);
    Map<String, float[]> b = train(32, 1, false);
    for (String name : a.keySet()) {
      assertArrayEquals(a.get(name), b.get(name), name);
    }
  }
}
