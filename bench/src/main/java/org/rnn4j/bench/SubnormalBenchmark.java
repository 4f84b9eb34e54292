package org.rnn4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;
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
 * Does a forward pass slow down when its numbers become subnormal? The JVM cannot set
 * flush-to-zero, and x86 cores can take microcode assists on subnormal operands or results, so
 * this compares, per implementation and in one fork, an ordinary input with one that keeps every
 * activation and state subnormal: the model's biases are zero (so i = f = o = 1/2 and every gate
 * product is as tiny as its operands) and the input is a standard-normal sample × 1e-39, below
 * Float.MIN_NORMAL (1.18e-38). The two {@code data} values of one {@code impl} should time alike.
 *
 * <pre>
 * java -jar bench/target/rnn4j-benchmarks.jar SubnormalBenchmark -rf json -rff subnormal.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SubnormalBenchmark {
  /** Scale that puts a standard-normal sample below Float.MIN_NORMAL. */
  static final float SUBNORMAL_SCALE = 1e-39f;

  @Param({"scalar", "simd", "blas", "native", "ort"})
  public String impl;

  @Param({"normal", "subnormal"})
  public String data;

  @Param({"lstm_512_512_100_1"})
  public String config;

  private Runner runner;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Runners.applyThreads(1);
    BenchConfig c = BenchConfig.parse(config);
    ModelWeights w = zeroBiases(c.weights());
    runner = Runners.create(impl, w, 1);
    Runners.check(impl, runner, c, w);
    float[] x = c.inputData();
    if (data.equals("subnormal")) {
      for (int i = 0; i < x.length; i++) {
        x[i] *= SUBNORMAL_SCALE;
      }
    }
    runner.bind(x, c.steps(), c.batch());
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

  /** The same weights with every bias tensor zero. */
  static ModelWeights zeroBiases(ModelWeights w) {
    Map<String, float[]> params = new LinkedHashMap<>();
    for (String name : w.names()) {
      float[] p = w.get(name);
      if (name.startsWith("bias")) {
        java.util.Arrays.fill(p, 0f);
      }
      params.put(name, p);
    }
    return ModelWeights.of(w.spec(), params);
  }
}
