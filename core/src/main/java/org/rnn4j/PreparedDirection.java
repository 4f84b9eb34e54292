package org.rnn4j;

import java.util.List;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * The weights of one layer and direction, prepared once for a backend: matrices packed in the
 * backend's layout, biases combined the way the fused kernels take them.
 */
final class PreparedDirection implements AutoCloseable {
  final CellType cell;
  final int hidden;
  final int outWidth;
  final CellFunctions fns;
  final PackedMatrix wIh;
  /** W_hh for every cell but the reset-before GRU. */
  final PackedMatrix wHh;
  /** Reset-before GRU: the r and z rows of W_hh, and the n rows, applied to r⊙h. */
  final PackedMatrix wHhRz;
  final PackedMatrix wHhN;
  final PackedMatrix wHr;
  final PackedMatrix wHo;
  final float[] bias;
  final float[] peep;
  final float[] bHo;
  /** The parameter arrays this was prepared from (the model's own, never modified here): what {@link #refresh} reads. */
  private final float[] srcIh;
  private final float[] srcHh;
  private final float[] srcBIh;
  private final float[] srcBHh;
  private final float[] srcHr;
  private final float[] srcPeep;
  private final float[] srcHo;
  private final float[] srcBHo;
  private final int layerInput;

  PreparedDirection(ModelSpec spec, ModelWeights w, int layer, int dir, Kernels k, Precision precision) {
    this.cell = spec.cell();
    this.hidden = spec.hiddenSize();
    this.outWidth = spec.outputWidth();
    List<Activation> acts = spec.activations().get(dir);
    Activation third = acts.size() > 2 ? acts.get(2) : acts.get(acts.size() - 1);
    this.fns = switch (cell) {
      case LSTM -> new CellFunctions(acts.get(0), acts.get(1), acts.get(2), spec.clip(), spec.inputForget());
      case GRU, GRU_RESET_BEFORE -> new CellFunctions(acts.get(0), acts.get(1), third, spec.clip(), false);
      case RNN_TANH, RNN_RELU -> new CellFunctions(acts.get(0), acts.get(0), acts.get(0), spec.clip(), false);
      case JORDAN -> new CellFunctions(acts.get(0), acts.get(0), acts.get(1), spec.clip(), false);
    };
    int gh = spec.gateRows();
    int h = hidden;
    float[] ih = w.values(ModelWeights.name("weight_ih", layer, dir));
    float[] hh = w.values(ModelWeights.name("weight_hh", layer, dir));
    float[] bIh = w.values(ModelWeights.name("bias_ih", layer, dir));
    float[] bHh = w.values(ModelWeights.name("bias_hh", layer, dir));
    int recurrentIn = spec.outputWidth();
    this.layerInput = spec.layerInputSize(layer);
    this.srcIh = ih;
    this.srcHh = hh;
    this.srcBIh = bIh;
    this.srcBHh = bHh;
    this.srcHr = spec.projSize() > 0 ? w.values(ModelWeights.name("weight_hr", layer, dir)) : null;
    this.srcPeep = spec.peepholes() ? w.values(ModelWeights.name("weight_peep", layer, dir)) : null;
    this.srcHo = cell == CellType.JORDAN ? w.values(ModelWeights.name("weight_ho", layer, dir)) : null;
    this.srcBHo = cell == CellType.JORDAN ? w.values(ModelWeights.name("bias_ho", layer, dir)) : null;
    this.wIh = k.pack(ih, 0, gh, spec.layerInputSize(layer), precision);
    if (cell == CellType.GRU_RESET_BEFORE) {
      this.wHh = null;
      this.wHhRz = k.pack(hh, 0, 2 * h, recurrentIn, precision);
      this.wHhN = k.pack(hh, 2 * h * recurrentIn, h, recurrentIn, precision);
    } else {
      this.wHh = k.pack(hh, 0, gh, recurrentIn, precision);
      this.wHhRz = null;
      this.wHhN = null;
    }
    bias = new float[cell.isGru() ? 4 * h : gh];
    combineBiases(bIh, bHh);
    this.wHr = spec.projSize() > 0
        ? k.pack(w.values(ModelWeights.name("weight_hr", layer, dir)), 0, spec.projSize(), h, precision) : null;
    this.peep = spec.peepholes() ? w.values(ModelWeights.name("weight_peep", layer, dir)).clone() : null;
    if (cell == CellType.JORDAN) {
      this.wHo = k.pack(w.values(ModelWeights.name("weight_ho", layer, dir)), 0, spec.outputSize(), h);
      this.bHo = w.values(ModelWeights.name("bias_ho", layer, dir)).clone();
    } else {
      this.wHo = null;
      this.bHo = null;
    }
  }

  /** bias = b_ih + b_hh; for GRUs the n parts stay apart: [b_r, b_z, b_in, b_hn]. */
  private void combineBiases(float[] bIh, float[] bHh) {
    int h = hidden;
    if (cell.isGru()) {
      for (int j = 0; j < 2 * h; j++) {
        bias[j] = bIh[j] + bHh[j];
      }
      System.arraycopy(bIh, 2 * h, bias, 2 * h, h);
      System.arraycopy(bHh, 2 * h, bias, 3 * h, h);
    } else {
      for (int j = 0; j < bias.length; j++) {
        bias[j] = bIh[j] + bHh[j];
      }
    }
  }

  /**
   * Re-prepares everything from the (changed) values in {@code w}, in place and without allocating:
   * matrices re-packed with {@link Kernels#repack}, biases recombined, and the transposed copies of
   * the backward pass refreshed when they exist. {@code scratch} holds at least the largest matrix.
   * Not safe while another thread uses this direction.
   */
  void refresh(Kernels k, float[] scratch) {
    int h = hidden;
    k.repack(wIh, srcIh, 0);
    if (cell == CellType.GRU_RESET_BEFORE) {
      k.repack(wHhRz, srcHh, 0);
      k.repack(wHhN, srcHh, 2 * h * outWidth);
    } else {
      k.repack(wHh, srcHh, 0);
    }
    combineBiases(srcBIh, srcBHh);
    if (wHr != null) {
      k.repack(wHr, srcHr, 0);
    }
    if (peep != null) {
      System.arraycopy(srcPeep, 0, peep, 0, peep.length);
    }
    if (wHo != null) {
      k.repack(wHo, srcHo, 0);
      System.arraycopy(srcBHo, 0, bHo, 0, bHo.length);
    }
    Transposed t = transposed;
    if (t != null) {
      int gh = cell.gates() * h;
      t.repackTransposed(k, t.wIh, srcIh, 0, gh, layerInput, scratch);
      if (cell == CellType.GRU_RESET_BEFORE) {
        t.repackTransposed(k, t.wHh, srcHh, 0, 2 * h, outWidth, scratch);
        t.repackTransposed(k, t.wHn, srcHh, 2 * h * outWidth, h, outWidth, scratch);
      } else {
        t.repackTransposed(k, t.wHh, srcHh, 0, gh, outWidth, scratch);
      }
      if (wHr != null) {
        t.repackTransposed(k, t.wHr, srcHr, 0, wHr.rows(), h, scratch);
      }
      if (wHo != null) {
        t.repackTransposed(k, t.wHo, srcHo, 0, wHo.rows(), h, scratch);
      }
    }
  }

  /** Floats of scratch {@link #refresh} needs: the largest matrix. */
  int refreshScratchSize() {
    int n = srcIh.length;
    n = Math.max(n, srcHh.length);
    if (srcHr != null) {
      n = Math.max(n, srcHr.length);
    }
    if (srcHo != null) {
      n = Math.max(n, srcHo.length);
    }
    return n;
  }

  /** Transposed weights for the backward pass, packed on first use (inference never pays for them). */
  private volatile Transposed transposed;

  /**
   * The backward pass multiplies gradients by W rather than Wᵀ; packing Wᵀ once lets those
   * products use the backend's fast {@code matmulPacked} path.
   */
  static final class Transposed {
    /** W_ihᵀ [in, G·H]. */
    final PackedMatrix wIh;
    /** W_hhᵀ [Hout, G·H]; for the reset-before GRU, the r and z rows only [H, 2H]. */
    final PackedMatrix wHh;
    /** Reset-before GRU: W_hnᵀ [H, H]. */
    final PackedMatrix wHn;
    /** W_hrᵀ [H, P]. */
    final PackedMatrix wHr;
    /** W_hoᵀ [H, O]. */
    final PackedMatrix wHo;

    Transposed(ModelSpec spec, ModelWeights w, int layer, int dir, Kernels k) {
      int gh = spec.gateRows();
      int h = spec.hiddenSize();
      int rec = spec.outputWidth();
      float[] ih = w.values(ModelWeights.name("weight_ih", layer, dir));
      float[] hh = w.values(ModelWeights.name("weight_hh", layer, dir));
      wIh = packTransposed(k, ih, 0, gh, spec.layerInputSize(layer));
      if (spec.cell() == CellType.GRU_RESET_BEFORE) {
        wHh = packTransposed(k, hh, 0, 2 * h, rec);
        wHn = packTransposed(k, hh, 2 * h * rec, h, rec);
      } else {
        wHh = packTransposed(k, hh, 0, gh, rec);
        wHn = null;
      }
      wHr = spec.projSize() > 0
          ? packTransposed(k, w.values(ModelWeights.name("weight_hr", layer, dir)), 0, spec.projSize(), h) : null;
      wHo = spec.cell() == CellType.JORDAN
          ? packTransposed(k, w.values(ModelWeights.name("weight_ho", layer, dir)), 0, spec.outputSize(), h) : null;
    }

    void repackTransposed(Kernels k, PackedMatrix m, float[] a, int off, int rows, int cols,
        float[] scratch) {
      transpose(a, off, rows, cols, scratch);
      k.repack(m, scratch, 0);
    }

    private static void transpose(float[] a, int off, int rows, int cols, float[] t) {
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          t[c * rows + r] = a[off + r * cols + c];
        }
      }
    }

    /** Packs the transpose of the rows×cols block of {@code a} at {@code off}. */
    private static PackedMatrix packTransposed(Kernels k, float[] a, int off, int rows, int cols) {
      float[] t = new float[rows * cols];
      transpose(a, off, rows, cols, t);
      return k.pack(t, 0, cols, rows);
    }

    void close() {
      for (PackedMatrix m : new PackedMatrix[] {wIh, wHh, wHn, wHr, wHo}) {
        if (m != null) {
          m.close();
        }
      }
    }
  }

  Transposed transposed(ModelSpec spec, ModelWeights w, int layer, int dir, Kernels k) {
    Transposed t = transposed;
    if (t == null) {
      synchronized (this) {
        t = transposed;
        if (t == null) {
          t = new Transposed(spec, w, layer, dir, k);
          transposed = t;
        }
      }
    }
    return t;
  }

  long packedBytes() {
    long n = 0;
    for (PackedMatrix m : new PackedMatrix[] {wIh, wHh, wHhRz, wHhN, wHr, wHo}) {
      if (m != null) {
        n += m.byteSize();
      }
    }
    return n;
  }

  @Override
  public void close() {
    for (PackedMatrix m : new PackedMatrix[] {wIh, wHh, wHhRz, wHhN, wHr, wHo}) {
      if (m != null) {
        m.close();
      }
    }
    Transposed t = transposed;
    if (t != null) {
      t.close();
    }
  }
}
