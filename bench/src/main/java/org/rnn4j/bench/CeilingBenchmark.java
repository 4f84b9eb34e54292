package org.rnn4j.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bytedeco.javacpp.FloatPointer;
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
import org.rnn4j.backend.BackendRegistry;

/**
 * The machine's ceilings for each configuration, at the same thread count:
 * <ul>
 *   <li>{@code sgemm}: OpenBLAS {@code cblas_sgemm} (JavaCPP, off-heap operands, B transposed as
 *       in the input projection) on M = T·B·L·D, N = G·H, K = I + H (averaged over layers): the same
 *       FLOP as one call, in one well-shaped product. {@code rnn4j.blas.threads} = threads;
 *   <li>{@code stream}: the sum of a float array as large as the configuration's weight matrices
 *       (Vector API, 4 accumulators, split over {@code threads} threads): the bandwidth a batch-1
 *       step, which must read every weight once, is bound by.
 * </ul>
 * {@link Report} turns these into GFLOP/s and GB/s and the "% of ceiling" columns.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CeilingBenchmark {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  @Param({"lstm_256_256_25_1", "lstm_256_256_100_1", "lstm_512_512_25_1", "lstm_512_512_100_1",
      "lstm_1024_1024_25_1", "lstm_1024_1024_100_1", "lstm_256_256_150_1", "lstm_512_512_50_16",
      "lstm_512_512_50_64", "gru_512_512_50_1", "gru_512_512_50_64", "rnn_tanh_512_512_100_1",
      "lstm_256_256_50_1_L2_bi", "lstm_512_512_1_1"})
  public String config;

  @Param({"1"})
  public int threads;

  private int m;
  private int n;
  private int k;
  private FloatPointer a;
  private FloatPointer b;
  private FloatPointer c;
  private float[] weights;
  private ExecutorService pool;

  @Setup(Level.Trial)
  public void setUp() {
    Runners.applyThreads(threads);
    BenchConfig cfg = BenchConfig.parse(config);
    int[] shape = cfg.gemmShape();
    m = shape[0];
    n = shape[1];
    k = shape[2];
    weights = new float[(int) (cfg.weightBytes() / 4)];
    SplittableRandom rnd = new SplittableRandom(3);
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) rnd.nextDouble(-1, 1);
    }
    if (threads > 1) {
      pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "stream");
        t.setDaemon(true);
        return t;
      });
    }
  }

  /** The OpenBLAS operands, created on first use so that {@code stream} alone never loads OpenBLAS. */
  private void gemmOperands() {
    if (a == null) {
      BackendRegistry.getDefault().get("blas"); // loads OpenBLAS with rnn4j.blas.threads threads
      a = fill(new FloatPointer((long) m * k));
      b = fill(new FloatPointer((long) n * k));
      c = new FloatPointer((long) m * n);
    }
  }

  private static FloatPointer fill(FloatPointer p) {
    SplittableRandom rnd = new SplittableRandom(4);
    for (long i = 0; i < p.capacity(); i++) {
      p.put(i, (float) rnd.nextDouble(-1, 1));
    }
    return p;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (FloatPointer p : new FloatPointer[] {a, b, c}) {
      if (p != null) {
        p.close();
      }
    }
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  @Benchmark
  public FloatPointer sgemm() {
    gemmOperands();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, a, k, b, k, 0f, c, n);
    return c;
  }

  @Benchmark
  public float stream() throws Exception {
    if (pool == null) {
      return sum(weights, 0, weights.length);
    }
    int chunk = (weights.length + threads - 1) / threads;
    List<Future<Float>> parts = new ArrayList<>(threads);
    for (int t = 0; t < threads; t++) {
      int from = Math.min(weights.length, t * chunk);
      int to = Math.min(weights.length, from + chunk);
      parts.add(pool.submit(() -> sum(weights, from, to)));
    }
    float s = 0;
    for (Future<Float> f : parts) {
      s += f.get();
    }
    return s;
  }

  static float sum(float[] v, int from, int to) {
    int step = SPECIES.length();
    FloatVector s0 = FloatVector.zero(SPECIES);
    FloatVector s1 = FloatVector.zero(SPECIES);
    FloatVector s2 = FloatVector.zero(SPECIES);
    FloatVector s3 = FloatVector.zero(SPECIES);
    int i = from;
    for (; i + 4 * step <= to; i += 4 * step) {
      s0 = s0.add(FloatVector.fromArray(SPECIES, v, i));
      s1 = s1.add(FloatVector.fromArray(SPECIES, v, i + step));
      s2 = s2.add(FloatVector.fromArray(SPECIES, v, i + 2 * step));
      s3 = s3.add(FloatVector.fromArray(SPECIES, v, i + 3 * step));
    }
    float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    for (; i < to; i++) {
      s += v[i];
    }
    return s;
  }
}
