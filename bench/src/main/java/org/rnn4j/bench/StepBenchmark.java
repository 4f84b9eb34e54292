package org.rnn4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rnn4j.ModelWeights;

/**
 * Streaming latency: one time step (T = 1) with the state carried, B = 1, H = 512 by default.
 * rnn4j: {@code Model.step(State, x, y)}; ONNX Runtime: a session of the model exported with
 * {@code initial_h}/{@code initial_c} inputs, the final states copied back each step; newcomer:
 * its loops. Checked against the scalar sequence call over three steps before timing. Threads as
 * in {@link RnnBenchmark}. The config's T is ignored (one step per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class StepBenchmark {
  @Param({"scalar", "simd", "blas", "native", "ort", "newcomer"})
  public String impl;

  @Param({"lstm_512_512_1_1"})
  public String config;

  @Param({"1"})
  public int threads;

  /** Weight precision of the rnn4j implementations: fp32, or bf16 (ORT and newcomer run fp32 only). */
  @Param({"fp32"})
  public String precision;

  private Runner runner;
  private Runner.Stepper stepper;
  private float[] x;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Runners.applyThreads(threads);
    BenchConfig c = BenchConfig.parse(config);
    ModelWeights w = c.weights();
    runner = Runners.create(Runners.withPrecision(impl, precision), w, threads);
    stepper = runner.stepper(c.batch());
    if (stepper == null) {
      throw new IllegalStateException(impl + " has no streaming step for " + c.id());
    }
    Runners.checkStepper(Runners.withPrecision(impl, precision), stepper, c, w);
    x = c.inputData(1, c.batch());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (stepper != null) {
      stepper.close();
    }
    if (runner != null) {
      runner.close();
    }
  }

  @Benchmark
  public float[] step() {
    return stepper.step(x);
  }
}
