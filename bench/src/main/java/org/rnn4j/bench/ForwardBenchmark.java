package org.rnn4j.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.Workspace;
import org.rnn4j.backend.BackendRegistry;

/**
 * One-layer unidirectional forward pass, scalar vs simd. Shapes are "I_H_T_B". GFLOP/s (matrix
 * products only) = 2·T·B·G·H·(I + H) / time, G = 4 (LSTM) or 3 (GRU).
 *
 * <pre>
 * java -jar bench/target/rnn4j-benchmarks.jar ForwardBenchmark -f 1 -wi 2 -i 3 -w 2 -r 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ForwardBenchmark {
  @Param({"scalar", "simd"})
  public String backend;

  @Param({"lstm", "gru"})
  public String cell;

  @Param({"512_512_50_64", "512_512_100_1"})
  public String shape;

  private Model model;
  private Workspace workspace;
  private SequenceBatch input;

  @Setup(Level.Trial)
  public void setUp() {
    String[] s = shape.split("_");
    int in = Integer.parseInt(s[0]);
    int hidden = Integer.parseInt(s[1]);
    int steps = Integer.parseInt(s[2]);
    int batch = Integer.parseInt(s[3]);
    ModelSpec spec = ModelSpec.of(CellType.fromId(cell), in, hidden, 1, false);
    model = Model.of(ModelWeights.random(spec, 1), BackendRegistry.getDefault().get(backend));
    workspace = model.newWorkspace();
    float[] x = new float[steps * batch * in];
    SplittableRandom rnd = new SplittableRandom(2);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    input = SequenceBatch.seqFirst(x, steps, batch, in);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    model.close();
  }

  @Benchmark
  public ForwardResult forward() {
    return model.forward(input, workspace);
  }
}
