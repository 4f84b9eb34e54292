package org.rnn4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
  /** Parameter names in {@link ModelWeights#layout} order, their gradients, and the same arrays per slot. */
  private final String[] names;
  private final float[][] grads;
  private final SlotGrads[] slotGrads;
  // Reusable scratch, grown to the largest batch seen; only prefixes are meaningful.
  private float[] bufA = new float[0];
  private float[] bufB = new float[0];
  private float[] dx = new float[0];
  private float[] dh0 = new float[0];
  private float[] dc0 = new float[0];
  private float[] dh = new float[0];
  private float[] dc = new float[0];
  private float[] cPrev = new float[0];
  private float[] direct = new float[0];
  private float[] tmp = new float[0];
  private final Grads g;
  private Tape tape;

  /** The gradient arrays of one layer × direction (null where the model has no such parameter). */
  private static final class SlotGrads {
    float[] wIh;
    float[] wHh;
    float[] bIh;
    float[] bHh;
    float[] wHr;
    float[] peep;
    float[] wHo;
    float[] bHo;
  }

  Backprop(ModelSpec spec, ModelWeights weights, Kernels k, PreparedDirection[] prepared) {
    this.spec = spec;
    this.weights = weights;
    this.k = k;
    this.prepared = prepared;
    List<ModelWeights.Param> layout = ModelWeights.layout(spec);
    names = new String[layout.size()];
    grads = new float[layout.size()][];
    Map<String, float[]> byName = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      names[i] = layout.get(i).name();
      grads[i] = new float[layout.get(i).size()];
      byName.put(names[i], grads[i]);
    }
    slotGrads = new SlotGrads[spec.directionCount()];
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int d = 0; d < spec.directions(); d++) {
        SlotGrads s = new SlotGrads();
        s.wIh = byName.get(ModelWeights.name("weight_ih", layer, d));
        s.wHh = byName.get(ModelWeights.name("weight_hh", layer, d));
        s.bIh = byName.get(ModelWeights.name("bias_ih", layer, d));
        s.bHh = byName.get(ModelWeights.name("bias_hh", layer, d));
        s.wHr = byName.get(ModelWeights.name("weight_hr", layer, d));
        s.peep = byName.get(ModelWeights.name("weight_peep", layer, d));
        s.wHo = byName.get(ModelWeights.name("weight_ho", layer, d));
        s.bHo = byName.get(ModelWeights.name("bias_ho", layer, d));
        slotGrads[layer * spec.directions() + d] = s;
      }
    }
    g = new Grads(spec);
  }

  /** Parameter names in layout order; {@link #gradient(int)} holds each one's gradient after {@link #run}. */
  String[] names() {
    return names;
  }

  float[] gradient(int i) {
    return grads[i];
  }

  /**
   * Computes every gradient of the recorded pass into this object's buffers (overwriting the last
   * run's); allocates nothing once the buffers have grown to the batch. Arguments are validated
   * by the caller.
   */
  void run(Tape tape, boolean batchFirst, float[] dy, float[] dhN, float[] dcN) {
    this.tape = tape;
    for (float[] a : grads) {
      Arrays.fill(a, 0f);
    }
    int steps = tape.steps;
    int batch = tape.batch;
    int width = spec.directions() * spec.outputWidth();
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    long rows = tape.rows;
    long widest = Math.max(width, spec.inputSize());
    bufA = Workspace.grow(bufA, rows * widest);
    bufB = Workspace.grow(bufB, rows * widest);
    long wide = Math.max(hid, hOut);
    dh = Workspace.grow(dh, (long) batch * hOut);
    dc = Workspace.grow(dc, (long) batch * hid);
    cPrev = Workspace.grow(cPrev, (long) batch * hid);
    direct = Workspace.grow(direct, batch * wide);
    tmp = Workspace.grow(tmp, batch * wide);
    g.ensure(tape.rows, spec);
    int slots = spec.directionCount();
    dh0 = Workspace.grow(dh0, (long) slots * batch * hOut);
    dc0 = Workspace.grow(dc0, spec.hasCellState() ? (long) slots * batch * hid : 0);
    float[] dOut = bufA;
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < tape.batchSizes[t]; r++) {
        int b = tape.order[r];
        int src = batchFirst ? (b * steps + t) * width : (t * batch + b) * width;
        System.arraycopy(dy, src, dOut, (tape.offsets[t] + r) * width, width);
      }
    }
    for (int layer = spec.numLayers() - 1; layer >= 0; layer--) {
      int inWidth = spec.layerInputSize(layer);
      float[] dIn = dOut == bufA ? bufB : bufA;
      Arrays.fill(dIn, 0, tape.rows * inWidth, 0f);
      for (int d = 0; d < spec.directions(); d++) {
        direction(layer, d, dOut, width, dIn, inWidth, dhN, dcN);
      }
      if (spec.residual() && layer > 0) {
        k.axpy(tape.rows * inWidth, 1f, dOut, 0, dIn, 0);
      }
      float[] mask = layer > 0 ? tape.dropoutMasks[layer - 1] : null;
      if (mask != null) {
        for (int i = 0; i < tape.rows * inWidth; i++) {
          dIn[i] *= mask[i];
        }
      }
      dOut = dIn;
    }
    int features = spec.inputSize();
    dx = Workspace.grow(dx, (long) steps * batch * features);
    Arrays.fill(dx, 0, steps * batch * features, 0f);
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < tape.batchSizes[t]; r++) {
        int b = tape.order[r];
        int dst = batchFirst ? (b * steps + t) * features : (t * batch + b) * features;
        System.arraycopy(dOut, (tape.offsets[t] + r) * features, dx, dst, features);
      }
    }
  }

  /** The last run's gradients as fresh tensors (the public {@link Model#vjp} contract). */
  Gradients result(boolean batchFirst) {
    int steps = tape.steps;
    int batch = tape.batch;
    int features = spec.inputSize();
    int slots = spec.directionCount();
    int hOut = spec.outputWidth();
    int hid = spec.hiddenSize();
    Map<String, FloatTensor> params = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      params.put(names[i], new FloatTensor(grads[i].clone(), weights.shape(names[i])));
    }
    int[] xShape = batchFirst ? new int[] {batch, steps, features} : new int[] {steps, batch, features};
    return new Gradients(new FloatTensor(Arrays.copyOf(dx, steps * batch * features), xShape),
        new FloatTensor(Arrays.copyOf(dh0, slots * batch * hOut), new int[] {slots, batch, hOut}),
        spec.hasCellState() ? new FloatTensor(Arrays.copyOf(dc0, slots * batch * hid), new int[] {slots, batch, hid})
            : null, params);
  }

  private void direction(int layer, int dir, float[] dOut, int width, float[] dIn, int inWidth, float[] dhN,
      float[] dcN) {
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
    float[] dh = this.dh;
    float[] dc = spec.hasCellState() ? this.dc : null;
    if (dhN == null) {
      java.util.Arrays.fill(dh, 0, batch * hOut, 0f);
    }
    if (dc != null && dcN == null) {
      java.util.Arrays.fill(dc, 0, batch * hid, 0f);
    }
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
    Grads g = this.g;
    float[] cPrev = dc == null ? null : this.cPrev;
    float[] direct = this.direct;
    float[] tmp = this.tmp;
    float[] gPeep = p.peep == null ? null : slotGrads[slot].peep;
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
    accumulateWeightGradients(layer, slotGrads[slot], td, g, inWidth);
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

  /** Gradients gathered over every step of one direction, in the packed row layout; reused. */
  private static final class Grads {
    /** Gradient of the input projection's output, [rows, G·H]. */
    float[] dX = new float[0];
    /** Gradient of the recurrent product's output, [rows, G·H]; the same array as dX where they are equal. */
    float[] dHg;
    /** The state each row had before each step, [rows, Hout]. */
    float[] hPrev = new float[0];
    /** LSTM projection: dh per step [rows, P]; Jordan: d(output pre-activation) [rows, O]. */
    float[] dProj;

    Grads(ModelSpec spec) {
      dHg = spec.cell().isGru() ? new float[0] : dX;
      dProj = spec.projSize() > 0 || spec.cell() == CellType.JORDAN ? new float[0] : null;
    }

    void ensure(int rows, ModelSpec spec) {
      long r = rows;
      int gh = spec.gateRows();
      dX = Workspace.grow(dX, r * gh);
      dHg = spec.cell().isGru() ? Workspace.grow(dHg, r * gh) : dX;
      hPrev = Workspace.grow(hPrev, r * spec.outputWidth());
      if (dProj != null) {
        dProj = Workspace.grow(dProj, r * spec.outputWidth());
      }
    }
  }

  /** dW_ih, db_ih, dW_hh, db_hh (and W_hr, W_ho, b_ho) from the per-step gradients, one product each. */
  private void accumulateWeightGradients(int layer, SlotGrads sg, Tape.Direction td, Grads g, int inWidth) {
    int rows = tape.rows;
    int gh = spec.gateRows();
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    k.gemm(true, false, gh, inWidth, rows, 1f, g.dX, 0, gh, tape.layerInput[layer], 0, inWidth, 1f,
        sg.wIh, 0, inWidth);
    columnSums(g.dX, rows, gh, sg.bIh, 0);
    columnSums(g.dHg, rows, gh, sg.bHh, 0);
    float[] gWhh = sg.wHh;
    if (spec.cell() == CellType.GRU_RESET_BEFORE) {
      // The r and z rows act on h; the n rows act on r⊙h, which the tape kept.
      k.gemm(true, false, 2 * hid, hid, rows, 1f, g.dHg, 0, gh, g.hPrev, 0, hid, 1f, gWhh, 0, hid);
      k.gemm(true, false, hid, hid, rows, 1f, g.dHg, 2 * hid, gh, td.tmp, 0, hid, 1f, gWhh, 2 * hid * hid, hid);
    } else {
      k.gemm(true, false, gh, hOut, rows, 1f, g.dHg, 0, gh, g.hPrev, 0, hOut, 1f, gWhh, 0, hOut);
    }
    if (spec.projSize() > 0) {
      k.gemm(true, false, hOut, hid, rows, 1f, g.dProj, 0, hOut, td.tmp, 0, hid, 1f, sg.wHr, 0,
          hid);
    }
    if (spec.cell() == CellType.JORDAN) {
      k.gemm(true, false, hOut, hid, rows, 1f, g.dProj, 0, hOut, td.tmp, 0, hid, 1f, sg.wHo, 0,
          hid);
      columnSums(g.dProj, rows, hOut, sg.bHo, 0);
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
