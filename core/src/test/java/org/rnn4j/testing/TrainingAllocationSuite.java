package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.spi.Backend;
import org.rnn4j.train.LearningRateSchedule;
import org.rnn4j.train.Optimizer;
import org.rnn4j.train.Targets;
import org.rnn4j.train.Trainer;

/**
 * A steady-state training step — forward with recording, loss, backward, clipping, Adam, re-pack —
 * allocates nothing on the training thread: ThreadMXBean's allocated-bytes counter over 10 steps
 * must read exactly 0 (no tolerance) in one of {@link #retries()} windows. Every backend module runs it by naming its backend; a backend whose kernels only stop
 * allocating once compiled (simd) asks for a longer warm-up and its own JVM.
 */
public abstract class TrainingAllocationSuite {

  protected abstract Backend backend();

  /** Steps before measuring: buffers grow and optimizer state appears in the first one. */
  protected int warmupSteps() {
    return 20;
  }

  /**
   * Measurements before giving up, each after a quarter of the warm-up more: a JIT event in the
   * measured window (a deoptimisation re-materialises objects escape analysis had removed, a class
   * loads) is not the steady state. Measured here: at most a few hundred bytes per window while
   * C2 is still compiling the shard code, which on a loaded 2-core host took up to 3 windows after
   * the warm-up (session 8: the data-parallel case failed ~1 run in 10 with 3 windows; every run
   * reached a window of exactly 0 by the 4th). A window must still read exactly 0.
   */
  protected int retries() {
    return 8;
  }

  /** Architectures with every kind of prepared weight: projection, peepholes, both GRU forms, Jordan. */
  protected List<ModelSpec> specs() {
    return List.of(
        ModelSpec.builder(CellType.LSTM, 5, 8).numLayers(2).bidirectional(true).projSize(3).peepholes(true).build(),
        ModelSpec.builder(CellType.GRU, 5, 8).numLayers(2).residual(true).build(),
        ModelSpec.builder(CellType.GRU_RESET_BEFORE, 5, 6).bidirectional(true).build(),
        ModelSpec.builder(CellType.RNN_TANH, 5, 7).build(),
        ModelSpec.builder(CellType.JORDAN, 5, 7).outputSize(3).numLayers(2).build());
  }

  @Test
  void aTrainingStepAllocatesNothingInSteadyState() {
    checkSteadyState(1);
  }

  /** Also when the batch is split over the trainer's own pool (its worker threads are counted too). */
  @Test
  void aDataParallelTrainingStepAllocatesNothingInSteadyState() {
    checkSteadyState(3);
  }

  private void checkSteadyState(int shards) {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(),
        "allocation counters unsupported");
    for (ModelSpec spec : specs()) {
      int steps = 6;
      int batch = 4;
      int classes = 5;
      float[] x = RandomModels.gaussian(steps * batch * spec.inputSize(), 1.0, 3);
      int[] targets = new int[steps * batch];
      for (int i = 0; i < targets.length; i++) {
        targets[i] = i % classes;
      }
      SequenceBatch in = SequenceBatch.seqFirst(x, steps, batch, spec.inputSize()).withLengths(new int[] {6, 2, 5, 6});
      Targets t = Targets.classPerStep(targets);
      try (Trainer trainer = Trainer.create(ModelWeights.random(spec, 1), classes, 2,
          Optimizer.adam(LearningRateSchedule.constant(1e-3), 0.9f, 0.999f, 1e-8f, 0.01f, true), backend(), 1.0,
          0.5f)) {
        if (shards > 1) {
          trainer.setDataParallel(shards, 2);
        }
        for (int i = 0; i < warmupSteps(); i++) {
          trainer.train(in, t);
        }
        long overhead = allocatedDuring(mx, () -> { });
        int measured = 10;
        long bytes = -1;
        // A JIT recompilation (after a deoptimisation) may still be pending: measure again after more warm-up.
        for (int round = 0; round < retries() && bytes != 0; round++) {
          if (round > 0) {
            for (int i = 0; i < warmupSteps() / 4; i++) {
              trainer.train(in, t);
            }
          }
          bytes = allocatedDuring(mx, () -> {
            for (int i = 0; i < measured; i++) {
              trainer.train(in, t);
            }
          }) - overhead;
        }
        assertEquals(0, bytes, spec + ": " + bytes + " bytes allocated over " + measured + " training steps");
        assertTrue(Double.isFinite(trainer.lastGradientNorm()));
      }
    }
  }

  /** Bytes allocated by this thread and the trainer's pool threads while r runs. */
  private static long allocatedDuring(com.sun.management.ThreadMXBean mx, Runnable r) {
    long[] ids = threadIds();
    long[] before = mx.getThreadAllocatedBytes(ids);
    r.run();
    long[] after = mx.getThreadAllocatedBytes(ids);
    long sum = 0;
    for (int i = 0; i < ids.length; i++) {
      sum += after[i] - before[i];
    }
    return sum;
  }

  private static long[] threadIds() {
    java.util.List<Long> ids = new java.util.ArrayList<>();
    ids.add(Thread.currentThread().threadId());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("rnn4j-train-")) {
        ids.add(t.threadId());
      }
    }
    return ids.stream().mapToLong(Long::longValue).toArray();
  }
}
