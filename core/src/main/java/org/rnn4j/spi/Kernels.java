package org.rnn4j.spi;

import org.rnn4j.Activation;
import org.rnn4j.Precision;

/**
 * The kernel interface every backend implements: the only place where arithmetic on tensors
 * happens. The cell code in core is written once against it.
 *
 * <p>Each public method validates every argument (sizes, offsets, leading dimensions, array
 * lengths) once and then calls a {@code protected …K} kernel that may assume valid arguments.
 * A backend overrides only the kernels it makes faster; the defaults here are plain, obviously
 * correct Java. Native backends therefore only ever see validated arguments.
 *
 * <p>All matrices are row-major. Instances must be stateless and thread-safe: one instance
 * serves every model and request thread of a backend.
 *
 * <p>Fused cell kernels process {@code rows} batch rows of one time step. Gate pre-activation
 * tiles {@code xg} (input projection) and {@code hg} (recurrent product) are [rows, G·H] with
 * the gate blocks in PyTorch order (LSTM i, f, g, o; GRU r, z, n); states {@code c}, {@code h}
 * are [rows, H]. Designed with the backward pass in mind: transposed GEMMs with beta = 1
 * accumulate weight gradients over time, and derivative kernels will sit beside the cells.
 */
public abstract class Kernels {

  /** The backend name, as in {@link BackendProvider#name()}. */
  public abstract String name();

  // ---------------------------------------------------------------- GEMM / GEMV

  /**
   * C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k and op(B) is k×n. With beta = 0, C is
   * not read (NaN in C does not propagate).
   */
  public final void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    Checks.nonNegative("m", m);
    Checks.nonNegative("n", n);
    Checks.nonNegative("k", k);
    Checks.matrix("A", a, aOff, transA ? k : m, transA ? m : k, lda);
    Checks.matrix("B", b, bOff, transB ? n : k, transB ? k : n, ldb);
    Checks.matrix("C", c, cOff, m, n, ldc);
    if (m == 0 || n == 0) {
      return;
    }
    gemmK(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  protected void gemmK(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          sum += av * bv;
        }
        int ci = cOff + i * ldc + j;
        c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
      }
    }
  }

  /**
   * y = alpha·op(A)·x + beta·y, where A is m×n; op(A) = A (x has n elements, y m) or Aᵀ
   * (x has m elements, y n). With beta = 0, y is not read.
   */
  public final void gemv(boolean transA, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x,
      int xOff, float beta, float[] y, int yOff) {
    Checks.nonNegative("m", m);
    Checks.nonNegative("n", n);
    Checks.matrix("A", a, aOff, m, n, lda);
    Checks.vector("x", x, xOff, transA ? m : n);
    Checks.vector("y", y, yOff, transA ? n : m);
    gemvK(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
  }

  protected void gemvK(boolean transA, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x,
      int xOff, float beta, float[] y, int yOff) {
    int outLen = transA ? n : m;
    int inLen = transA ? m : n;
    for (int i = 0; i < outLen; i++) {
      float sum = 0f;
      for (int p = 0; p < inLen; p++) {
        float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        sum += av * x[xOff + p];
      }
      y[yOff + i] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yOff + i];
    }
  }

  // ---------------------------------------------------------------- pre-packed weights

  /**
   * Prepares W [rows × cols] (row-major, starting at {@code off}) once, at model load, in this
   * backend's own layout. The caller may modify {@code w} afterwards: the result holds a copy.
   */
  public final PackedMatrix pack(float[] w, int off, int rows, int cols) {
    Checks.positive("rows", rows);
    Checks.positive("cols", cols);
    Checks.matrix("W", w, off, rows, cols, cols);
    return packK(w, off, rows, cols);
  }

  protected PackedMatrix packK(float[] w, int off, int rows, int cols) {
    return new DenseMatrix(this, w, off, rows, cols);
  }

  /**
   * As {@link #pack(float[], int, int, int)}, in the given precision. {@link Precision#BF16}
   * rounds every element to bfloat16 (nearest, ties to even; {@link Bf16#round}) once, here;
   * {@link #matmulPacked} then multiplies by those values with float32 activations and sums.
   */
  public final PackedMatrix pack(float[] w, int off, int rows, int cols, Precision precision) {
    Checks.notNull("precision", precision);
    if (precision == Precision.FP32) {
      return pack(w, off, rows, cols);
    }
    Checks.positive("rows", rows);
    Checks.positive("cols", cols);
    Checks.matrix("W", w, off, rows, cols, cols);
    return packBf16K(w, off, rows, cols);
  }

  /**
   * The bf16 reference every backend's bf16 kernels are tested against: the weights rounded to
   * bf16, then this backend's float32 layout and products ({@link #packK}). Correct on every
   * backend, but without the halved memory traffic; a backend with real bf16 kernels overrides
   * it (and {@link #bf16Kernels()}).
   */
  protected PackedMatrix packBf16K(float[] w, int off, int rows, int cols) {
    return packK(Bf16.roundedCopy(w, off, rows * cols), 0, rows, cols);
  }

  /**
   * How this backend runs {@link Precision#BF16} (for {@code rnn4j info}): where the weights live,
   * and whether activations are rounded to bf16 too (they are not, unless a backend says so).
   */
  public String bf16Kernels() {
    return "emulated: weights rounded to bf16 at load, stored and multiplied as fp32 (no speed-up); "
        + "activations and sums fp32";
  }

  /**
   * Overwrites a matrix this backend packed with new values of the same shape, W [m.rows × m.cols]
   * row-major at {@code off}, in place and without allocating: training re-packs its weights after
   * every optimizer step. The caller must make sure no product reads {@code m} meanwhile.
   */
  public final void repack(PackedMatrix m, float[] w, int off) {
    if (m == null) {
      throw new IllegalArgumentException("packed matrix is null");
    }
    if (!owns(m)) {
      throw new IllegalArgumentException("packed matrix was prepared by " + m.getClass().getName()
          + ", not by backend " + name());
    }
    Checks.matrix("W", w, off, m.rows(), m.cols(), m.cols());
    repackK(m, w, off);
  }

  /**
   * Refills {@code m} (owned by this kernel set, arguments validated) from W. The default handles
   * the {@link DenseMatrix} {@link #packK} makes; a backend with its own layout overrides both.
   */
  protected void repackK(PackedMatrix m, float[] w, int off) {
    DenseMatrix d = (DenseMatrix) m;
    System.arraycopy(w, off, d.data, 0, d.rows() * d.cols());
  }

  /**
   * out[r, j] = Σ_c x[r, c]·W[j, c] + beta·out[r, j] for r &lt; m, j &lt; W.rows: a batch of rows
   * times Wᵀ, with x [m, W.cols] (leading dimension ldx) and out [m, W.rows] (ldo). The input
   * projection (m = time steps × batch) and the per-step recurrent product both use it.
   */
  public final void matmulPacked(int m, float[] x, int xOff, int ldx, PackedMatrix w, float beta, float[] out,
      int outOff, int ldo) {
    Checks.nonNegative("m", m);
    if (w == null) {
      throw new IllegalArgumentException("packed matrix is null");
    }
    if (!owns(w)) {
      throw new IllegalArgumentException("packed matrix was prepared by " + w.getClass().getName()
          + ", not by backend " + name());
    }
    Checks.matrix("x", x, xOff, m, w.cols(), ldx);
    Checks.matrix("out", out, outOff, m, w.rows(), ldo);
    if (m == 0) {
      return;
    }
    matmulPackedK(m, x, xOff, ldx, w, beta, out, outOff, ldo);
  }

  /** Whether {@code w} was prepared by this kernel set (and so has the layout it expects). */
  protected boolean owns(PackedMatrix w) {
    return w instanceof DenseMatrix d && d.owner == this;
  }

  protected void matmulPackedK(int m, float[] x, int xOff, int ldx, PackedMatrix w, float beta, float[] out,
      int outOff, int ldo) {
    DenseMatrix d = (DenseMatrix) w;
    gemmK(false, true, m, d.rows(), d.cols(), 1f, x, xOff, ldx, d.data, 0, d.cols(), beta, out, outOff, ldo);
  }

  /** The row-major copy {@link #packK} makes by default. */
  protected static final class DenseMatrix extends PackedMatrix {
    final Kernels owner;
    /** W [rows × cols], row-major. */
    public final float[] data;

    DenseMatrix(Kernels owner, float[] w, int off, int rows, int cols) {
      super(rows, cols);
      this.owner = owner;
      this.data = new float[rows * cols];
      System.arraycopy(w, off, data, 0, rows * cols);
    }

    @Override
    public long byteSize() {
      return 4L * data.length;
    }
  }

  // ---------------------------------------------------------------- fused cells

  /**
   * One LSTM step for {@code rows} rows. Gates (PyTorch order i, f, g, o):
   * i = f(xg_i + hg_i + b_i + p_i⊙c), F = f(xg_f + hg_f + b_f + p_f⊙c) or 1 − i,
   * g = g(xg_g + hg_g + b_g), c' = F⊙c + i⊙g, o = f(xg_o + hg_o + b_o + p_o⊙c'), h = o⊙h(c').
   * Pre-activations are clipped before their activation when {@code fns.clip} is finite.
   *
   * @param bias combined bias b_ih + b_hh, [4H]
   * @param peep peephole weights [3H] in order i, f, o, or null
   * @param c cell state [rows, H], updated in place
   * @param h output [rows, H] (the unprojected hidden state)
   */
  public final void lstmCell(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hidden", hidden);
    int g = 4 * hidden;
    Checks.matrix("xg", xg, xgOff, rows, g, g);
    Checks.matrix("hg", hg, hgOff, rows, g, g);
    Checks.vector("bias", bias, 0, g);
    if (peep != null) {
      Checks.vector("peep", peep, 0, 3 * hidden);
    }
    Checks.notNull("fns", fns);
    Checks.matrix("c", c, cOff, rows, hidden, hidden);
    Checks.matrix("h", h, hOff, rows, hidden, hidden);
    lstmCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
  }

  protected void lstmCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    int g = 4 * hidden;
    float clip = fns.clip();
    for (int r = 0; r < rows; r++) {
      int xr = xgOff + r * g;
      int hr = hgOff + r * g;
      for (int j = 0; j < hidden; j++) {
        int ci = cOff + r * hidden + j;
        float cPrev = c[ci];
        float pi = xg[xr + j] + hg[hr + j] + bias[j];
        float pf = xg[xr + hidden + j] + hg[hr + hidden + j] + bias[hidden + j];
        float pg = xg[xr + 2 * hidden + j] + hg[hr + 2 * hidden + j] + bias[2 * hidden + j];
        float po = xg[xr + 3 * hidden + j] + hg[hr + 3 * hidden + j] + bias[3 * hidden + j];
        if (peep != null) {
          pi += peep[j] * cPrev;
          pf += peep[hidden + j] * cPrev;
        }
        float i = CellFunctions.clipThen(fns.gate(), clip, pi);
        float f = fns.inputForget() ? 1f - i : CellFunctions.clipThen(fns.gate(), clip, pf);
        float cand = CellFunctions.clipThen(fns.candidate(), clip, pg);
        float cNew = f * cPrev + i * cand;
        if (peep != null) {
          po += peep[2 * hidden + j] * cNew;
        }
        float o = CellFunctions.clipThen(fns.gate(), clip, po);
        c[ci] = cNew;
        h[hOff + r * hidden + j] = o * fns.output().apply(cNew);
      }
    }
  }

  /**
   * One GRU step (PyTorch order r, z, n): r = f(xg_r + hg_r + b_r), z = f(xg_z + hg_z + b_z),
   * reset-after: n = g(xg_n + b_in + r⊙(hg_n + b_hn)); reset-before: n = g(xg_n + b_in + hg_n + b_hn),
   * where the caller has computed hg_n = (r⊙h)·W_hnᵀ with {@link #gruResetState}.
   * h' = (1 − z)⊙n + z⊙h.
   *
   * @param bias [4H]: b_ir + b_hr, b_iz + b_hz, b_in, b_hn
   * @param h state [rows, H], updated in place
   */
  public final void gruCell(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg,
      int hgOff, float[] bias, CellFunctions fns, float[] h, int hOff) {
    checkGru(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
    gruCellK(rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
  }

  protected void gruCellK(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg,
      int hgOff, float[] bias, CellFunctions fns, float[] h, int hOff) {
    int g = 3 * hidden;
    float clip = fns.clip();
    for (int r = 0; r < rows; r++) {
      int xr = xgOff + r * g;
      int hr = hgOff + r * g;
      for (int j = 0; j < hidden; j++) {
        float z = CellFunctions.clipThen(fns.gate(), clip, xg[xr + hidden + j] + hg[hr + hidden + j] + bias[hidden + j]);
        float hn = hg[hr + 2 * hidden + j] + bias[3 * hidden + j];
        float pn;
        if (resetAfter) {
          float reset = CellFunctions.clipThen(fns.gate(), clip, xg[xr + j] + hg[hr + j] + bias[j]);
          pn = xg[xr + 2 * hidden + j] + bias[2 * hidden + j] + reset * hn;
        } else {
          pn = xg[xr + 2 * hidden + j] + bias[2 * hidden + j] + hn;
        }
        float n = CellFunctions.clipThen(fns.candidate(), clip, pn);
        int hi = hOff + r * hidden + j;
        h[hi] = (1f - z) * n + z * h[hi];
      }
    }
  }

  /**
   * First half of a reset-before GRU step: r = f(xg_r + hg_r + b_r), then rh = r⊙h, the input
   * of the candidate's recurrent product. Only the r block of {@code hg} is read.
   */
  public final void gruResetState(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    checkGru(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
    Checks.matrix("rh", rh, rhOff, rows, hidden, hidden);
    gruResetStateK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh, rhOff);
  }

  protected void gruResetStateK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    int g = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < hidden; j++) {
        float reset = CellFunctions.clipThen(fns.gate(), fns.clip(),
            xg[xgOff + r * g + j] + hg[hgOff + r * g + j] + bias[j]);
        rh[rhOff + r * hidden + j] = reset * h[hOff + r * hidden + j];
      }
    }
  }

  private static void checkGru(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hidden", hidden);
    int g = 3 * hidden;
    Checks.matrix("xg", xg, xgOff, rows, g, g);
    Checks.matrix("hg", hg, hgOff, rows, g, g);
    Checks.vector("bias", bias, 0, 4 * hidden);
    Checks.notNull("fns", fns);
    Checks.matrix("h", h, hOff, rows, hidden, hidden);
  }

  /**
   * One Elman step: h = f(clip(xg + hg + bias)) with f = {@code fns.candidate()}.
   *
   * @param bias combined bias b_ih + b_hh, [H]
   * @param h output [rows, H]
   */
  public final void rnnCell(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hidden", hidden);
    Checks.matrix("xg", xg, xgOff, rows, hidden, hidden);
    Checks.matrix("hg", hg, hgOff, rows, hidden, hidden);
    Checks.vector("bias", bias, 0, hidden);
    Checks.notNull("fns", fns);
    Checks.matrix("h", h, hOff, rows, hidden, hidden);
    rnnCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
  }

  protected void rnnCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < hidden; j++) {
        int i = r * hidden + j;
        h[hOff + i] = CellFunctions.clipThen(fns.candidate(), fns.clip(), xg[xgOff + i] + hg[hgOff + i] + bias[j]);
      }
    }
  }

  // ---------------------------------------------------------------- fused cell derivatives

  /**
   * Backward of {@link #lstmCell} for one step. From the recorded pre-activation tiles (xg, hg,
   * bias, peepholes), the previous and new cell states, the gradient of the step's (unprojected)
   * h and of the new c, writes the gradients of the four gate pre-activations into
   * {@code dGates} [rows, 4H] (which are also the gradients of xg and hg), replaces {@code dc}
   * with the gradient of the previous cell state, and adds the peephole gradients into
   * {@code dPeep} [3H] (null exactly when {@code peep} is).
   */
  public final void lstmCellBackward(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, float[] peep, CellFunctions fns, float[] cPrev, int cPrevOff, float[] cNew, int cNewOff,
      float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dGatesOff, float[] dPeep) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hidden", hidden);
    int g = 4 * hidden;
    Checks.matrix("xg", xg, xgOff, rows, g, g);
    Checks.matrix("hg", hg, hgOff, rows, g, g);
    Checks.vector("bias", bias, 0, g);
    if ((peep == null) != (dPeep == null)) {
      throw new IllegalArgumentException("peep and dPeep must both be given or both be null");
    }
    if (peep != null) {
      Checks.vector("peep", peep, 0, 3 * hidden);
      Checks.vector("dPeep", dPeep, 0, 3 * hidden);
    }
    Checks.notNull("fns", fns);
    Checks.matrix("cPrev", cPrev, cPrevOff, rows, hidden, hidden);
    Checks.matrix("cNew", cNew, cNewOff, rows, hidden, hidden);
    Checks.matrix("dh", dh, dhOff, rows, hidden, hidden);
    Checks.matrix("dc", dc, dcOff, rows, hidden, hidden);
    Checks.matrix("dGates", dGates, dGatesOff, rows, g, g);
    lstmCellBackwardK(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, cPrev, cPrevOff, cNew, cNewOff, dh, dhOff,
        dc, dcOff, dGates, dGatesOff, dPeep);
  }

  protected void lstmCellBackwardK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, float[] peep, CellFunctions fns, float[] cPrev, int cPrevOff, float[] cNew, int cNewOff,
      float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dGatesOff, float[] dPeep) {
    int g = 4 * hidden;
    float clip = fns.clip();
    Activation gate = fns.gate();
    for (int r = 0; r < rows; r++) {
      int xr = xgOff + r * g;
      int hr = hgOff + r * g;
      int dr = dGatesOff + r * g;
      for (int j = 0; j < hidden; j++) {
        float cp = cPrev[cPrevOff + r * hidden + j];
        float cn = cNew[cNewOff + r * hidden + j];
        float pi = xg[xr + j] + hg[hr + j] + bias[j];
        float pf = xg[xr + hidden + j] + hg[hr + hidden + j] + bias[hidden + j];
        float pg = xg[xr + 2 * hidden + j] + hg[hr + 2 * hidden + j] + bias[2 * hidden + j];
        float po = xg[xr + 3 * hidden + j] + hg[hr + 3 * hidden + j] + bias[3 * hidden + j];
        if (peep != null) {
          pi += peep[j] * cp;
          pf += peep[hidden + j] * cp;
          po += peep[2 * hidden + j] * cn;
        }
        float i = CellFunctions.clipThen(gate, clip, pi);
        float f = fns.inputForget() ? 1f - i : CellFunctions.clipThen(gate, clip, pf);
        float cand = CellFunctions.clipThen(fns.candidate(), clip, pg);
        float o = CellFunctions.clipThen(gate, clip, po);
        float dht = dh[dhOff + r * hidden + j];
        int ci = dcOff + r * hidden + j;
        float hc = fns.output().apply(cn);
        float dC = dc[ci] + dht * o * CellFunctions.clipThenDerivative(fns.output(), Float.POSITIVE_INFINITY, cn, hc);
        float dpo = dht * hc * CellFunctions.clipThenDerivative(gate, clip, po, o);
        if (peep != null) {
          dC += dpo * peep[2 * hidden + j];
          dPeep[2 * hidden + j] += dpo * cn;
        }
        float di = dC * cand;
        float dF = dC * cp;
        float dcPrev = dC * f;
        float dpf;
        if (fns.inputForget()) {
          di -= dF;
          dpf = 0f;
        } else {
          dpf = dF * CellFunctions.clipThenDerivative(gate, clip, pf, f);
        }
        float dpi = di * CellFunctions.clipThenDerivative(gate, clip, pi, i);
        float dpg = dC * i * CellFunctions.clipThenDerivative(fns.candidate(), clip, pg, cand);
        if (peep != null) {
          dcPrev += dpi * peep[j] + dpf * peep[hidden + j];
          dPeep[j] += dpi * cp;
          dPeep[hidden + j] += dpf * cp;
        }
        dGates[dr + j] = dpi;
        dGates[dr + hidden + j] = dpf;
        dGates[dr + 2 * hidden + j] = dpg;
        dGates[dr + 3 * hidden + j] = dpo;
        dc[ci] = dcPrev;
      }
    }
  }

  /**
   * Backward of {@link #gruCell} for one step. Writes the gradients of the input-side
   * pre-activations into {@code dXg} [rows, 3H], of the recurrent-side ones into {@code dHg}
   * [rows, 3H], and the direct part z⊙dh of the previous state's gradient into {@code dhPrev}
   * (the caller adds dHg·W_hh). Reset-after: all three blocks. Reset-before: the z and n blocks;
   * the n block of dHg is then the gradient of (r⊙h)·W_hnᵀ, and {@link #gruResetStateBackward}
   * completes the r block once the caller has formed d(r⊙h) = dHg_n·W_hn.
   */
  public final void gruCellBackward(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg,
      int hgOff, float[] bias, CellFunctions fns, float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dXg,
      int dXgOff, float[] dHg, int dHgOff, float[] dhPrev, int dhPrevOff) {
    checkGru(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, hPrev, hPrevOff);
    int g = 3 * hidden;
    Checks.matrix("dh", dh, dhOff, rows, hidden, hidden);
    Checks.matrix("dXg", dXg, dXgOff, rows, g, g);
    Checks.matrix("dHg", dHg, dHgOff, rows, g, g);
    Checks.matrix("dhPrev", dhPrev, dhPrevOff, rows, hidden, hidden);
    gruCellBackwardK(rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, hPrev, hPrevOff, dh, dhOff, dXg,
        dXgOff, dHg, dHgOff, dhPrev, dhPrevOff);
  }

  protected void gruCellBackwardK(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg,
      int hgOff, float[] bias, CellFunctions fns, float[] hPrev, int hPrevOff, float[] dh, int dhOff, float[] dXg,
      int dXgOff, float[] dHg, int dHgOff, float[] dhPrev, int dhPrevOff) {
    int g = 3 * hidden;
    float clip = fns.clip();
    for (int r = 0; r < rows; r++) {
      int xr = xgOff + r * g;
      int hr = hgOff + r * g;
      for (int j = 0; j < hidden; j++) {
        float pz = xg[xr + hidden + j] + hg[hr + hidden + j] + bias[hidden + j];
        float z = CellFunctions.clipThen(fns.gate(), clip, pz);
        float hn = hg[hr + 2 * hidden + j] + bias[3 * hidden + j];
        float pr = xg[xr + j] + hg[hr + j] + bias[j];
        float reset = resetAfter ? CellFunctions.clipThen(fns.gate(), clip, pr) : 1f;
        float pn = xg[xr + 2 * hidden + j] + bias[2 * hidden + j] + reset * hn;
        float n = CellFunctions.clipThen(fns.candidate(), clip, pn);
        float d = dh[dhOff + r * hidden + j];
        float hp = hPrev[hPrevOff + r * hidden + j];
        float dpn = d * (1f - z) * CellFunctions.clipThenDerivative(fns.candidate(), clip, pn, n);
        float dpz = d * (hp - n) * CellFunctions.clipThenDerivative(fns.gate(), clip, pz, z);
        int dx = dXgOff + r * g;
        int dg = dHgOff + r * g;
        dXg[dx + hidden + j] = dpz;
        dXg[dx + 2 * hidden + j] = dpn;
        dHg[dg + hidden + j] = dpz;
        if (resetAfter) {
          float dpr = dpn * hn * CellFunctions.clipThenDerivative(fns.gate(), clip, pr, reset);
          dXg[dx + j] = dpr;
          dHg[dg + j] = dpr;
          dHg[dg + 2 * hidden + j] = dpn * reset;
        } else {
          dHg[dg + 2 * hidden + j] = dpn;
        }
        dhPrev[dhPrevOff + r * hidden + j] = d * z;
      }
    }
  }

  /**
   * Completes a reset-before GRU step's backward: from d(r⊙h) [rows, H], writes the r blocks of
   * {@code dXg} and {@code dHg} and adds r⊙d(r⊙h) into {@code dhPrev}.
   */
  public final void gruResetStateBackward(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] hPrev, int hPrevOff, float[] dRh, int dRhOff, float[] dXg, int dXgOff,
      float[] dHg, int dHgOff, float[] dhPrev, int dhPrevOff) {
    checkGru(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, hPrev, hPrevOff);
    int g = 3 * hidden;
    Checks.matrix("dRh", dRh, dRhOff, rows, hidden, hidden);
    Checks.matrix("dXg", dXg, dXgOff, rows, g, g);
    Checks.matrix("dHg", dHg, dHgOff, rows, g, g);
    Checks.matrix("dhPrev", dhPrev, dhPrevOff, rows, hidden, hidden);
    gruResetStateBackwardK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, hPrev, hPrevOff, dRh, dRhOff, dXg, dXgOff,
        dHg, dHgOff, dhPrev, dhPrevOff);
  }

  protected void gruResetStateBackwardK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] hPrev, int hPrevOff, float[] dRh, int dRhOff, float[] dXg, int dXgOff,
      float[] dHg, int dHgOff, float[] dhPrev, int dhPrevOff) {
    int g = 3 * hidden;
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < hidden; j++) {
        float pr = xg[xgOff + r * g + j] + hg[hgOff + r * g + j] + bias[j];
        float reset = CellFunctions.clipThen(fns.gate(), fns.clip(), pr);
        float drh = dRh[dRhOff + r * hidden + j];
        float dpr = drh * hPrev[hPrevOff + r * hidden + j]
            * CellFunctions.clipThenDerivative(fns.gate(), fns.clip(), pr, reset);
        dXg[dXgOff + r * g + j] = dpr;
        dHg[dHgOff + r * g + j] = dpr;
        dhPrev[dhPrevOff + r * hidden + j] += drh * reset;
      }
    }
  }

  /** Backward of {@link #rnnCell}: dPre = dh ⊙ f'(clip(xg + hg + bias)), the gradient of xg and of hg. */
  public final void rnnCellBackward(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] dh, int dhOff, float[] dPre, int dPreOff) {
    Checks.nonNegative("rows", rows);
    Checks.positive("hidden", hidden);
    Checks.matrix("xg", xg, xgOff, rows, hidden, hidden);
    Checks.matrix("hg", hg, hgOff, rows, hidden, hidden);
    Checks.vector("bias", bias, 0, hidden);
    Checks.notNull("fns", fns);
    Checks.matrix("dh", dh, dhOff, rows, hidden, hidden);
    Checks.matrix("dPre", dPre, dPreOff, rows, hidden, hidden);
    rnnCellBackwardK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, dh, dhOff, dPre, dPreOff);
  }

  protected void rnnCellBackwardK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] dh, int dhOff, float[] dPre, int dPreOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < hidden; j++) {
        int i = r * hidden + j;
        float pre = xg[xgOff + i] + hg[hgOff + i] + bias[j];
        dPre[dPreOff + i] = dh[dhOff + i] * CellFunctions.clipThenDerivative(fns.candidate(), fns.clip(), pre);
      }
    }
  }

  /** Backward of {@link #biasActivation}: dPre[r, j] = dy[r, j]·act'(x[r, j] + bias[j]), x being the input before bias. */
  public final void biasActivationBackward(int rows, int n, float[] x, int xOff, float[] bias, Activation act,
      float[] dy, int dyOff, float[] dPre, int dPreOff) {
    Checks.nonNegative("rows", rows);
    Checks.positive("n", n);
    Checks.matrix("x", x, xOff, rows, n, n);
    Checks.vector("bias", bias, 0, n);
    Checks.notNull("act", act);
    Checks.matrix("dy", dy, dyOff, rows, n, n);
    Checks.matrix("dPre", dPre, dPreOff, rows, n, n);
    biasActivationBackwardK(rows, n, x, xOff, bias, act, dy, dyOff, dPre, dPreOff);
  }

  protected void biasActivationBackwardK(int rows, int n, float[] x, int xOff, float[] bias, Activation act,
      float[] dy, int dyOff, float[] dPre, int dPreOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < n; j++) {
        int i = r * n + j;
        dPre[dPreOff + i] = dy[dyOff + i] * act.derivative(x[xOff + i] + bias[j]);
      }
    }
  }

  // ---------------------------------------------------------------- elementwise

  /** x[r, j] = act(x[r, j] + bias[j]) over a contiguous [rows, n] block. */
  public final void biasActivation(int rows, int n, float[] x, int xOff, float[] bias, Activation act) {
    Checks.nonNegative("rows", rows);
    Checks.positive("n", n);
    Checks.matrix("x", x, xOff, rows, n, n);
    Checks.vector("bias", bias, 0, n);
    Checks.notNull("act", act);
    biasActivationK(rows, n, x, xOff, bias, act);
  }

  protected void biasActivationK(int rows, int n, float[] x, int xOff, float[] bias, Activation act) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < n; j++) {
        int i = xOff + r * n + j;
        x[i] = act.apply(x[i] + bias[j]);
      }
    }
  }

  /** y += alpha·x over n contiguous elements. */
  public final void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    Checks.nonNegative("n", n);
    Checks.vector("x", x, xOff, n);
    Checks.vector("y", y, yOff, n);
    axpyK(n, alpha, x, xOff, y, yOff);
  }

  protected void axpyK(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }
}
