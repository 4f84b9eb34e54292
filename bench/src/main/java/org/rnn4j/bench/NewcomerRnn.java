package org.rnn4j.bench;

import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

/**
 * The floor: the LSTM (and GRU, RNN-tanh) a newcomer writes from the equations, straight loops
 * over row-major {@code float[]} weights, no blocking, no packing, no precomputed input
 * projection, Math.exp/Math.tanh. Same weights and semantics as rnn4j (PyTorch gate order; GRU
 * reset-after), zero initial states.
 */
final class NewcomerRnn implements Runner {
  private final ModelSpec spec;
  private final CellType cell;
  private final int h;
  private final int g;
  /** Per layer × direction: W_ih, W_hh, b_ih, b_hh. */
  private final float[][] wih;
  private final float[][] whh;
  private final float[][] bih;
  private final float[][] bhh;
  private float[] boundX;
  private int boundSteps;
  private int boundBatch;

  NewcomerRnn(ModelWeights w) {
    this.spec = w.spec();
    this.cell = spec.cell();
    if (cell != CellType.LSTM && cell != CellType.GRU && cell != CellType.RNN_TANH) {
      throw new IllegalArgumentException("the newcomer implements lstm, gru and rnn_tanh, not " + cell.id());
    }
    if (spec.projSize() > 0 || spec.peepholes() || spec.inputForget() || spec.clips() || spec.residual()
        || !spec.defaultActivations()) {
      throw new IllegalArgumentException("the newcomer implements plain PyTorch cells only: " + spec);
    }
    this.h = spec.hiddenSize();
    this.g = cell.gates();
    int n = spec.directionCount();
    wih = new float[n][];
    whh = new float[n][];
    bih = new float[n][];
    bhh = new float[n][];
    for (int k = 0; k < spec.numLayers(); k++) {
      for (int d = 0; d < spec.directions(); d++) {
        int i = k * spec.directions() + d;
        wih[i] = w.get(ModelWeights.name("weight_ih", k, d));
        whh[i] = w.get(ModelWeights.name("weight_hh", k, d));
        bih[i] = w.get(ModelWeights.name("bias_ih", k, d));
        bhh[i] = w.get(ModelWeights.name("bias_hh", k, d));
      }
    }
  }

  @Override
  public float[] output(float[] x, int steps, int batch) {
    float[] in = x;
    int inSize = spec.inputSize();
    int dirs = spec.directions();
    for (int k = 0; k < spec.numLayers(); k++) {
      float[] out = new float[steps * batch * dirs * h];
      for (int d = 0; d < dirs; d++) {
        int wi = k * dirs + d;
        for (int b = 0; b < batch; b++) {
          float[] hState = new float[h];
          float[] cState = new float[h];
          for (int s = 0; s < steps; s++) {
            int t = d == 0 ? s : steps - 1 - s;
            float[] xt = new float[inSize];
            System.arraycopy(in, (t * batch + b) * inSize, xt, 0, inSize);
            float[] hNew = cellStep(wi, xt, inSize, hState, cState);
            hState = hNew;
            System.arraycopy(hState, 0, out, ((t * batch + b) * dirs + d) * h, h);
          }
        }
      }
      in = out;
      inSize = dirs * h;
    }
    return in;
  }

  /** One step of one row: returns the new h, updates c in place (LSTM). */
  private float[] cellStep(int wi, float[] x, int inSize, float[] hPrev, float[] c) {
    float[] gi = new float[g * h];
    float[] gh = new float[g * h];
    for (int j = 0; j < g * h; j++) {
      float s = bih[wi][j];
      for (int i = 0; i < inSize; i++) {
        s += wih[wi][j * inSize + i] * x[i];
      }
      gi[j] = s;
      float r = bhh[wi][j];
      for (int i = 0; i < h; i++) {
        r += whh[wi][j * h + i] * hPrev[i];
      }
      gh[j] = r;
    }
    float[] hNew = new float[h];
    for (int j = 0; j < h; j++) {
      switch (cell) {
        case LSTM -> {
          float ig = sigmoid(gi[j] + gh[j]);
          float fg = sigmoid(gi[h + j] + gh[h + j]);
          float gg = (float) Math.tanh(gi[2 * h + j] + gh[2 * h + j]);
          float og = sigmoid(gi[3 * h + j] + gh[3 * h + j]);
          c[j] = fg * c[j] + ig * gg;
          hNew[j] = og * (float) Math.tanh(c[j]);
        }
        case GRU -> {
          float r = sigmoid(gi[j] + gh[j]);
          float z = sigmoid(gi[h + j] + gh[h + j]);
          float n = (float) Math.tanh(gi[2 * h + j] + r * gh[2 * h + j]);
          hNew[j] = (1 - z) * n + z * hPrev[j];
        }
        default -> hNew[j] = (float) Math.tanh(gi[j] + gh[j]);
      }
    }
    return hNew;
  }

  private static float sigmoid(float v) {
    return (float) (1.0 / (1.0 + Math.exp(-v)));
  }

  @Override
  public void bind(float[] x, int steps, int batch) {
    boundX = x;
    boundSteps = steps;
    boundBatch = batch;
  }

  @Override
  public Object call() {
    return output(boundX, boundSteps, boundBatch);
  }

  @Override
  public Stepper stepper(int batch) {
    if (spec.bidirectional()) {
      return null;
    }
    return new Stepper() {
      private float[][] hs = new float[spec.numLayers() * batch][h];
      private float[][] cs = new float[spec.numLayers() * batch][h];

      @Override
      public float[] step(float[] x) {
        float[] y = new float[batch * h];
        for (int b = 0; b < batch; b++) {
          int inSize = spec.inputSize();
          float[] in = new float[inSize];
          System.arraycopy(x, b * inSize, in, 0, inSize);
          for (int k = 0; k < spec.numLayers(); k++) {
            int s = k * batch + b;
            hs[s] = cellStep(k, in, inSize, hs[s], cs[s]);
            in = hs[s];
            inSize = h;
          }
          System.arraycopy(in, 0, y, b * h, h);
        }
        return y;
      }

      @Override
      public void reset() {
        hs = new float[spec.numLayers() * batch][h];
        cs = new float[spec.numLayers() * batch][h];
      }
    };
  }

  @Override
  public void close() {
  }
}
