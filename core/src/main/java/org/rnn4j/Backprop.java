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

  private void direction(int layer, int dir, float[] dOut, int width, float[] dIn, int inWidth, float[] dhN,
      float[] dcN, float[] dh0, float[] dc0) {
    int slot = layer * spec.directions() + dir;
    PreparedDirection p = prepared[slot];
    PreparedDirection.Transposed wt = p.transposed(spec, weights, layer, dir, k);
    Tape.Direction td = tape.dirs[slot];
    int steps = tape.steps;
    int batch = tape.batch;
    int rows = tape.rows;
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
    // Per step only what the recurrence needs runs; the weight gradients are summed over every
    // step at the end in one product each: dX (input side), dHg (recurrent side), previous states.
    Grads g = new Grads(rows, gh, hOut, spec);
    float[] cPrev = dc == null ? null : new float[batch * hid];
    float[] direct = new float[batch * Math.max(hid, hOut)];
    float[] tmp = new float[batch * Math.max(hid, hOut)];
    float[] gPeep = p.peep == null ? null : grad("weight_peep", layer, dir); // looked up once, not per step
    for (int i = steps - 1; i >= 0; i--) {
      int t = dir == 0 ? i : steps - 1 - i;
      int alive = tape.batchSizes[t];
      if (alive == 0) {
        continue;
      }
      int base = tape.offsets[t];
      for (int r = 0; r < alive; r++) {
        k.axpy(hOut, 1f, dOut, (base + r) * width + dir * hOut, dh, r * hOut);
      }
      int prev = dir == 0 ? t - 1 : t + 1;
      boolean hasPrev = prev >= 0 && prev < steps;
      int prevRows = hasPrev ? tape.batchSizes[prev] : 0;
      int prevBase = hasPrev ? tape.offsets[prev] : 0;
      gatherPrevious(td.h, td.h0, hOut, alive, prevRows, prevBase, g.hPrev, base * hOut);
      if (dc != null) {
        gatherPrevious(td.c, td.c0, hid, alive, prevRows, prevBase, cPrev, 0);
      }
      switch (spec.cell()) {
        case LSTM -> {
          float[] dHt = dh;
          if (wt.wHr != null) {
            // h = W_hr·h̃: dh̃ = dh·W_hr; dW_hr is summed at the end from every step's dh.
            System.arraycopy(dh, 0, g.dProj, base * hOut, alive * hOut);
            k.matmulPacked(alive, dh, 0, hOut, wt.wHr, 0f, tmp, 0, hid);
            dHt = tmp;
          }
          k.lstmCellBackward(alive, hid, td.xproj, base * gh, td.hg, base * gh, p.bias, p.peep, p.fns, cPrev, 0,
              td.c, base * hid, dHt, 0, dc, 0, g.dX, base * gh,
              gPeep);
          k.matmulPacked(alive, g.dX, base * gh, gh, wt.wHh, 0f, dh, 0, hOut);
        }
        case GRU -> {
          k.gruCellBackward(alive, hid, true, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, g.hPrev,
              base * hid, dh, 0, g.dX, base * gh, g.dHg, base * gh, direct, 0);
          k.matmulPacked(alive, g.dHg, base * gh, gh, wt.wHh, 1f, direct, 0, hid);
          System.arraycopy(direct, 0, dh, 0, alive * hid);
        }
        case GRU_RESET_BEFORE -> {
          k.gruCellBackward(alive, hid, false, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, g.hPrev,
              base * hid, dh, 0, g.dX, base * gh, g.dHg, base * gh, direct, 0);
          // n = g(… + W_hn·(r⊙h) + b_hn): d(r⊙h) = dpn·W_hn, then the reset gate's share.
          k.matmulPacked(alive, g.dHg, base * gh + 2 * hid, gh, wt.wHn, 0f, tmp, 0, hid);
          k.gruResetStateBackward(alive, hid, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, g.hPrev,
              base * hid, tmp, 0, g.dX, base * gh, g.dHg, base * gh, direct, 0);
          k.matmulPacked(alive, g.dHg, base * gh, gh, wt.wHh, 1f, direct, 0, hid);
          System.arraycopy(direct, 0, dh, 0, alive * hid);
        }
        case RNN_TANH, RNN_RELU -> {
          k.rnnCellBackward(alive, hid, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, dh, 0, g.dX, base * gh);
          k.matmulPacked(alive, g.dX, base * gh, gh, wt.wHh, 0f, dh, 0, hOut);
        }
        case JORDAN -> {
          // y = f_y(W_ho·hid + b_ho): recompute W_ho·hid, then dpy = dy·f_y'(·).
          int out = spec.outputSize();
          k.matmulPacked(alive, td.tmp, base * hid, hid, p.wHo, 0f, tmp, 0, out);
          k.biasActivationBackward(alive, out, tmp, 0, p.bHo, p.fns.output(), dh, 0, g.dProj, base * out);
          k.matmulPacked(alive, g.dProj, base * out, out, wt.wHo, 0f, tmp, 0, hid);
          k.rnnCellBackward(alive, hid, td.xproj, base * gh, td.hg, base * gh, p.bias, p.fns, tmp, 0, g.dX, base * gh);
          k.matmulPacked(alive, g.dX, base * gh, gh, wt.wHh, 0f, dh, 0, hOut);
        }
      }
    }
    accumulateWeightGradients(layer, dir, td, g, inWidth);
    // The layer input's gradient, every step at once: dIn += dX·W_ih.
    k.matmulPacked(rows, g.dX, 0, gh, wt.wIh, 1f, dIn, 0, inWidth);
    for (int r = 0; r < batch; r++) {
      int b = tape.order[r];
      System.arraycopy(dh, r * hOut, dh0, (slot * batch + b) * hOut, hOut);
      if (dc != null) {
        System.arraycopy(dc, r * hid, dc0, (slot * batch + b) * hid, hid);
      }
    }
  }

  /** Gradients gathered over every step of one direction, in the packed row layout. */
  private static final class Grads {
    /** Gradient of the input projection's output, [rows, G·H]. */
    final float[] dX;
    /** Gradient of the recurrent product's output, [rows, G·H]; the same array as dX where they are equal. */
    final float[] dHg;
    /** The state each row had before each step, [rows, Hout]. */
    final float[] hPrev;
    /** LSTM projection: dh per step [rows, P]; Jordan: d(output pre-activation) [rows, O]. */
    final float[] dProj;

    Grads(int rows, int gh, int hOut, ModelSpec spec) {
      dX = new float[rows * gh];
      dHg = spec.cell().isGru() ? new float[rows * gh] : dX;
      hPrev = new float[rows * hOut];
      dProj = spec.projSize() > 0 || spec.cell() == CellType.JORDAN ? new float[rows * hOut] : null;
    }
  }

  /** dW_ih, db_ih, dW_hh, db_hh (and W_hr, W_ho, b_ho) from the per-step gradients, one product each. */
  private void accumulateWeightGradients(int layer, int dir, Tape.Direction td, Grads g, int inWidth) {
    int rows = tape.rows;
    int gh = spec.gateRows();
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    k.gemm(true, false, gh, inWidth, rows, 1f, g.dX, 0, gh, tape.layerInput[layer], 0, inWidth, 1f,
        grad("weight_ih", layer, dir), 0, inWidth);
    columnSums(g.dX, rows, gh, grad("bias_ih", layer, dir), 0);
    columnSums(g.dHg, rows, gh, grad("bias_hh", layer, dir), 0);
    float[] gWhh = grad("weight_hh", layer, dir);
    if (spec.cell() == CellType.GRU_RESET_BEFORE) {
      // The r and z rows act on h; the n rows act on r⊙h, which the tape kept.
      k.gemm(true, false, 2 * hid, hid, rows, 1f, g.dHg, 0, gh, g.hPrev, 0, hid, 1f, gWhh, 0, hid);
      k.gemm(true, false, hid, hid, rows, 1f, g.dHg, 2 * hid, gh, td.tmp, 0, hid, 1f, gWhh, 2 * hid * hid, hid);
    } else {
      k.gemm(true, false, gh, hOut, rows, 1f, g.dHg, 0, gh, g.hPrev, 0, hOut, 1f, gWhh, 0, hOut);
    }
    if (spec.projSize() > 0) {
      k.gemm(true, false, hOut, hid, rows, 1f, g.dProj, 0, hOut, td.tmp, 0, hid, 1f, grad("weight_hr", layer, dir), 0,
          hid);
    }
    if (spec.cell() == CellType.JORDAN) {
      k.gemm(true, false, hOut, hid, rows, 1f, g.dProj, 0, hOut, td.tmp, 0, hid, 1f, grad("weight_ho", layer, dir), 0,
          hid);
      columnSums(g.dProj, rows, hOut, grad("bias_ho", layer, dir), 0);
    }
  }

  /**
   * The state each alive row had before this step — the previous step's, or the initial state for
   * rows that start here — written at {@code outOff}.
   */
  private static void gatherPrevious(float[] states, float[] initial, int width, int alive, int prevRows,
      int prevBase, float[] out, int outOff) {
    int fromPrev = Math.min(alive, prevRows);
    System.arraycopy(states, prevBase * width, out, outOff, fromPrev * width);
    System.arraycopy(initial, fromPrev * width, out, outOff + fromPrev * width, (alive - fromPrev) * width);
  }

  private static void columnSums(float[] a, int rows, int cols, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        out[outOff + j] += a[r * cols + j];
      }
    }
  }
}
