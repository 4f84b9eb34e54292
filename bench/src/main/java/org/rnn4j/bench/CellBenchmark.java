package org.rnn4j.bench;

import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;

/**
 * One fused cell step ({@code Kernels.lstmCell} / {@code gruCell} / {@code rnnCell}) on a backend,
 * apart from the products: the per-step gate work of a batched forward pass. Pre-activations are
 * random in [-3, 3], states in [-1, 1] (re-drawn per trial only, so the cell state drifts a little,
 * as in a real sequence).
 *
 * <pre>
 * java -jar bench/target/rnn4j-benchmarks.jar CellBenchmark -p impl=simd,native
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CellBenchmark {
  @Param({"simd", "native"})
  public String impl;

  /** lstm, lstm_peep, gru (reset-after), gru_rb (reset-before: the reset pass plus the cell), rnn. */
  @Param({"lstm", "gru"})
  public String cell;

  @Param({"16", "64"})
  public int rows;

  @Param({"512"})
  public int hidden;

  private Kernels kernels;
  private float[] xg;
  private float[] hg;
  private float[] bias;
  private float[] peep;
  private float[] c;
  private float[] h;
  private float[] rh;
  private CellFunctions fns;

  @Setup(Level.Trial)
  public void setUp() {
    Runners.applyThreads(1);
    kernels = BackendRegistry.getDefault().get(impl).kernels();
    SplittableRandom rnd = new SplittableRandom(1);
    int g = 4 * hidden;
    xg = fill(rnd, rows * g, 3);
    hg = fill(rnd, rows * g, 3);
    bias = fill(rnd, g, 1);
    peep = cell.equals("lstm_peep") ? fill(rnd, 3 * hidden, 0.5) : null;
    c = fill(rnd, rows * hidden, 1);
    h = fill(rnd, rows * hidden, 1);
    rh = new float[rows * hidden];
    fns = cell.startsWith("lstm") ? CellFunctions.LSTM_DEFAULT
        : new CellFunctions(org.rnn4j.Activation.SIGMOID, org.rnn4j.Activation.TANH, org.rnn4j.Activation.TANH,
            Float.POSITIVE_INFINITY, false);
  }

  private static float[] fill(SplittableRandom rnd, int n, double r) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextDouble(-r, r);
    }
    return a;
  }

  @Benchmark
  public float[] step() {
    switch (cell) {
      case "lstm", "lstm_peep" -> kernels.lstmCell(rows, hidden, xg, 0, hg, 0, bias, peep, fns, c, 0, h, 0);
      case "gru" -> kernels.gruCell(rows, hidden, true, xg, 0, hg, 0, bias, fns, h, 0);
      case "gru_rb" -> {
        kernels.gruResetState(rows, hidden, xg, 0, hg, 0, bias, fns, h, 0, rh, 0);
        kernels.gruCell(rows, hidden, false, xg, 0, hg, 0, bias, fns, h, 0);
      }
      case "rnn" -> kernels.rnnCell(rows, hidden, xg, 0, hg, 0, bias, fns, h, 0);
      default -> throw new IllegalArgumentException("unknown cell " + cell);
    }
    return h;
  }
}
