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
 * Forward pass of a whole sequence batch, every implementation on the same weights and input:
 * the rnn4j backends (scalar, simd, blas, native), ONNX Runtime on {@code OnnxExport}'s model, and
 * the newcomer's loops. Before timing, each implementation's y on a short input is compared with
 * the scalar backend's (setup fails beyond 1e-4).
 *
 * <p>Every parameter combination runs in a fork of its own (JMH forks per combination), whose
 * setup sets rnn4j.threads / rnn4j.simd.threads / rnn4j.blas.threads (and ORT's intra-op threads)
 * to {@code threads} before any backend is created. Configurations: {@link BenchConfig}.
 *
 * <pre>
 * java -jar bench/target/rnn4j-benchmarks.jar RnnBenchmark -prof gc -rf json -rff forward-1t.json
 * java -jar bench/target/rnn4j-benchmarks.jar RnnBenchmark -p threads=2 -p impl=simd,blas,native,ort \
 *     -prof gc -rf json -rff forward-2t.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class RnnBenchmark {
  @Param({"scalar", "simd", "blas", "native", "ort", "newcomer"})
  public String impl;

  @Param({"lstm_256_256_25_1", "lstm_256_256_100_1", "lstm_512_512_25_1", "lstm_512_512_100_1",
      "lstm_1024_1024_25_1", "lstm_1024_1024_100_1", "lstm_256_256_150_1", "lstm_512_512_50_16",
      "lstm_512_512_50_64", "gru_512_512_50_1", "gru_512_512_50_64", "rnn_tanh_512_512_100_1",
      "lstm_256_256_50_1_L2_bi"})
  public String config;

  @Param({"1"})
  public int threads;

  /** Weight precision of the rnn4j implementations: fp32, or bf16 (ORT and newcomer run fp32 only). */
  @Param({"fp32"})
  public String precision;

  private Runner runner;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Runners.applyThreads(threads);
    BenchConfig c = BenchConfig.parse(config);
    ModelWeights w = c.weights();
    runner = Runners.create(Runners.withPrecision(impl, precision), w, threads);
    Runners.check(Runners.withPrecision(impl, precision), runner, c, w);
    runner.bind(c.inputData(), c.steps(), c.batch());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (runner != null) {
      runner.close();
    }
  }

  @Benchmark
  public Object forward() {
    return runner.call();
  }
}
