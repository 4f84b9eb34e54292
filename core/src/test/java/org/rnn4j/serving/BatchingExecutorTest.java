package org.rnn4j.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.State;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BatchingExecutorTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");
  /** A window long enough that everything a test submits lands in one batch, until close flushes it. */
  private static final BatchingOptions HOLD = BatchingOptions.defaults().withMaxDelayMicros(20_000_000);

  private static Model lstm() {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 5, 7).numLayers(2).build();
    return Model.of(ModelWeights.random(spec, 3), SCALAR);
  }

  /** The reference: the same request run alone, batch size 1. */
  private static ForwardResult alone(Model m, float[] x, float[] h0, float[] c0) {
    int in = m.spec().inputSize();
    return m.forward(SequenceBatch.seqFirst(x, x.length / in, 1, in).withH0(h0).withC0(c0));
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++) {
      float tol = 1e-6f * Math.abs(expected[i]);
      if (Math.abs(expected[i] - actual[i]) > tol) {
        throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
      }
    }
  }

  @Test
  void resultsDoNotDependOnBatchmatesUnderRandomArrivals() throws Exception {
    ModelSpec[] specs = {
        ModelSpec.builder(CellType.LSTM, 5, 7).numLayers(2).projSize(3).build(),
        ModelSpec.builder(CellType.GRU, 6, 9).bidirectional(true).build()};
    for (ModelSpec spec : specs) {
      try (Model m = Model.of(ModelWeights.random(spec, 11), SCALAR);
          BatchingExecutor ex = new BatchingExecutor(m, BatchingOptions.defaults().withMaxBatch(8)
              .withMaxDelayMicros(300).withWorkers(2))) {
        int threads = 8;
        int perThread = 25;
        List<Thread> ts = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
          int seed = t;
          ts.add(Thread.ofPlatform().start(() -> {
            try {
              SplittableRandom rnd = new SplittableRandom(seed);
              int in = spec.inputSize();
              int ld = spec.directionCount();
              for (int i = 0; i < perThread; i++) {
                int steps = 1 + rnd.nextInt(12);
                float[] x = RandomModels.gaussian(steps * in, 1, rnd.nextLong());
                float[] h0 = rnd.nextBoolean() ? RandomModels.gaussian(ld * spec.outputWidth(), 0.5, rnd.nextLong())
                    : null;
                float[] c0 = spec.hasCellState() && rnd.nextBoolean()
                    ? RandomModels.gaussian(ld * spec.hiddenSize(), 0.5, rnd.nextLong()) : null;
                SequenceResult r = ex.submit(x, h0, c0, null).get();
                ForwardResult ref = alone(m, x, h0, c0);
                assertClose(ref.output().data(), r.output(), "y");
                assertClose(ref.hN().data(), r.hN(), "h_n");
                if (spec.hasCellState()) {
                  assertClose(ref.cN().data(), r.cN(), "c_n");
                }
                if (rnd.nextInt(4) == 0) {
                  Thread.sleep(0, rnd.nextInt(300_000));
                }
              }
            } catch (Throwable e) {
              failure.compareAndSet(null, e);
            }
          }));
        }
        for (Thread t : ts) {
          t.join();
        }
        if (failure.get() != null) {
          throw new AssertionError(spec + ": " + failure.get(), failure.get());
        }
        assertEquals(threads * perThread, ex.metrics().completed());
      }
    }
  }

  @Test
  void requestsWithinTheWindowRunAsOneRaggedBatch() throws Exception {
    try (Model m = lstm()) {
      List<CompletableFuture<SequenceResult>> fs = new ArrayList<>();
      List<float[]> xs = new ArrayList<>();
      BatchingExecutor ex = new BatchingExecutor(m, HOLD);
      for (int i = 0; i < 5; i++) {
        float[] x = RandomModels.gaussian((i + 1) * 5, 1, i);
        xs.add(x);
        fs.add(ex.submit(x));
      }
      assertEquals(5, ex.metrics().queueDepth());
      ex.close(); // flushes the window
      for (int i = 0; i < 5; i++) {
        SequenceResult r = fs.get(i).get();
        assertEquals(i + 1, r.steps());
        assertClose(alone(m, xs.get(i), null, null).output().data(), r.output(), "y");
      }
      assertEquals(1, ex.metrics().batchSizeCounts()[5]);
      assertEquals(1, ex.metrics().computeMicros().count());
      assertEquals(5, ex.metrics().queueWaitMicros().count());
    }
  }

  @Test
  void aFullBatchRunsWithoutWaitingForTheWindow() throws Exception {
    try (Model m = lstm(); BatchingExecutor ex = new BatchingExecutor(m, HOLD.withMaxBatch(3))) {
      List<CompletableFuture<SequenceResult>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(ex.submit(RandomModels.gaussian(10, 1, i)));
      }
      for (CompletableFuture<SequenceResult> f : fs) {
        f.get(10, TimeUnit.SECONDS); // long before the 20 s window
      }
      assertEquals(1, ex.metrics().batchSizeCounts()[3]);
    }
  }

  @Test
  void aFullQueueRejectsAtOnce() throws Exception {
    try (Model m = lstm()) {
      BatchingExecutor ex = new BatchingExecutor(m, HOLD.withQueueCapacity(3));
      List<CompletableFuture<SequenceResult>> fs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        fs.add(ex.submit(RandomModels.gaussian(5, 1, i)));
      }
      QueueFullException e = assertThrows(QueueFullException.class, () -> ex.submit(new float[5]));
      assertTrue(e.getMessage().contains("queue full"), e.getMessage());
      StreamSession s = ex.openStream();
      assertThrows(QueueFullException.class, () -> s.step(new float[5]));
      assertEquals(2, ex.metrics().rejected());
      ex.close();
      for (CompletableFuture<SequenceResult> f : fs) {
        assertEquals(1, f.get().steps());
      }
    }
  }

  @Test
  void expiredAndCancelledRequestsAreNotComputed() throws Exception {
    try (Model m = lstm()) {
      BatchingExecutor ex = new BatchingExecutor(m, HOLD);
      CompletableFuture<SequenceResult> expires = ex.submit(new float[5], null, null, Duration.ofMillis(1));
      CompletableFuture<SequenceResult> cancelled = ex.submit(new float[10]);
      CompletableFuture<SequenceResult> runs = ex.submit(new float[15], null, null, Duration.ofMinutes(5));
      StreamSession s = ex.openStream();
      CompletableFuture<float[]> stepCancelled = s.step(new float[5]);
      assertTrue(cancelled.cancel(false));
      assertTrue(stepCancelled.cancel(false));
      Thread.sleep(20);
      ex.close();
      ExecutionException e = assertThrows(ExecutionException.class, expires::get);
      assertInstanceOf(DeadlineExceededException.class, e.getCause());
      assertThrows(CancellationException.class, cancelled::get);
      assertEquals(3, runs.get().steps());
      assertEquals(1, ex.metrics().expired());
      assertEquals(2, ex.metrics().cancelled());
      assertEquals(1, ex.metrics().completed());
      assertEquals(1, ex.metrics().batchSizeCounts()[1]); // only `runs` was computed
      assertEquals(1, ex.metrics().batches());
      assertArrayEquals0(new float[2 * 7], s.hidden()); // the cancelled step left the state alone
    }
  }

  private static void assertArrayEquals0(float[] expected, float[] actual) {
    assertTrue(Arrays.equals(expected, actual), Arrays.toString(actual));
  }

  @Test
  void closeFinishesQueuedWorkThenRefusesAndReleasesThreads() throws Exception {
    try (Model m = lstm()) {
      BatchingExecutor ex = new BatchingExecutor(m, HOLD.withThreadName("test-close").withWorkers(2));
      assertTrue(workerThreads("test-close").stream().allMatch(Thread::isDaemon));
      assertEquals(2, workerThreads("test-close").size());
      CompletableFuture<SequenceResult> f = ex.submit(new float[10]);
      ex.close();
      assertEquals(2, f.get().steps());
      assertTrue(ex.isTerminated());
      assertThrows(ExecutorClosedException.class, () -> ex.submit(new float[5]));
      assertThrows(ExecutorClosedException.class, ex::openStream);
      for (Thread t : workerThreads("test-close")) {
        t.join(5000);
        assertFalse(t.isAlive(), t.getName());
      }
    }
  }

  @Test
  void shutdownNowFailsWhatIsQueued() throws Exception {
    try (Model m = lstm()) {
      BatchingExecutor ex = new BatchingExecutor(m, HOLD);
      CompletableFuture<SequenceResult> f = ex.submit(new float[10]);
      CompletableFuture<float[]> step = ex.openStream().step(new float[5]);
      ex.shutdownNow();
      assertTrue(ex.awaitTermination(Duration.ofSeconds(10)));
      assertInstanceOf(ExecutorClosedException.class, assertThrows(ExecutionException.class, f::get).getCause());
      assertInstanceOf(ExecutorClosedException.class, assertThrows(ExecutionException.class, step::get).getCause());
      assertEquals(2, ex.metrics().failed());
      assertEquals(0, ex.metrics().queueDepth());
    }
  }

  private static List<Thread> workerThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix + "-")).toList();
  }

  @Test
  void streamsAdvanceTogetherAndMatchStreamingAlone() throws Exception {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 4, 6).numLayers(2).residual(true).build();
    try (Model m = Model.of(ModelWeights.random(spec, 9), SCALAR);
        BatchingExecutor ex = new BatchingExecutor(m, BatchingOptions.defaults().withMaxBatch(6)
            .withMaxDelayMicros(500))) {
      int streams = 12;
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> ts = new ArrayList<>();
      for (int k = 0; k < streams; k++) {
        int seed = k;
        ts.add(Thread.ofPlatform().start(() -> {
          try {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] h0 = RandomModels.gaussian(2 * 6, 0.5, seed);
            StreamSession s = ex.openStream(h0, null);
            State ref = m.newState(1);
            ref.setHidden(h0);
            float[] y = new float[6];
            int steps = 5 + rnd.nextInt(20);
            // Pipelined: submit a few steps before waiting, so one stream has several pending.
            List<CompletableFuture<float[]>> fs = new ArrayList<>();
            List<float[]> xs = new ArrayList<>();
            for (int t = 0; t < steps; t++) {
              float[] x = RandomModels.gaussian(4, 1, rnd.nextLong());
              xs.add(x);
              fs.add(s.step(x));
              if (rnd.nextInt(3) == 0) {
                Thread.sleep(0, rnd.nextInt(200_000));
              }
            }
            for (int t = 0; t < steps; t++) {
              m.step(ref, xs.get(t), y);
              assertClose(y, fs.get(t).get(), "stream " + seed + " step " + t);
            }
            assertClose(ref.hidden(), s.hidden(), "h");
            assertClose(ref.cell(), s.cell(), "c");
            s.reset();
            assertArrayEquals0(new float[12], s.hidden());
            s.close();
            assertThrows(IllegalStateException.class, () -> s.step(new float[4]));
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        }));
      }
      for (Thread t : ts) {
        t.join();
      }
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      long[] sizes = ex.metrics().batchSizeCounts();
      assertEquals(7, sizes.length);
    }
  }

  @Test
  void stepsOfManyStreamsPendingTogetherRunAsOneBatch() throws Exception {
    try (Model m = lstm()) {
      BatchingExecutor ex = new BatchingExecutor(m, HOLD);
      List<CompletableFuture<float[]>> fs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        StreamSession s = ex.openStream();
        fs.add(s.step(RandomModels.gaussian(5, 1, i)));
        fs.add(s.step(RandomModels.gaussian(5, 1, 10 + i))); // second step: a second batch
      }
      ex.close();
      for (CompletableFuture<float[]> f : fs) {
        assertEquals(7, f.get().length);
      }
      assertEquals(2, ex.metrics().batchSizeCounts()[4]);
    }
  }

  @Test
  void badArgumentsFailAtOnce() {
    try (Model m = lstm(); BatchingExecutor ex = new BatchingExecutor(m, BatchingOptions.defaults())) {
      assertTrue(assertThrows(IllegalArgumentException.class, () -> ex.submit(new float[7])).getMessage()
          .contains("x: expected [T, 5]"));
      assertThrows(IllegalArgumentException.class, () -> ex.submit(new float[0]));
      assertThrows(IllegalArgumentException.class, () -> ex.submit(new float[5], new float[3], null, null));
      assertThrows(IllegalArgumentException.class, () -> ex.openStream().step(new float[4]));
      assertThrows(IllegalArgumentException.class, () -> BatchingOptions.defaults().withQueueCapacity(0));
    }
    ModelSpec gru = ModelSpec.builder(CellType.GRU, 3, 4).bidirectional(true).build();
    try (Model m = Model.of(ModelWeights.random(gru, 1), SCALAR);
        BatchingExecutor ex = new BatchingExecutor(m, BatchingOptions.defaults())) {
      assertThrows(IllegalArgumentException.class, () -> ex.submit(new float[3], null, new float[8], null));
      assertThrows(IllegalStateException.class, ex::openStream);
    }
  }
}
