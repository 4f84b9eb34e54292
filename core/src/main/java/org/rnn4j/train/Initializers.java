package org.rnn4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

/** Weight initialisations: PyTorch's default, Xavier/Glorot, orthogonal recurrent matrices, the forget-gate bias. */
public final class Initializers {
  private Initializers() {
  }

  /** Uniform ±1/√H for every parameter (nn.LSTM's reset_parameters). */
  public static ModelWeights pytorchDefault(ModelSpec spec, long seed) {
    return ModelWeights.random(spec, seed);
  }

  /**
   * Xavier/Glorot uniform for every matrix (per gate block, fan_in + fan_out of the block), zeros
   * for biases and peepholes; with {@code orthogonalRecurrent}, each gate block of W_hh is a random
   * (semi-)orthogonal matrix instead.
   */
  public static ModelWeights xavier(ModelSpec spec, long seed, boolean orthogonalRecurrent) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Map<String, float[]> params = new LinkedHashMap<>();
    for (ModelWeights.Param p : ModelWeights.layout(spec)) {
      float[] v = new float[p.size()];
      if (p.shape().length == 2) {
        int rows = p.shape()[0];
        int cols = p.shape()[1];
        boolean gated = p.name().startsWith("weight_ih") || p.name().startsWith("weight_hh");
        int blockRows = gated ? rows / spec.cell().gates() : rows;
        for (int b = 0; b < rows / blockRows; b++) {
          if (orthogonalRecurrent && p.name().startsWith("weight_hh")) {
            orthogonal(v, b * blockRows * cols, blockRows, cols, rnd);
          } else {
            double bound = Math.sqrt(6.0 / (blockRows + cols));
            for (int i = b * blockRows * cols; i < (b + 1) * blockRows * cols; i++) {
              v[i] = (float) rnd.nextDouble(-bound, bound);
            }
          }
        }
      }
      params.put(p.name(), v);
    }
    return ModelWeights.of(spec, params);
  }

  /** A random rows×cols matrix with orthonormal rows (or columns, whichever are fewer), by Gram–Schmidt. */
  static void orthogonal(float[] out, int off, int rows, int cols, SplittableRandom rnd) {
    boolean tall = rows > cols;
    int n = tall ? cols : rows; // vectors to orthonormalise
    int len = tall ? rows : cols;
    double[][] q = new double[n][len];
    for (int i = 0; i < n; i++) {
      double[] v = q[i];
      double norm;
      do {
        for (int j = 0; j < len; j++) {
          v[j] = rnd.nextGaussian();
        }
        for (int pass = 0; pass < 2; pass++) { // twice, for numerical orthogonality
          for (int k = 0; k < i; k++) {
            double dot = 0;
            for (int j = 0; j < len; j++) {
              dot += v[j] * q[k][j];
            }
            for (int j = 0; j < len; j++) {
              v[j] -= dot * q[k][j];
            }
          }
        }
        norm = 0;
        for (double x : v) {
          norm += x * x;
        }
        norm = Math.sqrt(norm);
      } while (norm < 1e-6);
      for (int j = 0; j < len; j++) {
        v[j] /= norm;
      }
    }
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[off + r * cols + c] = (float) (tall ? q[c][r] : q[r][c]);
      }
    }
  }

  /**
   * Sets the LSTM forget-gate bias so that b_ih + b_hh = value for every unit (Jozefowicz et al.
   * recommend 1): b_ih's forget block becomes {@code value}, b_hh's becomes 0.
   */
  public static ModelWeights forgetBias(ModelWeights w, float value) {
    ModelSpec spec = w.spec();
    if (spec.cell() != CellType.LSTM) {
      throw new IllegalArgumentException("the forget-gate bias is an LSTM option; cell is " + spec.cell().id());
    }
    int h = spec.hiddenSize();
    Map<String, float[]> params = new LinkedHashMap<>();
    for (String name : w.names()) {
      float[] v = w.get(name);
      if (name.startsWith("bias_ih_") || name.startsWith("bias_hh_")) {
        java.util.Arrays.fill(v, h, 2 * h, name.startsWith("bias_ih_") ? value : 0f);
      }
      params.put(name, v);
    }
    return ModelWeights.of(spec, params);
  }
}
