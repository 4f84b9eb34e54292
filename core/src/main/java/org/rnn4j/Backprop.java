package org.rnn4j;

import java.util.LinkedHashMap;
import java.util.Map;
import org.rnn4j.spi.CellFunctions;
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
        case GRU -> gruResetAfterStep(layer, dir, p, td, base, rows, dh, dX, sb);
        case GRU_RESET_BEFORE -> gruResetBeforeStep(layer, dir, p, td, base, rows, dh, dX, sb);
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

  /** dh_prev = direct + dHg·W_hh (first kRows rows of W_hh); dW_hh += dHgᵀ·h_prev; result replaces dh's alive rows. */
  private void recurrentBackward(int layer, int dir, int rows, int kRows, float[] dHg, int ldHg, float[] hp,
      float[] direct, float[] dh) {
    int hOut = spec.outputWidth();
    float[] wHh = weight("weight_hh", layer, dir);
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
    CellFunctions f = p.fns;
    float clip = f.clip();
    float[] peep = p.peep;
    float[] gPeep = peep == null ? null : grad("weight_peep", layer, dir);
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
    float[] bias = p.bias;
    for (int r = 0; r < rows; r++) {
      int xr = (base + r) * gh;
      for (int j = 0; j < hid; j++) {
        float cPrev = sb.cp[r * hid + j];
        float cNew = td.c[(base + r) * hid + j];
        float pi = td.xproj[xr + j] + td.hg[xr + j] + bias[j];
        float pf = td.xproj[xr + hid + j] + td.hg[xr + hid + j] + bias[hid + j];
        float pg = td.xproj[xr + 2 * hid + j] + td.hg[xr + 2 * hid + j] + bias[2 * hid + j];
        float po = td.xproj[xr + 3 * hid + j] + td.hg[xr + 3 * hid + j] + bias[3 * hid + j];
        if (peep != null) {
          pi += peep[j] * cPrev;
          pf += peep[hid + j] * cPrev;
          po += peep[2 * hid + j] * cNew;
        }
        float i = CellFunctions.clipThen(f.gate(), clip, pi);
        float fg = f.inputForget() ? 1f - i : CellFunctions.clipThen(f.gate(), clip, pf);
        float g = CellFunctions.clipThen(f.candidate(), clip, pg);
        float o = CellFunctions.clipThen(f.gate(), clip, po);
        float dht = dHt[r * hid + j];
        float hc = f.output().apply(cNew);
        float dO = dht * hc;
        float dC = dc[r * hid + j] + dht * o * f.output().derivative(cNew);
        float dpo = dO * CellFunctions.clipThenDerivative(f.gate(), clip, po);
        if (peep != null) {
          dC += dpo * peep[2 * hid + j];
          gPeep[2 * hid + j] += dpo * cNew;
        }
        float di = dC * g;
        float dg = dC * i;
        float dF = dC * cPrev;
        float dcPrev = dC * fg;
        float dpf;
        if (f.inputForget()) {
          di -= dF;
          dpf = 0f;
        } else {
          dpf = dF * CellFunctions.clipThenDerivative(f.gate(), clip, pf);
        }
        float dpi = di * CellFunctions.clipThenDerivative(f.gate(), clip, pi);
        float dpg = dg * CellFunctions.clipThenDerivative(f.candidate(), clip, pg);
        if (peep != null) {
          dcPrev += dpi * peep[j] + dpf * peep[hid + j];
          gPeep[j] += dpi * cPrev;
          gPeep[hid + j] += dpf * cPrev;
        }
        dX[xr + j] = dpi;
        dX[xr + hid + j] = dpf;
        dX[xr + 2 * hid + j] = dpg;
        dX[xr + 3 * hid + j] = dpo;
        dc[r * hid + j] = dcPrev;
      }
    }
    System.arraycopy(dX, base * gh, sb.dHg, 0, rows * gh);
    columnSums(sb.dHg, rows, gh, grad("bias_hh", layer, dir), 0);
    recurrentBackward(layer, dir, rows, gh, sb.dHg, gh, sb.hp, null, dh);
  }

  private void gruResetAfterStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows,
      float[] dh, float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    int gh = 3 * hid;
    CellFunctions f = p.fns;
    float clip = f.clip();
    float[] bias = p.bias;
    float[] direct = sb.tmp2;
    for (int r = 0; r < rows; r++) {
      int xr = (base + r) * gh;
      for (int j = 0; j < hid; j++) {
        float pr = td.xproj[xr + j] + td.hg[xr + j] + bias[j];
        float pz = td.xproj[xr + hid + j] + td.hg[xr + hid + j] + bias[hid + j];
        float hnb = td.hg[xr + 2 * hid + j] + bias[3 * hid + j];
        float reset = CellFunctions.clipThen(f.gate(), clip, pr);
        float z = CellFunctions.clipThen(f.gate(), clip, pz);
        float pn = td.xproj[xr + 2 * hid + j] + bias[2 * hid + j] + reset * hnb;
        float n = CellFunctions.clipThen(f.candidate(), clip, pn);
        float hPrev = sb.hp[r * hid + j];
        float d = dh[r * hid + j];
        float dpn = d * (1f - z) * CellFunctions.clipThenDerivative(f.candidate(), clip, pn);
        float dpz = d * (hPrev - n) * CellFunctions.clipThenDerivative(f.gate(), clip, pz);
        float dpr = dpn * hnb * CellFunctions.clipThenDerivative(f.gate(), clip, pr);
        direct[r * hid + j] = d * z;
        dX[xr + j] = dpr;
        dX[xr + hid + j] = dpz;
        dX[xr + 2 * hid + j] = dpn;
        sb.dHg[r * gh + j] = dpr;
        sb.dHg[r * gh + hid + j] = dpz;
        sb.dHg[r * gh + 2 * hid + j] = dpn * reset;
      }
    }
    columnSums(sb.dHg, rows, gh, grad("bias_hh", layer, dir), 0);
    recurrentBackward(layer, dir, rows, gh, sb.dHg, gh, sb.hp, direct, dh);
  }

  private void gruResetBeforeStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows,
      float[] dh, float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    int gh = 3 * hid;
    CellFunctions f = p.fns;
    float clip = f.clip();
    float[] bias = p.bias;
    float[] direct = sb.tmp2;
    float[] dpnAll = sb.dTmp;
    // Pass 1: the candidate and update gate; the reset gate needs d(r⊙h), which needs every dpn.
    for (int r = 0; r < rows; r++) {
      int xr = (base + r) * gh;
      for (int j = 0; j < hid; j++) {
        float pz = td.xproj[xr + hid + j] + td.hg[xr + hid + j] + bias[hid + j];
        float pn = td.xproj[xr + 2 * hid + j] + bias[2 * hid + j] + td.hg[xr + 2 * hid + j] + bias[3 * hid + j];
        float z = CellFunctions.clipThen(f.gate(), clip, pz);
        float n = CellFunctions.clipThen(f.candidate(), clip, pn);
        float d = dh[r * hid + j];
        float dpn = d * (1f - z) * CellFunctions.clipThenDerivative(f.candidate(), clip, pn);
        dX[xr + hid + j] = d * (sb.hp[r * hid + j] - n) * CellFunctions.clipThenDerivative(f.gate(), clip, pz);
        dX[xr + 2 * hid + j] = dpn;
        dpnAll[r * hid + j] = dpn;
        direct[r * hid + j] = d * z;
      }
    }
    // n = g(… + W_hn·(r⊙h) + b_hn): dW_hn += dpnᵀ·(r⊙h), d(r⊙h) = dpn·W_hn.
    float[] wHh = weight("weight_hh", layer, dir);
    float[] gWhh = grad("weight_hh", layer, dir);
    int nOff = 2 * hid * hid;
    k.gemm(true, false, hid, hid, rows, 1f, dpnAll, 0, hid, td.tmp, base * hid, hid, 1f, gWhh, nOff, hid);
    float[] dRh = sb.cp; // free for GRUs (no cell state)
    k.gemm(false, false, rows, hid, hid, 1f, dpnAll, 0, hid, wHh, nOff, hid, 0f, dRh, 0, hid);
    float[] gbHh = grad("bias_hh", layer, dir);
    columnSums(dpnAll, rows, hid, gbHh, 2 * hid);
    // Pass 2: the reset gate.
    for (int r = 0; r < rows; r++) {
      int xr = (base + r) * gh;
      for (int j = 0; j < hid; j++) {
        float pr = td.xproj[xr + j] + td.hg[xr + j] + bias[j];
        float reset = CellFunctions.clipThen(f.gate(), clip, pr);
        float hPrev = sb.hp[r * hid + j];
        float drh = dRh[r * hid + j];
        direct[r * hid + j] += drh * reset;
        float dpr = drh * hPrev * CellFunctions.clipThenDerivative(f.gate(), clip, pr);
        dX[xr + j] = dpr;
        sb.dHg[r * gh + j] = dpr;
        sb.dHg[r * gh + hid + j] = dX[xr + hid + j];
        sb.dHg[r * gh + 2 * hid + j] = 0f; // b_hn's gradient was summed from dpn above
      }
    }
    columnSums(sb.dHg, rows, gh, gbHh, 0);
    // Only the r and z rows of W_hh act on h directly.
    recurrentBackwardRz(layer, dir, rows, hid, sb.dHg, gh, sb.hp, direct, dh);
  }

  private void recurrentBackwardRz(int layer, int dir, int rows, int hid, float[] dHg, int ldHg, float[] hp,
      float[] direct, float[] dh) {
    float[] wHh = weight("weight_hh", layer, dir);
    k.gemm(true, false, 2 * hid, hid, rows, 1f, dHg, 0, ldHg, hp, 0, hid, 1f, grad("weight_hh", layer, dir), 0, hid);
    k.gemm(false, false, rows, hid, 2 * hid, 1f, dHg, 0, ldHg, wHh, 0, hid, 1f, direct, 0, hid);
    System.arraycopy(direct, 0, dh, 0, rows * hid);
  }

  private void rnnStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows, float[] dh,
      float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    CellFunctions f = p.fns;
    for (int r = 0; r < rows; r++) {
      int xr = (base + r) * hid;
      for (int j = 0; j < hid; j++) {
        float pre = td.xproj[xr + j] + td.hg[xr + j] + p.bias[j];
        float dp = dh[r * hid + j] * CellFunctions.clipThenDerivative(f.candidate(), f.clip(), pre);
        dX[xr + j] = dp;
        sb.dHg[r * hid + j] = dp;
      }
    }
    columnSums(sb.dHg, rows, hid, grad("bias_hh", layer, dir), 0);
    recurrentBackward(layer, dir, rows, hid, sb.dHg, hid, sb.hp, null, dh);
  }

  private void jordanStep(int layer, int dir, PreparedDirection p, Tape.Direction td, int base, int rows,
      float[] dh, float[] dX, StepBuffers sb) {
    int hid = spec.hiddenSize();
    int out = spec.outputSize();
    CellFunctions f = p.fns;
    float[] wHo = weight("weight_ho", layer, dir);
    // y = f_y(W_ho·hid + b_ho): recompute the output pre-activation, then dpy.
    float[] preY = sb.tmp2;
    k.gemm(false, true, rows, out, hid, 1f, td.tmp, base * hid, hid, wHo, 0, hid, 0f, preY, 0, out);
    float[] gbHo = grad("bias_ho", layer, dir);
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        int i = r * out + o;
        float dpy = dh[i] * f.output().derivative(preY[i] + p.bHo[o]);
        preY[i] = dpy;
        gbHo[o] += dpy;
      }
    }
    k.gemm(true, false, out, hid, rows, 1f, preY, 0, out, td.tmp, base * hid, hid, 1f, grad("weight_ho", layer, dir),
        0, hid);
    float[] dHid = sb.dTmp;
    k.gemm(false, false, rows, hid, out, 1f, preY, 0, out, wHo, 0, hid, 0f, dHid, 0, hid);
    for (int r = 0; r < rows; r++) {
      int xr = (base + r) * hid;
      for (int j = 0; j < hid; j++) {
        float pre = td.xproj[xr + j] + td.hg[xr + j] + p.bias[j];
        float dp = dHid[r * hid + j] * CellFunctions.clipThenDerivative(f.candidate(), f.clip(), pre);
        dX[xr + j] = dp;
        sb.dHg[r * hid + j] = dp;
      }
    }
    columnSums(sb.dHg, rows, hid, grad("bias_hh", layer, dir), 0);
    recurrentBackward(layer, dir, rows, hid, sb.dHg, hid, sb.hp, null, dh);
  }
}
