package org.rnn4j;

import java.util.LinkedHashMap;
import java.util.Map;
import org.rnn4j.spi.Kernels;

/**
 * Backpropagation through time over a recorded forward pass ({@link Tape}), written once against
 * the kernel SPI: the weight gradients are transposed GEMMs accumulated with beta = 1, the input
 * and state gradients plain GEMMs; the per-cell derivative arithmetic is here, per step and row.
 *
 * <p>It walks each direction in the opposite order of the forward pass. As in the forward pass,
 * rows are sorted by length so the rows alive at step t are a prefix; a row's state gradient waits
 * in {@code dh}/{@code dc} until the walk reaches its last step, and what is left there at the
 * end is the gradient of the initial state.
 */
final class Backprop {
  private final ModelSpec spec;
  private final ModelWeights weights;
  private final Kernels k;
  private final PreparedDirection[] prepared;
  private final Tape tape;
  private final Map<String, float[]> grads = new LinkedHashMap<>();

  Backprop(ModelSpec spec, ModelWeights weights, Kernels k, PreparedDirection[] prepared, Tape tape) {
    this.spec = spec;
    this.weights = weights;
    this.k = k;
    this.prepared = prepared;
    this.tape = tape;
    for (ModelWeights.Param p : ModelWeights.layout(spec)) {
      grads.put(p.name(), new float[p.size()]);
    }
  }

  Gradients run(boolean batchFirst, float[] dy, float[] dhN, float[] dcN) {
    int steps = tape.steps;
    int batch = tape.batch;
    int width = spec.directions() * spec.outputWidth();
    float[] dOut = new float[tape.rows * width];
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < tape.batchSizes[t]; r++) {
        int b = tape.order[r];
        int src = batchFirst ? (b * steps + t) * width : (t * batch + b) * width;
        System.arraycopy(dy, src, dOut, (tape.offsets[t] + r) * width, width);
      }
    }
    int slots = spec.directionCount();
    float[] dh0 = new float[slots * batch * spec.outputWidth()];
    float[] dc0 = spec.hasCellState() ? new float[slots * batch * spec.hiddenSize()] : null;
    for (int layer = spec.numLayers() - 1; layer >= 0; layer--) {
      int inWidth = spec.layerInputSize(layer);
      float[] dIn = new float[tape.rows * inWidth];
      for (int d = 0; d < spec.directions(); d++) {
        direction(layer, d, dOut, width, dIn, inWidth, dhN, dcN, dh0, dc0);
      }
      if (spec.residual() && layer > 0) {
        k.axpy(dIn.length, 1f, dOut, 0, dIn, 0);
      }
      float[] mask = layer > 0 ? tape.dropoutMasks[layer - 1] : null;
      if (mask != null) {
        for (int i = 0; i < dIn.length; i++) {
          dIn[i] *= mask[i];
        }
      }
      dOut = dIn;
    }
    int features = spec.inputSize();
    float[] dx = new float[steps * batch * features];
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < tape.batchSizes[t]; r++) {
        int b = tape.order[r];
        int dst = batchFirst ? (b * steps + t) * features : (t * batch + b) * features;
        System.arraycopy(dOut, (tape.offsets[t] + r) * features, dx, dst, features);
      }
    }
    Map<String, FloatTensor> params = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : grads.entrySet()) {
      params.put(e.getKey(), new FloatTensor(e.getValue(), weights.shape(e.getKey())));
    }
    int[] xShape = batchFirst ? new int[] {batch, steps, features} : new int[] {steps, batch, features};
    return new Gradients(new FloatTensor(dx, xShape), new FloatTensor(dh0, new int[] {slots, batch,
        spec.outputWidth()}), dc0 == null ? null : new FloatTensor(dc0, new int[] {slots, batch,
        spec.hiddenSize()}), params);
  }

  private float[] grad(String base, int layer, int dir) {
    return grads.get(ModelWeights.name(base, layer, dir));
  }

  private float[] weight(String base, int layer, int dir) {
    return weights.values(ModelWeights.name(base, layer, dir));
  }

  private void direction(int layer, int dir, float[] dOut, int width, float[] dIn, int inWidth, float[] dhN,
      float[] dcN, float[] dh0, float[] dc0) {
    int slot = layer * spec.directions() + dir;
    PreparedDirection p = prepared[slot];
    Tape.Direction td = tape.dirs[slot];
    int steps = tape.steps;
    int batch = tape.batch;
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    int gh = spec.gateRows();
    float[] dh = new float[batch * hOut];
    float[] dc = spec.hasCellState() ? new float[batch * hid] : null;
    for (int r = 0; r < batch; r++) {
      int b = tape.order[r];
      if (dhN != null) {
        System.arraycopy(dhN, (slot * batch + b) * hOut, dh, r * hOut, hOut);
      }
      if (dc != null && dcN != null) {
        System.arraycopy(dcN, (slot * batch + b) * hid, dc, r * hid, hid);
      }
    }
    float[] dX = new float[tape.rows * gh];
    StepBuffers sb = new StepBuffers(batch, gh, hid, hOut);
    for (int i = steps - 1; i >= 0; i--) {
      int t = dir == 0 ? i : steps - 1 - i;
      int rows = tape.batchSizes[t];
      if (rows == 0) {
        continue;
      }
      int base = tape.offsets[t];
      for (int r = 0; r < rows; r++) {
        k.axpy(hOut, 1f, dOut, (base + r) * width + dir * hOut, dh, r * hOut);
      }
      int prev = dir == 0 ? t - 1 : t + 1;
      boolean hasPrev = prev >= 0 && prev < steps;
      int prevRows = hasPrev ? tape.batchSizes[prev] : 0;
      gatherPrevious(td.h, td.h0, hOut, rows, prevRows, hasPrev ? tape.offsets[prev] : 0, sb.hp);
      if (td.c != null) {
        gatherPrevious(td.c, td.c0, hid, rows, prevRows, hasPrev ? tape.offsets[prev] : 0, sb.cp);
      }
      switch (spec.cell()) {
        case LSTM -> lstmStep(layer, dir, p, td, base, rows, dh, dc, dX, sb);
        case GRU, GRU_RESET_BEFORE -> gruStep(layer, dir, p, td, base, rows, dh, dX, sb);
        case RNN_TANH, RNN_RELU -> rnnStep(layer, dir, p, td, base, rows, dh, dX, sb);
        case JORDAN -> jordanStep(layer, dir, p, td, base, rows, dh, dX, sb);
      }
    }
    // The input projection of every step at once: dW_ih += dXᵀ·in, db_ih, and the layer input's gradient.
    float[] in = tape.layerInput[layer];
    k.gemm(true, false, gh, inWidth, tape.rows, 1f, dX, 0, gh, in, 0, inWidth, 1f, grad("weight_ih", layer, dir), 0,
        inWidth);
    columnSums(dX, tape.rows, gh, grad("bias_ih", layer, dir), 0);
    k.gemm(false, false, tape.rows, inWidth, gh, 1f, dX, 0, gh, weight("weight_ih", layer, dir), 0, inWidth, 1f, dIn,
        0, inWidth);
    for (int r = 0; r < batch; r++) {
      int b = tape.order[r];
      System.arraycopy(dh, r * hOut, dh0, (slot * batch + b) * hOut, hOut);
      if (dc != null) {
        System.arraycopy(dc, r * hid, dc0, (slot * batch + b) * hid, hid);
      }
    }
  }

  /** Scratch of one step's backward computation, sized for the whole batch. */
  private static final class StepBuffers {
    final float[] hp;
    final float[] cp;
    final float[] dHg;
    final float[] dTmp;
    final float[] tmp2;

    StepBuffers(int batch, int gh, int hid, int hOut) {
      hp = new float[batch * hOut];
      cp = new float[batch * hid];
      dHg = new float[batch * gh];
      dTmp = new float[batch * Math.max(hid, hOut)];
      tmp2 = new float[batch * Math.max(hid, hOut)];
    }
  }

  /** The state each alive row had before this step: the previous step's, or the initial state for rows that start here. */
  private static void gatherPrevious(float[] states, float[] initial, int width, int rows, int prevRows, int prevBase,
      float[] out) {
    int fromPrev = Math.min(rows, prevRows);
    System.arraycopy(states, prevBase * width, out, 0, fromPrev * width);
    System.arraycopy(initial, fromPrev * width, out, fromPrev * width, (rows - fromPrev) * width);
  }

  private static void columnSums(float[] a, int rows, int cols, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        out[outOff + j] += a[r * cols + j];
      }
    }
  }

  /**
   * The recurrent side of a step: db_hh += Σ dHg, dW_hh += dHgᵀ·h_prev (first kRows rows of
   * W_hh), and dh_prev = direct + dHg·W_hh, which replaces the alive rows of dh.
   */
  private void recurrentBackward(int layer, int dir, int rows, int kRows, float[] dHg, int ldHg, float[] hp,
      float[] direct, float[] dh) {
    int hOut = spec.outputWidth();
    float[] wHh = weight("weight_hh", layer, dir);
    columnSums(dHg, rows, ldHg, grad("bias_hh", layer, dir), 0);
    k.gemm(true, false, kRows, hOut, rows, 1f, dHg, 0, ldHg, hp, 0, hOut, 1f, grad("weight_hh", layer, dir), 0, hOut);
    if (direct == null) {
      k.gemm(false, false, rows, hOut, kRows, 1f, dHg, 0, ldHg, wHh, 0, hOut, 0f, dh, 0, hOut);
    } else {
      k.gemm(false, false, rows, hOut, kRows, 1f, dHg, 0, ldHg, wHh, 0, hOut, 1f, direct, 0, hOut);
      System.arraycopy(direct, 0, dh, 0, rows * hOut);
    }
  }

  private void lstmStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows, float[] dh,
      float[] dc, float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    int gh = 4 * hid;
    float[] dHt = dh;
    if (p.wHr != null) {
      // h = W_hr·h̃: dW_hr += dhᵀ·h̃, dh̃ = dh·W_hr.
      int proj = spec.projSize();
      k.gemm(true, false, proj, hid, rows, 1f, dh, 0, proj, td.tmp, base * hid, hid, 1f, grad("weight_hr", layer, dir),
          0, hid);
      k.gemm(false, false, rows, hid, proj, 1f, dh, 0, proj, weight("weight_hr", layer, dir), 0, hid, 0f, sb.dTmp, 0,
          hid);
      dHt = sb.dTmp;
    }
    k.lstmCellBackward(rows, hid, td.xproj, base * gh, td.hg, base * gh, p.bias, p.peep, p.fns, sb.cp, 0, td.c,
        base * hid, dHt, 0, dc, 0, dX, base * gh, p.peep == null ? null : grad("weight_peep", layer, dir));
    // The gate gradients are those of both the input projection and the recurrent product.
    System.arraycopy(dX, base * gh, sb.dHg, 0, rows * gh);
    recurrentBackward(layer, dir, rows, gh, sb.dHg, gh, sb.hp, null, dh);
  }

  private void gruStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows, float[] dh,
      float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    int gh = 3 * hid;
    boolean after = spec.cell() == CellType.GRU;
    float[] direct = sb.tmp2;
    k.gruCellBackward(rows, hid, after, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, sb.hp, 0, dh, 0, dX,
        base * gh, sb.dHg, 0, direct, 0);
    if (after) {
      recurrentBackward(layer, dir, rows, gh, sb.dHg, gh, sb.hp, direct, dh);
      return;
    }
    // Reset-before: n = g(… + W_hn·(r⊙h) + b_hn). dW_hn += dpnᵀ·(r⊙h); d(r⊙h) = dpn·W_hn.
    int nOff = 2 * hid * hid;
    k.gemm(true, false, hid, hid, rows, 1f, sb.dHg, 2 * hid, gh, td.tmp, base * hid, hid, 1f,
        grad("weight_hh", layer, dir), nOff, hid);
    float[] dRh = sb.dTmp;
    k.gemm(false, false, rows, hid, hid, 1f, sb.dHg, 2 * hid, gh, weight("weight_hh", layer, dir), nOff, hid, 0f, dRh,
        0, hid);
    k.gruResetStateBackward(rows, hid, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, sb.hp, 0, dRh, 0, dX,
        base * gh, sb.dHg, 0, direct, 0);
    // b_hh takes all three blocks of dHg; only the r and z rows of W_hh act on h directly.
    columnSums(sb.dHg, rows, gh, grad("bias_hh", layer, dir), 0);
    float[] wHh = weight("weight_hh", layer, dir);
    k.gemm(true, false, 2 * hid, hid, rows, 1f, sb.dHg, 0, gh, sb.hp, 0, hid, 1f, grad("weight_hh", layer, dir), 0,
        hid);
    k.gemm(false, false, rows, hid, 2 * hid, 1f, sb.dHg, 0, gh, wHh, 0, hid, 1f, direct, 0, hid);
    System.arraycopy(direct, 0, dh, 0, rows * hid);
  }

  private void rnnStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows, float[] dh,
      float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    k.rnnCellBackward(rows, hid, td.xproj, base * hid, td.hg, base * hid, p.bias, p.fns, dh, 0, dX, base * hid);
    System.arraycopy(dX, base * hid, sb.dHg, 0, rows * hid);
    recurrentBackward(layer, dir, rows, hid, sb.dHg, hid, sb.hp, null, dh);
  }

  private void jordanStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows,
      float[] dh, float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    int out = spec.outputSize();
    float[] wHo = weight("weight_ho", layer, dir);
    // y = f_y(W_ho·hid + b_ho): recompute W_ho·hid, then dpy.
    float[] dPy = sb.tmp2;
    k.gemm(false, true, rows, out, hid, 1f, td.tmp, base * hid, hid, wHo, 0, hid, 0f, dPy, 0, out);
    k.biasActivationBackward(rows, out, dPy, 0, p.bHo, p.fns.output(), dh, 0, dPy, 0);
    columnSums(dPy, rows, out, grad("bias_ho", layer, dir), 0);
    k.gemm(true, false, out, hid, rows, 1f, dPy, 0, out, td.tmp, base * hid, hid, 1f, grad("weight_ho", layer, dir),
        0, hid);
    float[] dHid = sb.dTmp;
    k.gemm(false, false, rows, hid, out, 1f, dPy, 0, out, wHo, 0, hid, 0f, dHid, 0, hid);
    k.rnnCellBackward(rows, hid, td.xproj, base * hid, td.hg, base * hid, p.bias, p.fns, dHid, 0, dX, base * hid);
    System.arraycopy(dX, base * hid, sb.dHg, 0, rows * hid);
    recurrentBackward(layer, dir, rows, hid, sb.dHg, hid, sb.hp, null, dh);
  }
}
