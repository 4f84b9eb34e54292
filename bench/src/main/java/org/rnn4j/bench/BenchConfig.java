package org.rnn4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

/**
 * One benchmark configuration: cell, sizes, layers, directions, sequence length and batch.
 *
 * <p>Written as {@code cell_I_H_T_B} with optional {@code _L<layers>} and {@code _bi} suffixes, e.g.
 * {@code lstm_512_512_50_64}, {@code lstm_256_256_50_1_L2_bi}, {@code gru_512_512_50_1},
 * {@code rnn_tanh_512_512_100_1}. That string is the JMH {@code config} parameter and the key the
 * {@link Report} groups rows by.
 */
public record BenchConfig(CellType cell, int input, int hidden, int layers, boolean bidirectional, int steps,
    int batch) {

  /** Seed of the weights every implementation of a configuration shares. */
  public static final long WEIGHT_SEED = 1;
  /** Seed of the input every implementation of a configuration shares. */
  public static final long INPUT_SEED = 2;

  /**
   * The standard matrix (issue #8): LSTM I=H ∈ {256, 512, 1024} with T = 25 and 100 at B = 1; LSTM
   * 256 T = 150 B = 1; LSTM 512 T = 50 at B = 16 and 64; GRU (reset-after) 512 T = 50 at B = 1 and
   * 64; RNN-tanh 512 T = 100 B = 1; a 2-layer bidirectional LSTM H = 256 T = 50 B = 1. The
   * streaming step (T = 1, B = 1, H = 512) is {@link StepBenchmark}'s.
   */
  public static final List<String> STANDARD = List.of(
      "lstm_256_256_25_1", "lstm_256_256_100_1",
      "lstm_512_512_25_1", "lstm_512_512_100_1",
      "lstm_1024_1024_25_1", "lstm_1024_1024_100_1",
      "lstm_256_256_150_1",
      "lstm_512_512_50_16", "lstm_512_512_50_64",
      "gru_512_512_50_1", "gru_512_512_50_64",
      "rnn_tanh_512_512_100_1",
      "lstm_256_256_50_1_L2_bi");

  public BenchConfig {
    if (input <= 0 || hidden <= 0 || layers <= 0 || steps <= 0 || batch <= 0) {
      throw new IllegalArgumentException("sizes must be positive: " + input + ", " + hidden + ", " + layers + ", "
          + steps + ", " + batch);
    }
  }

  /** Parses {@code cell_I_H_T_B[_L<n>][_bi]}; the cell may itself contain underscores (rnn_tanh). */
  public static BenchConfig parse(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    boolean bi = false;
    int layers = 1;
    List<String> parts = new ArrayList<>(List.of(s.split("_")));
    while (!parts.isEmpty()) {
      String last = parts.get(parts.size() - 1);
      if (last.equals("bi")) {
        bi = true;
      } else if (last.matches("l\\d+")) {
        layers = Integer.parseInt(last.substring(1));
      } else {
        break;
      }
      parts.remove(parts.size() - 1);
    }
    if (parts.size() < 5) {
      throw new IllegalArgumentException("configuration '" + text + "' is not cell_I_H_T_B[_L<layers>][_bi]");
    }
    int n = parts.size();
    String cell = String.join("_", parts.subList(0, n - 4));
    try {
      return new BenchConfig(CellType.fromId(cell), Integer.parseInt(parts.get(n - 4)),
          Integer.parseInt(parts.get(n - 3)), layers, bi, Integer.parseInt(parts.get(n - 2)),
          Integer.parseInt(parts.get(n - 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("configuration '" + text + "' is not cell_I_H_T_B[_L<layers>][_bi]", e);
    }
  }

  /** The canonical string, the inverse of {@link #parse}. */
  public String id() {
    return cell.id() + "_" + input + "_" + hidden + "_" + steps + "_" + batch + (layers > 1 ? "_L" + layers : "")
        + (bidirectional ? "_bi" : "");
  }

  /** A human-readable description for tables: {@code LSTM I=512 H=512 T=50 B=64}. */
  public String label() {
    String c = switch (cell) {
      case LSTM -> "LSTM";
      case GRU -> "GRU";
      case GRU_RESET_BEFORE -> "GRU (reset-before)";
      case RNN_TANH -> "RNN-tanh";
      case RNN_RELU -> "RNN-relu";
      case JORDAN -> "Jordan";
    };
    return (layers > 1 ? layers + "-layer " : "") + (bidirectional ? "bidir. " : "") + c + " I=" + input + " H="
        + hidden + " T=" + steps + " B=" + batch;
  }

  @Override
  public String toString() {
    return id();
  }

  public BenchConfig withSteps(int t) {
    return new BenchConfig(cell, input, hidden, layers, bidirectional, t, batch);
  }

  public BenchConfig withBatch(int b) {
    return new BenchConfig(cell, input, hidden, layers, bidirectional, steps, b);
  }

  public int directions() {
    return bidirectional ? 2 : 1;
  }

  public ModelSpec spec() {
    return ModelSpec.of(cell, input, hidden, layers, bidirectional);
  }

  public ModelWeights weights() {
    return ModelWeights.random(spec(), WEIGHT_SEED);
  }

  /** Width of one output step: D·H. */
  public int outputWidth() {
    return directions() * hidden;
  }

  /** Multiply-adds ×2 of the matrix products for one sequence step of one row: Σ_k D·2·G·H·(I_k + H). */
  public double flopsPerRowStep() {
    double f = 0;
    for (int k = 0; k < layers; k++) {
      int in = k == 0 ? input : directions() * hidden;
      f += directions() * 2.0 * cell.gates() * hidden * (in + hidden);
    }
    return f;
  }

  /** FLOP of one call (T steps × B rows), matrix products only. */
  public double flopsPerCall() {
    return flopsPerRowStep() * steps * batch;
  }

  /** Bytes of float32 weight matrices (W_ih and W_hh of every layer and direction). */
  public long weightBytes() {
    return (long) (flopsPerRowStep() / 2 * 4);
  }

  /**
   * Bytes of float32 recurrent weight matrices (W_hh of every layer and direction): what every
   * step must read, whatever is done with the input projection.
   */
  public long recurrentWeightBytes() {
    return (long) layers * directions() * cell.gates() * hidden * hidden * 4L;
  }

  /** FLOP of the input projections of one call (every layer's x·W_ihᵀ over T × B rows). */
  public double projectionFlopsPerCall() {
    double f = 0;
    for (int k = 0; k < layers; k++) {
      int in = k == 0 ? input : directions() * hidden;
      f += directions() * 2.0 * cell.gates() * hidden * in;
    }
    return f * steps * batch;
  }

  /**
   * Weight bytes a batch-1 call streams if every step reads every weight matrix once (the GEMV
   * bound): T × {@link #weightBytes()}.
   */
  public double weightBytesPerCall() {
    return (double) weightBytes() * steps;
  }

  /** The shared input, seq-first [T, B, I], standard normal. */
  public float[] inputData() {
    return inputData(steps, batch);
  }

  /** An input of another length/batch with the same distribution (for the correctness check). */
  public float[] inputData(int t, int b) {
    float[] x = new float[t * b * input];
    SplittableRandom rnd = new SplittableRandom(INPUT_SEED);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }

  /** GEMM dimensions of the same total size for the sgemm ceiling: M = T·B·L·D, N = G·H, K = I + H. */
  public int[] gemmShape() {
    long m = (long) steps * batch * layers * directions();
    int n = cell.gates() * hidden;
    long k = Math.round(flopsPerRowStep() / (2.0 * n * layers * directions()));
    return new int[] {(int) m, n, (int) k};
  }
}
