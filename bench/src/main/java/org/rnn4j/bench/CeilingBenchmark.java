package org.rnn4j.bench;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;

import java.util.SplittableRandom;
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
import org.rnn4j.spi.WorkerPool;

/**
 * The machine's ceilings for each configuration, at the same thread count:
 * <ul>
 *   <li>{@code sgemm}: OpenBLAS {@code cblas_sgemm} (JavaCPP, off-heap operands, B transposed as
 *       in the input projection) on M = T·B·L·D, N = G·H, K = I + H (averaged over layers): the same
 *       FLOP as one call, in one well-shaped product. {@code rnn4j.blas.threads} = threads;
 *   <li>{@code stream}: the sum of a float array as large as the configuration's weight matrices,
 *       read as a batch-1 product reads its panels: split over rnn4j's {@link WorkerPool} (the
 *       one simd and native use) in 4 chunks per thread, each chunk four sequential streams (the
 *       GEMV's four panels at once). The bandwidth a batch-1 step, which must read every weight
 *       once, is bound by;
 *   <li>{@code recurrence}: T such passes over an array the size of the recurrent weights alone
 *       (W_hh of every layer and direction), one pool job per pass as a batch-1 step has: the
 *       least time the recurrent products of a batch-1 call can take here at this thread count,
 *       whatever is done with the input projection (each step needs the last step's h, so the
 *       passes cannot overlap);
 *   <li>{@code fma}: register-only FMA chains (12 per thread, the preferred species) on the same
 *       pool and split: the arithmetic peak that bounds the input projection.
 * </ul>
 * {@link Report} turns these into GFLOP/s and GB/s, the "% of ceiling" columns and the batch-1
 * floors table (recurrence + the projection at the FMA peak, against ONNX Runtime's time).
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
  private int recurrentFloats;
  private int steps;
  /** rnn4j's pool at {@code threads} (null at 1 thread: the chunks run on the caller). */
  private WorkerPool pool;
  private StreamJob streamJob;
  private FmaJob fmaJob;

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
    recurrentFloats = (int) (cfg.recurrentWeightBytes() / 4);
    steps = cfg.steps();
    if (threads > 1) {
      pool = WorkerPool.shared(threads);
    }
    streamJob = new StreamJob(StreamJob.CHUNKS_PER_THREAD * threads);
    fmaJob = new FmaJob(FMA_CHUNKS_PER_THREAD * threads);
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
  }

  @Benchmark
  public FloatPointer sgemm() {
    gemmOperands();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1f, a, k, b, k, 0f, c, n);
    return c;
  }

  @Benchmark
  public float stream() {
    return pass(weights.length);
  }

  @Benchmark
  public float recurrence() {
    float s = 0;
    for (int t = 0; t < steps; t++) {
      s += pass(recurrentFloats);
    }
    return s;
  }

  @Benchmark
  public float fma() {
    run(fmaJob, fmaJob.chunks);
    return fmaJob.sum();
  }

  /**
   * {@link #fma()}: chunks per thread, chains per chunk and multiply-adds per chain in lanes (the
   * same FLOP at every vector width). Compile-time constants, so {@link Report} reads them without
   * initialising this class (which needs the vector module).
   */
  static final int FMA_CHUNKS_PER_THREAD = 4;
  static final int FMA_CHAINS = 12;
  static final int FMA_LANE_FMAS = 1 << 20;

  /** One pass over the first {@code floats} of the weights array, split as a batch-1 product is. */
  private float pass(int floats) {
    streamJob.floats = floats;
    run(streamJob, streamJob.chunks);
    return streamJob.sum();
  }

  private void run(WorkerPool.Job job, int chunks) {
    if (pool != null && pool.tryAcquire()) {
      try {
        pool.run(job, chunks);
      } finally {
        pool.release();
      }
    } else {
      for (int c = 0; c < chunks; c++) {
        job.run(c);
      }
    }
  }

  /** Per-chunk results, a cache line apart (no false sharing between the threads). */
  private abstract static class Sums implements WorkerPool.Job {
    final int chunks;
    final float[] sums;

    Sums(int chunks) {
      this.chunks = chunks;
      this.sums = new float[16 * chunks];
    }

    float sum() {
      float s = 0;
      for (int i = 0; i < sums.length; i += 16) {
        s += sums[i];
      }
      return s;
    }
  }

  private final class StreamJob extends Sums {
    /** As the batch-1 product: about four chunks per thread (`PanelProduct`). */
    static final int CHUNKS_PER_THREAD = 4;
    int floats;

    StreamJob(int chunks) {
      super(chunks);
    }

    @Override
    public void run(int c) {
      int from = (int) ((long) floats * c / chunks);
      int to = (int) ((long) floats * (c + 1) / chunks);
      sums[c * 16] = sum4(weights, from, to);
    }
  }

  private static final class FmaJob extends Sums {
    FmaJob(int chunks) {
      super(chunks);
    }

    @Override
    public void run(int c) {
      sums[c * 16] = chains(FMA_LANE_FMAS / SPECIES.length(), c);
    }

    /**
     * {@link #FMA_CHAINS} independent FMA chains from distinct starts. The start is a float
     * parameter on purpose: broadcast from an int (the long overload) halved the loop's speed on
     * JDK 25.
     */
    static float chains(int n, float c) {
      FloatVector m = FloatVector.broadcast(SPECIES, 0.999f);
      FloatVector d = FloatVector.broadcast(SPECIES, 0.001f);
      FloatVector a0 = FloatVector.broadcast(SPECIES, c);
      FloatVector a1 = FloatVector.broadcast(SPECIES, c + 1);
      FloatVector a2 = FloatVector.broadcast(SPECIES, c + 2);
      FloatVector a3 = FloatVector.broadcast(SPECIES, c + 3);
      FloatVector a4 = FloatVector.broadcast(SPECIES, c + 4);
      FloatVector a5 = FloatVector.broadcast(SPECIES, c + 5);
      FloatVector a6 = FloatVector.broadcast(SPECIES, c + 6);
      FloatVector a7 = FloatVector.broadcast(SPECIES, c + 7);
      FloatVector a8 = FloatVector.broadcast(SPECIES, c + 8);
      FloatVector a9 = FloatVector.broadcast(SPECIES, c + 9);
      FloatVector a10 = FloatVector.broadcast(SPECIES, c + 10);
      FloatVector a11 = FloatVector.broadcast(SPECIES, c + 11);
      for (int i = 0; i < n; i++) {
        a0 = a0.fma(m, d);
        a1 = a1.fma(m, d);
        a2 = a2.fma(m, d);
        a3 = a3.fma(m, d);
        a4 = a4.fma(m, d);
        a5 = a5.fma(m, d);
        a6 = a6.fma(m, d);
        a7 = a7.fma(m, d);
        a8 = a8.fma(m, d);
        a9 = a9.fma(m, d);
        a10 = a10.fma(m, d);
        a11 = a11.fma(m, d);
      }
      FloatVector s = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)));
      return s.reduceLanes(VectorOperators.ADD);
    }
  }

  /** The sum of [from, to) read as four sequential streams, then the few floats past them. */
  static float sum4(float[] v, int from, int to) {
    int l = SPECIES.length();
    int len = (to - from) / (4 * l) * l;
    int q1 = from + len;
    int q2 = q1 + len;
    int q3 = q2 + len;
    FloatVector s0 = FloatVector.zero(SPECIES);
    FloatVector s1 = s0;
    FloatVector s2 = s0;
    FloatVector s3 = s0;
    for (int i = 0; i < len; i += l) {
      s0 = s0.add(FloatVector.fromArray(SPECIES, v, from + i));
      s1 = s1.add(FloatVector.fromArray(SPECIES, v, q1 + i));
      s2 = s2.add(FloatVector.fromArray(SPECIES, v, q2 + i));
      s3 = s3.add(FloatVector.fromArray(SPECIES, v, q3 + i));
    }
    float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    for (int i = q3 + len; i < to; i++) {
      s += v[i];
    }
    return s;
  }
}
