package org.rnn4j.blas;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas_nolapack.cblas_sgemv;

import java.nio.FloatBuffer;
import org.rnn4j.Activation;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;

/**
 * Matrix products on OpenBLAS; everything elementwise on the best Java kernels available.
 *
 * <p>Packed weights live in native memory ({@link OffHeapMatrix}), so a product copies only the
 * activations: the rows of x in and the rows of out back (and in, when beta ≠ 0), through a leased
 * {@link Staging} buffer. A single row uses sgemv, because OpenBLAS runs an M = 1 sgemm through the
 * full GEMM path. Products bigger than a pooled buffer are cut into row blocks that fit.
 *
 * <p>Gate kernels and elementwise ops are memory-bound and short; a JNI crossing per call would
 * cost more than it saves, so they go to {@code cells}: the simd backend's kernels when it runs
 * here, else the scalar ones.
 */
final class BlasKernels extends Kernels {
  private final Kernels cells;
  private final Staging staging;

  BlasKernels(Kernels cells) {
    this.cells = cells;
    this.staging = new Staging(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
  }

  @Override
  public String name() {
    return BlasBackendProvider.NAME;
  }

  /** The kernels the gate and elementwise ops run on. */
  Kernels cells() {
    return cells;
  }

  // ---------------------------------------------------------------- products

  @Override
  protected PackedMatrix packK(float[] w, int off, int rows, int cols) {
    return new OffHeapMatrix(this, w, off, rows, cols);
  }

  @Override
  protected void repackK(PackedMatrix m, float[] w, int off) {
    ((OffHeapMatrix) m).overwrite(w, off);
  }

  @Override
  protected boolean owns(PackedMatrix w) {
    return w instanceof OffHeapMatrix o && o.owner == this;
  }

  @Override
  protected void matmulPackedK(int m, float[] x, int xOff, int ldx, PackedMatrix w, float beta, float[] out,
      int outOff, int ldo) {
    OffHeapMatrix wm = (OffHeapMatrix) w;
    int n = wm.rows();
    int k = wm.cols();
    int block = (int) Math.max(1, Math.min(m, Staging.POOLED_FLOATS / ((long) k + n)));
    wm.acquire();
    try (Staging.Buffer s = staging.lease((long) block * (k + n))) {
      for (int r0 = 0; r0 < m; r0 += block) {
        int rows = Math.min(block, m - r0);
        int o = rows * k;
        copyIn(x, xOff + r0 * ldx, rows, k, ldx, s.view, 0);
        if (beta != 0f) {
          copyIn(out, outOff + r0 * ldo, rows, n, ldo, s.view, o);
        }
        if (rows == 1) {
          cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1f, wm.data, k, s.a(0), 1, beta, s.c(o), 1);
        } else {
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, n, k, 1f, s.a(0), k, wm.data, k, beta, s.c(o),
              n);
        }
        copyOut(s.view, o, out, outOff + r0 * ldo, rows, n, ldo);
      }
    } finally {
      wm.release();
    }
  }

  @Override
  protected void gemmK(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    int ar = transA ? k : m;
    int ac = transA ? m : k;
    int br = transB ? n : k;
    int bc = transB ? k : n;
    long aLen = (long) ar * ac;
    long bLen = (long) br * bc;
    long total = aLen + bLen + (long) m * n;
    if (k == 0 || total > Integer.MAX_VALUE - 8) {
      // k = 0 only scales C; the BLAS would reject a zero leading dimension.
      super.gemmK(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    int bo = (int) aLen;
    int co = (int) (aLen + bLen);
    try (Staging.Buffer s = staging.lease(total)) {
      copyIn(a, aOff, ar, ac, lda, s.view, 0);
      copyIn(b, bOff, br, bc, ldb, s.view, bo);
      if (beta != 0f) {
        copyIn(c, cOff, m, n, ldc, s.view, co);
      }
      cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k,
          alpha, s.a(0), ac, s.b(bo), bc, beta, s.c(co), n);
      copyOut(s.view, co, c, cOff, m, n, ldc);
    }
  }

  @Override
  protected void gemvK(boolean transA, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x, int xOff,
      float beta, float[] y, int yOff) {
    int xLen = transA ? m : n;
    int yLen = transA ? n : m;
    if (m == 0 || n == 0 || (long) m * n + xLen + yLen > Integer.MAX_VALUE - 8) {
      // OpenBLAS returns early on an empty A without applying beta to y; the reference does not.
      super.gemvK(transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
      return;
    }
    int xo = m * n;
    int yo = xo + xLen;
    try (Staging.Buffer s = staging.lease((long) yo + yLen)) {
      copyIn(a, aOff, m, n, lda, s.view, 0);
      s.view.put(xo, x, xOff, xLen);
      if (beta != 0f) {
        s.view.put(yo, y, yOff, yLen);
      }
      cblas_sgemv(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, m, n, alpha, s.a(0), n, s.b(xo), 1, beta,
          s.c(yo), 1);
      s.view.get(yo, y, yOff, yLen);
    }
  }

  /** Copies a rows×cols block (leading dimension ld) into the buffer at {@code at}, packed tight. */
  private static void copyIn(float[] src, int off, int rows, int cols, int ld, FloatBuffer dst, int at) {
    if (ld == cols || rows == 1) {
      dst.put(at, src, off, rows * cols);
      return;
    }
    for (int r = 0; r < rows; r++) {
      dst.put(at + r * cols, src, off + r * ld, cols);
    }
  }

  /** The inverse of {@link #copyIn}; touches only the block, never the gaps between its rows. */
  private static void copyOut(FloatBuffer src, int at, float[] dst, int off, int rows, int cols, int ld) {
    if (ld == cols || rows == 1) {
      src.get(at, dst, off, rows * cols);
      return;
    }
    for (int r = 0; r < rows; r++) {
      src.get(at + r * cols, dst, off + r * ld, cols);
    }
  }

  /** Frees the pooled staging buffers; the kernels stay usable and allocate again on demand. */
  void trimStaging() {
    staging.clear();
  }

  // ---------------------------------------------------------------- delegated to the Java kernels

  @Override
  protected void lstmCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    cells.lstmCell(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
  }

  @Override
  protected void gruCellK(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] h, int hOff) {
    cells.gruCell(rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
  }

  @Override
  protected void gruResetStateK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    cells.gruResetState(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh, rhOff);
  }

  @Override
  protected void rnnCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    cells.rnnCell(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
  }

  @Override
  protected void biasActivationK(int rows, int n, float[] x, int xOff, float[] bias, Activation act) {
    cells.biasActivation(rows, n, x, xOff, bias, act);
  }

  @Override
  protected void axpyK(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    cells.axpy(n, alpha, x, xOff, y, yOff);
  }
}
