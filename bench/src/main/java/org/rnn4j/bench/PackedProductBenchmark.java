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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.rnn4j.Precision;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * One {@code Kernels.matmulPacked} (out = x·Wᵀ for m rows) on a backend, fp32 or bf16 weights: the
 * kernel under each forward pass, apart. m = 1 is the batch-1 recurrent product (GEMV, bound by
 * streaming the weights); m = T is the input projection of a batch-1 sequence (a GEMM). Weights
 * W [rows × cols] as in an LSTM's W_hh: rows = 4H, cols = H.
 *
 * <pre>
 * java -jar bench/target/rnn4j-benchmarks.jar PackedProductBenchmark -p impl=simd,native -p precision=fp32,bf16
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class PackedProductBenchmark {
  @Param({"simd", "native"})
  public String impl;

  @Param({"fp32", "bf16"})
  public String precision;

  /** rows x cols x m. */
  @Param({"2048x512x1", "4096x1024x1", "2048x512x100"})
  public String shape;

  private Kernels kernels;
  private PackedMatrix w;
  private float[] x;
  private float[] out;
  private int m;

  @Setup(Level.Trial)
  public void setUp() {
    Runners.applyThreads(1);
    String[] s = shape.split("x");
    int rows = Integer.parseInt(s[0]);
    int cols = Integer.parseInt(s[1]);
    m = Integer.parseInt(s[2]);
    kernels = BackendRegistry.getDefault().get(impl).kernels();
    SplittableRandom rnd = new SplittableRandom(1);
    float[] weights = new float[rows * cols];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) rnd.nextDouble(-0.05, 0.05);
    }
    x = new float[m * cols];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    out = new float[m * rows];
    w = kernels.pack(weights, 0, rows, cols, Precision.parse(precision));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    w.close();
  }

  @Benchmark
  public float[] product() {
    kernels.matmulPacked(m, x, 0, w.cols(), w, 0f, out, 0, w.rows());
    return out;
  }
}
