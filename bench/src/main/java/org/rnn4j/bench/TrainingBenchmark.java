package org.rnn4j.bench;

import java.util.List;
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
import org.rnn4j.SequenceBatch;
import org.rnn4j.TrainableModel;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.train.LearningRateSchedule;
import org.rnn4j.train.Optimizer;

/**
 * One training step — forward with recording, backward (upstream gradient dy fixed), Adam, re-pack
 * of the updated weights — of an rnn4j model ({@link TrainableModel}), and the forward pass alone
 * as the step runs it ({@code forward}: same sharding, recording the tape) in the same fork, so
 * {@link Report} can show the step's time relative to its forward pass. FLOP: forward
 * 2·G·H·(I+H)·T·B per layer and direction, backward twice that.
 *
 * <p>{@code split}: {@code kernels} = one unsplit pass, the backend's own threads inside the
 * products ({@code rnn4j.simd.threads} / {@code rnn4j.blas.threads} = threads); {@code batch} = the
 * batch's rows in {@code threads} shards on the trainer's pool ({@link TrainableModel#parallelise}),
 * the backend's products single-threaded so the two levels do not oversubscribe.
 *
 * <pre>
 * java -jar bench/target/rnn4j-benchmarks.jar TrainingBenchmark -prof gc -rf json -rff training-1t.json
 * java -jar bench/target/rnn4j-benchmarks.jar TrainingBenchmark -p threads=2 -p split=kernels,batch \
 *     -prof gc -rf json -rff training-2t.json
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TrainingBenchmark {
  @Param({"simd", "blas", "native"})
  public String impl;

  @Param({"lstm_512_512_50_64"})
  public String config;

  @Param({"1"})
  public int threads;

  @Param({"kernels"})
  public String split;

  private TrainableModel model;
  private Optimizer adam;
  private String[] names;
  private float[][] params;
  private float[][] grads;
  private SequenceBatch in;
  private float[] dy;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    boolean batchSplit = split.equals("batch");
    if (!batchSplit && !split.equals("kernels")) {
      throw new IllegalArgumentException("split must be kernels or batch, got " + split);
    }
    Runners.applyThreads(threads);
    if (batchSplit) {
      System.setProperty("rnn4j.simd.threads", "1");
      System.setProperty("rnn4j.blas.threads", "1");
    }
    BenchConfig c = BenchConfig.parse(config);
    Backend b;
    try {
      b = BackendRegistry.getDefault().get(impl);
    } catch (RuntimeException e) {
      throw new Runner.Unavailable(e.getMessage(), e);
    }
    model = TrainableModel.of(c.weights(), b);
    if (batchSplit && threads > 1) {
      model.parallelise(threads, threads);
    }
    List<String> n = model.parameterNames();
    names = n.toArray(new String[0]);
    params = new float[names.length][];
    grads = new float[names.length][];
    for (int i = 0; i < names.length; i++) {
      params[i] = model.parameter(i);
      grads[i] = model.gradient(i);
    }
    adam = Optimizer.adam(LearningRateSchedule.constant(1e-4), 0.9f, 0.999f, 1e-8f, 0f, false);
    in = SequenceBatch.seqFirst(c.inputData(), c.steps(), c.batch(), c.input());
    dy = new BenchConfig(c.cell(), c.outputWidth(), 1, 1, false, c.steps(), c.batch()).inputData();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    if (model != null) {
      model.close();
    }
  }

  @Benchmark
  public float[] train() {
    model.record(in, null);
    model.backward(dy, null, null);
    adam.step(names, params, grads);
    model.refresh();
    return params[0];
  }

  @Benchmark
  public float[] forward() {
    model.record(in, null);
    return model.output();
  }
}
