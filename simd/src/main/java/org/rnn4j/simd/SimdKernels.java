package org.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnn4j.Activation;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.spi.PanelProduct;
import org.rnn4j.spi.WorkerPool;

/**
 * Kernels on the Panama Vector API: register-blocked FMA matrix products on pre-packed weight
 * panels, vectorised fused cells with their own sigmoid/tanh ({@link #activate}), and a small
 * dedicated thread pool for the products.
 *
 * <p>C2 only compiles vector code well when the species is a constant, and an instance field is
 * not one (the code then allocates and runs ~10x slower). So each width is a tiny subclass whose
 * {@link #sp()} returns a {@code static final} species; in a process that uses one width (every
 * real one) the call is devirtualised and the species folds. Tests that mix widths in one JVM are
 * correct but slow. For the same reason no vector is passed to or returned from a method of ours:
 * C2 may compile such a helper on its own first and then refuse to inline it, boxing every vector.
 *
 * <p>Results never depend on the thread count: work is split only over independent outputs, and
 * every output of {@link #matmulPacked} is summed in the same order whichever tile computes it
 * (the m = 1 GEMV path has its own fixed order).
 */
public abstract sealed class SimdKernels extends Kernels permits SimdKernels.V128, SimdKernels.V256, SimdKernels.V512 {
  /** Vectors per packed panel: a tile is MR rows × PANEL_VECTORS vectors of output. */
  static final int PANEL_VECTORS = 2;
  /** Rows per register tile (see {@link #tile4} for why not 6). */
  static final int MR = 4;
  /** Rows per cache block (a multiple of MR): x rows of one block stay in L2 while panels stream past. */
  static final int ROW_BLOCK = 96;
  /** Columns per k block: one panel slice (KC × 2 vectors, 16 KiB at 256 bits) stays in L1 across a row block. */
  static final int KC = 256;
  /** Below this many multiply-adds a product runs on the calling thread alone. */
  static final long DEFAULT_PARALLEL_MIN = 1L << 18;

  private final int lanes;
  private final int panelWidth;
  /** How the packed products split over the pool. */
  private final PanelProduct<Panels> product;
  /** Per-thread scratch (tiles, gate pre-activations); grows, never shrinks, so calls do not allocate. */
  private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[1024]);
  /** One vector of padding room per thread for {@link #activate}'s tail. */
  private final ThreadLocal<float[]> tail = ThreadLocal.withInitial(() -> new float[sp().length()]);

  // TAILS. No loop here uses a masked load: on AVX2 (no predicated loads) C2 does not intrinsify a
  // masked fromArray whose vector would reach past the array's end, and its Java fallback
  // allocates. Loops run whole vectors, then a scalar tail doing the same operations per element
  // (Math.fma where the vector code fuses); activate's tail runs the vector code on a padded copy.
  /** bf16-weight products (precision bf16), same width and pool. */
  private final SimdBf16 bf16;

  SimdKernels(int threads, long parallelMin) {
    this.lanes = sp().length();
    this.panelWidth = PANEL_VECTORS * lanes;
    WorkerPool pool = threads > 1 ? WorkerPool.shared(threads) : null;
    this.product = new PanelProduct<>(pool, parallelMin, ROW_BLOCK) {
      @Override
      protected void chunk(Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
          int ldo, int r0, int r1, int p0, int p1) {
        matmulChunk(w, m, x, xOff, ldx, beta, out, outOff, ldo, r0, r1, p0, p1);
      }
    };
    this.bf16 = SimdBf16.create(sp().vectorBitSize(), pool, parallelMin);
  }

  /** Kernels for {@code bits}-wide float vectors on {@code threads} threads. */
  static SimdKernels create(int bits, int threads) {
    return create(bits, threads, DEFAULT_PARALLEL_MIN);
  }

  /** As {@link #create(int, int)}; tests lower {@code parallelMin} to exercise the pool on small sizes. */
  static SimdKernels create(int bits, int threads, long parallelMin) {
    return switch (bits) {
      case 128 -> new V128(threads, parallelMin);
      case 256 -> new V256(threads, parallelMin);
      case 512 -> new V512(threads, parallelMin);
      default -> throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, got " + bits);
    };
  }

  private float[] scratch(int n) {
    float[] s = scratch.get();
    if (s.length < n) {
      s = new float[Math.max(n, 2 * s.length)];
      scratch.set(s);
    }
    return s;
  }

  /** The species, a constant of each subclass. */
  abstract VectorSpecies<Float> sp();

  @Override
  public String name() {
    return SimdBackendProvider.NAME;
  }

  /** Threads a product may use, the caller included. */
  public int threads() {
    return product.threads();
  }

  public int vectorBits() {
    return sp().vectorBitSize();
  }

  // ---------------------------------------------------------------- packed weights

  /**
   * W [rows × cols] cut into panels of {@code panelWidth} rows, each stored transposed
   * ([cols][panelWidth], zero-padded past the last row), so the tile kernel reads one contiguous
   * run of PANEL_VECTORS vectors per input column.
   */
  static final class Panels extends PackedMatrix {
    final SimdKernels owner;
    final float[] data;
    final int panels;

    Panels(SimdKernels owner, float[] w, int off, int rows, int cols) {
      super(rows, cols);
      this.owner = owner;
      int pw = owner.panelWidth;
      this.panels = (rows + pw - 1) / pw;
      long size = (long) panels * cols * pw;
      if (size > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("matrix " + rows + "x" + cols + " too large to pack");
      }
      this.data = new float[(int) size];
      fill(w, off);
    }

    /** Writes W into the panels; the zero padding past the last row is never written. */
    void fill(float[] w, int off) {
      int pw = owner.panelWidth;
      int rows = rows();
      int cols = cols();
      for (int p = 0; p < panels; p++) {
        for (int c = 0; c < cols; c++) {
          int dst = (p * cols + c) * pw;
          for (int v = 0; v < pw && p * pw + v < rows; v++) {
            data[dst + v] = w[off + (p * pw + v) * cols + c];
          }
        }
      }
    }

    @Override
    public long byteSize() {
      return 4L * data.length;
    }
  }

  @Override
  protected PackedMatrix packK(float[] w, int off, int rows, int cols) {
    return new Panels(this, w, off, rows, cols);
  }

  @Override
  protected PackedMatrix packBf16K(float[] w, int off, int rows, int cols) {
    return bf16.pack(this, w, off, rows, cols);
  }

  @Override
  public String bf16Kernels() {
    return "widening simd " + vectorBits() + "-bit: bf16 weight panels (2 bytes per weight) widened to fp32 in "
        + "registers, fp32 FMA; activations not rounded (fp32)";
  }

  @Override
  protected void repackK(PackedMatrix m, float[] w, int off) {
    if (m instanceof SimdBf16.Panels) {
      throw new IllegalArgumentException("bf16 matrices are not re-packed: training runs in fp32 only");
    }
    ((Panels) m).fill(w, off);
  }

  @Override
  protected boolean owns(PackedMatrix w) {
    return w instanceof Panels p && p.owner == this || w instanceof SimdBf16.Panels b && b.owner == this;
  }

  @Override
  protected void matmulPackedK(int m, float[] x, int xOff, int ldx, PackedMatrix w, float beta, float[] out,
      int outOff, int ldo) {
    if (w instanceof SimdBf16.Panels b) {
      bf16.matmul(m, x, xOff, ldx, b, beta, out, outOff, ldo);
      return;
    }
    Panels p = (Panels) w;
    product.multiply(p, p.panels, m, x, xOff, ldx, beta, out, outOff, ldo, (long) m * p.rows() * p.cols());
  }

  /** Rows [r0, r1) of the product times the output rows of panels [p0, p1). */
  private void matmulChunk(Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
      int ldo, int r0, int r1, int p0, int p1) {
    int cols = w.cols();
    int pw = panelWidth;
    int rows = r1 - r0;
    // Partial sums of the block's rows × one panel; each k block reloads them, so every output's
    // multiply-adds run in column order from zero, exactly as in one unblocked pass.
    float[] t = scratch(Math.max(rows, MR) * pw);
    for (int p = p0; p < p1; p++) {
      int q = p * cols * pw;
      int j = p * pw;
      int valid = Math.min(pw, w.rows() - j);
      if (m == 1) {
        gemvTile(cols, x, xOff, w.data, q, t);
        commit(t, panelWidth, 1, valid, beta, out, outOff + j, ldo);
        continue;
      }
      java.util.Arrays.fill(t, 0, rows * pw, 0f);
      for (int k0 = 0; k0 < cols; k0 += KC) {
        int k1 = Math.min(cols, k0 + KC);
        int r = r0;
        for (; r + MR <= r1; r += MR) {
          tile4(k0, k1, x, xOff + r * ldx, ldx, w.data, q, t, (r - r0) * pw);
        }
        for (; r < r1; r++) {
          tile1(k0, k1, x, xOff + r * ldx, w.data, q, t, (r - r0) * pw);
        }
      }
      commit(t, panelWidth, rows, valid, beta, out, outOff + r0 * ldo + j, ldo);
    }
  }

  /**
   * 4 rows × 2 vectors of output over columns [k0, k1): 8 accumulators, 2 panel loads and 4
   * broadcasts per column. The accumulators start from and return to the partial sums in
   * {@code t} (rows {@code panelWidth} apart from {@code o}): vectors never cross a method boundary,
   * so C2 never has to box one. Not 6 × 2 (12 accumulators, the C kernel's tile): C2 (JDK 25)
   * hoists the broadcasts and spills two accumulators to the stack, which halves the speed
   * (42 GFLOP/s against 88 for this tile, in L1); 5 × 2 is as slow, and the former 4 × 3 (also 12
   * accumulators) ran at 39 GFLOP/s on the LSTM B = 64 products where this tile runs at 76–83.
   */
  private void tile4(int k0, int k1, float[] x, int x0, int ldx, float[] pw, int q, float[] t, int o) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    int x1 = x0 + ldx;
    int x2 = x1 + ldx;
    int x3 = x2 + ldx;
    FloatVector a00 = FloatVector.fromArray(sp, t, o), a01 = FloatVector.fromArray(sp, t, o + l);
    FloatVector a10 = FloatVector.fromArray(sp, t, o + step), a11 = FloatVector.fromArray(sp, t, o + step + l);
    FloatVector a20 = FloatVector.fromArray(sp, t, o + 2 * step);
    FloatVector a21 = FloatVector.fromArray(sp, t, o + 2 * step + l);
    FloatVector a30 = FloatVector.fromArray(sp, t, o + 3 * step);
    FloatVector a31 = FloatVector.fromArray(sp, t, o + 3 * step + l);
    for (int c = k0; c < k1; c++) {
      int qc = q + c * step;
      FloatVector w0 = FloatVector.fromArray(sp, pw, qc);
      FloatVector w1 = FloatVector.fromArray(sp, pw, qc + l);
      FloatVector b = FloatVector.broadcast(sp, x[x0 + c]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
      b = FloatVector.broadcast(sp, x[x1 + c]);
      a10 = w0.fma(b, a10);
      a11 = w1.fma(b, a11);
      b = FloatVector.broadcast(sp, x[x2 + c]);
      a20 = w0.fma(b, a20);
      a21 = w1.fma(b, a21);
      b = FloatVector.broadcast(sp, x[x3 + c]);
      a30 = w0.fma(b, a30);
      a31 = w1.fma(b, a31);
    }
    a00.intoArray(t, o);
    a01.intoArray(t, o + l);
    a10.intoArray(t, o + step);
    a11.intoArray(t, o + step + l);
    a20.intoArray(t, o + 2 * step);
    a21.intoArray(t, o + 2 * step + l);
    a30.intoArray(t, o + 3 * step);
    a31.intoArray(t, o + 3 * step + l);
  }

  /** One row × 2 vectors; the same operations per output as {@link #tile4}, so the same bits. */
  private void tile1(int k0, int k1, float[] x, int x0, float[] pw, int q, float[] t, int o) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    FloatVector a0 = FloatVector.fromArray(sp, t, o), a1 = FloatVector.fromArray(sp, t, o + l);
    for (int c = k0; c < k1; c++) {
      int qc = q + c * step;
      FloatVector b = FloatVector.broadcast(sp, x[x0 + c]);
      a0 = FloatVector.fromArray(sp, pw, qc).fma(b, a0);
      a1 = FloatVector.fromArray(sp, pw, qc + l).fma(b, a1);
    }
    a0.intoArray(t, o);
    a1.intoArray(t, o + l);
  }

  /**
   * Batch 1: the weights are streamed once and there is no reuse, so the limits are memory
   * bandwidth and the FMA latency chain; columns c mod 4 go to separate accumulators (8 chains),
   * added in a fixed order at the end.
   */
  private void gemvTile(int cols, float[] x, int x0, float[] pw, int q, float[] t) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    FloatVector a0 = FloatVector.zero(sp), a1 = a0, b0 = a0, b1 = a0, d0 = a0, d1 = a0, e0 = a0, e1 = a0;
    int c = 0;
    for (; c + 3 < cols; c += 4) {
      int qc = q + c * step;
      FloatVector xa = FloatVector.broadcast(sp, x[x0 + c]);
      FloatVector xb = FloatVector.broadcast(sp, x[x0 + c + 1]);
      FloatVector xd = FloatVector.broadcast(sp, x[x0 + c + 2]);
      FloatVector xe = FloatVector.broadcast(sp, x[x0 + c + 3]);
      a0 = FloatVector.fromArray(sp, pw, qc).fma(xa, a0);
      a1 = FloatVector.fromArray(sp, pw, qc + l).fma(xa, a1);
      b0 = FloatVector.fromArray(sp, pw, qc + step).fma(xb, b0);
      b1 = FloatVector.fromArray(sp, pw, qc + step + l).fma(xb, b1);
      d0 = FloatVector.fromArray(sp, pw, qc + 2 * step).fma(xd, d0);
      d1 = FloatVector.fromArray(sp, pw, qc + 2 * step + l).fma(xd, d1);
      e0 = FloatVector.fromArray(sp, pw, qc + 3 * step).fma(xe, e0);
      e1 = FloatVector.fromArray(sp, pw, qc + 3 * step + l).fma(xe, e1);
    }
    for (; c < cols; c++) {
      int qc = q + c * step;
      FloatVector xa = FloatVector.broadcast(sp, x[x0 + c]);
      a0 = FloatVector.fromArray(sp, pw, qc).fma(xa, a0);
      a1 = FloatVector.fromArray(sp, pw, qc + l).fma(xa, a1);
    }
    a0.add(b0).add(d0.add(e0)).intoArray(t, 0);
    a1.add(b1).add(d1.add(e1)).intoArray(t, l);
  }

  /** out ← tile (+ beta·out) for the first {@code valid} columns of {@code rows} tile rows; out not read when beta = 0. */
  static void commit(float[] t, int tileStride, int rows, int valid, float beta, float[] out, int o, int ldo) {
    for (int r = 0; r < rows; r++) {
      int tr = r * tileStride;
      int or = o + r * ldo;
      if (beta == 0f) {
        System.arraycopy(t, tr, out, or, valid);
      } else {
        for (int v = 0; v < valid; v++) {
          out[or + v] = t[tr + v] + beta * out[or + v];
        }
      }
    }
  }

  // ---------------------------------------------------------------- GEMM / GEMV

  /** Products at least this large (multiply-adds) are worth copying into the packed layout first. */
  private static final long PACKED_GEMM_MIN = 1L << 20;

  @Override
  protected void gemmK(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (k > 0 && (long) m * n * k >= PACKED_GEMM_MIN) {
      // The backward pass's weight gradients (k = every step of a batch) land here: copying op(A)
      // and op(B)ᵀ into the register-blocked matmul costs O(mk + nk) against O(mnk) of work.
      gemmViaPanels(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return;
    }
    if (!transB) {
      gemmRowsOfB(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    } else if (!transA) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          float sum = dot(a, aOff + i * lda, b, bOff + j * ldb, k);
          int ci = cOff + i * ldc + j;
          c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
        }
      }
    } else {
      gemmTransTrans(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
  }

  private void gemmViaPanels(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    GemmScratch g = gemmScratch.get();
    g.x = grow(g.x, (long) m * k);
    g.w = grow(g.w, (long) n * k);
    float[] x = g.x; // alpha·op(A), rows contiguous
    for (int i = 0; i < m; i++) {
      for (int p = 0; p < k; p++) {
        x[i * k + p] = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
      }
    }
    float[] w = g.w; // op(B)ᵀ, so that op(A)·op(B) = x·wᵀ
    for (int j = 0; j < n; j++) {
      for (int p = 0; p < k; p++) {
        w[j * k + p] = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
      }
    }
    matmulPackedK(m, x, 0, k, g.panels(this, w, n, k), beta, c, cOff, ldc);
  }

  private static float[] grow(float[] a, long n) {
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("GEMM operand of " + n + " floats exceeds the Java array limit");
    }
    return a.length >= n ? a : new float[(int) n];
  }

  /**
   * Per-thread operands of {@link #gemmViaPanels}, kept between calls so a training loop's weight
   * gradients allocate nothing: the copies of op(A) and op(B)ᵀ, and panels for the last few
   * shapes (a training step multiplies a handful of shapes over and over).
   */
  private static final class GemmScratch {
    float[] x = new float[0];
    float[] w = new float[0];
    final Panels[] shapes = new Panels[8];
    int next;

    /** Panels of shape n×k holding W, re-filled in place when this shape was seen before. */
    Panels panels(SimdKernels owner, float[] w, int n, int k) {
      for (Panels p : shapes) {
        if (p != null && p.rows() == n && p.cols() == k) {
          p.fill(w, 0);
          return p;
        }
      }
      Panels p = new Panels(owner, w, 0, n, k);
      shapes[next] = p;
      next = (next + 1) % shapes.length;
      return p;
    }
  }

  private final ThreadLocal<GemmScratch> gemmScratch = ThreadLocal.withInitial(GemmScratch::new);

  /** op(B) = B: a row of C is a combination of rows of B, vectorised along that row. */
  private void gemmRowsOfB(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b,
      int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    VectorSpecies<Float> sp = sp();
    int upper = sp.loopBound(n);
    for (int i = 0; i < m; i++) {
      int j = 0;
      for (; j < upper; j += sp.length()) {
        FloatVector acc = FloatVector.zero(sp);
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          acc = FloatVector.fromArray(sp, b, bOff + p * ldb + j).fma(FloatVector.broadcast(sp, av), acc);
        }
        int ci = cOff + i * ldc + j;
        acc = acc.mul(alpha); // then + beta·C, the reference's roundings; C unread when beta = 0
        if (beta != 0f) {
          acc = FloatVector.fromArray(sp, c, ci).mul(beta).add(acc);
        }
        acc.intoArray(c, ci);
      }
      for (; j < n; j++) { // scalar tail, the same operations per output (see TAILS)
        float acc = 0f;
        for (int p = 0; p < k; p++) {
          float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          acc = Math.fma(b[bOff + p * ldb + j], av, acc);
        }
        int ci = cOff + i * ldc + j;
        acc *= alpha;
        c[ci] = beta != 0f ? c[ci] * beta + acc : acc;
      }
    }
  }

  /** op(A) = Aᵀ, op(B) = Bᵀ: a column of C is a combination of rows of A; stored lane by lane. */
  private void gemmTransTrans(int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] b, int bOff,
      int ldb, float beta, float[] c, int cOff, int ldc) {
    VectorSpecies<Float> sp = sp();
    int upper = sp.loopBound(m);
    for (int j = 0; j < n; j++) {
      int i = 0;
      for (; i < upper; i += sp.length()) {
        FloatVector acc = FloatVector.zero(sp);
        for (int p = 0; p < k; p++) {
          FloatVector bv = FloatVector.broadcast(sp, b[bOff + j * ldb + p]);
          acc = FloatVector.fromArray(sp, a, aOff + p * lda + i).fma(bv, acc);
        }
        for (int t = 0; t < sp.length(); t++) {
          int ci = cOff + (i + t) * ldc + j;
          float sum = acc.lane(t);
          c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
        }
      }
      for (; i < m; i++) { // scalar tail (see TAILS)
        float sum = 0f;
        for (int p = 0; p < k; p++) {
          sum = Math.fma(a[aOff + p * lda + i], b[bOff + j * ldb + p], sum);
        }
        int ci = cOff + i * ldc + j;
        c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
      }
    }
  }

  @Override
  protected void gemvK(boolean transA, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x, int xOff,
      float beta, float[] y, int yOff) {
    if (!transA) {
      for (int i = 0; i < m; i++) {
        float sum = dot(a, aOff + i * lda, x, xOff, n);
        y[yOff + i] = beta == 0f ? alpha * sum : alpha * sum + beta * y[yOff + i];
      }
      return;
    }
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(n); j < upper; j += sp.length()) {
      FloatVector acc = FloatVector.zero(sp);
      for (int p = 0; p < m; p++) {
        acc = FloatVector.fromArray(sp, a, aOff + p * lda + j).fma(FloatVector.broadcast(sp, x[xOff + p]), acc);
      }
      acc = acc.mul(alpha);
      if (beta != 0f) {
        acc = FloatVector.fromArray(sp, y, yOff + j).mul(beta).add(acc);
      }
      acc.intoArray(y, yOff + j);
    }
    for (; j < n; j++) { // scalar tail (see TAILS)
      float acc = 0f;
      for (int p = 0; p < m; p++) {
        acc = Math.fma(a[aOff + p * lda + j], x[xOff + p], acc);
      }
      acc *= alpha;
      y[yOff + j] = beta != 0f ? y[yOff + j] * beta + acc : acc;
    }
  }

  /** Σ a[ao + p]·b[bo + p] for p &lt; len: two accumulator chains, then one vector, then a scalar tail. */
  private float dot(float[] a, int ao, float[] b, int bo, int len) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    FloatVector s0 = FloatVector.zero(sp);
    FloatVector s1 = s0;
    int p = 0;
    for (; p + 2 * l <= len; p += 2 * l) {
      s0 = FloatVector.fromArray(sp, a, ao + p).fma(FloatVector.fromArray(sp, b, bo + p), s0);
      s1 = FloatVector.fromArray(sp, a, ao + p + l).fma(FloatVector.fromArray(sp, b, bo + p + l), s1);
    }
    if (p + l <= len) {
      s0 = FloatVector.fromArray(sp, a, ao + p).fma(FloatVector.fromArray(sp, b, bo + p), s0);
      p += l;
    }
    float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
    for (; p < len; p++) { // scalar tail (see TAILS)
      sum = Math.fma(a[ao + p], b[bo + p], sum);
    }
    return sum;
  }

  // ---------------------------------------------------------------- activations

  private static final float LOG2E = 1.44269504088896341f;
  /** ln 2 split into a part exact in float (few mantissa bits) and the rest (Cody and Waite). */
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  /** 1.5·2^23: adding it rounds to an integer that then sits in the low mantissa bits. */
  private static final float ROUND_MAGIC = 12582912f;
  private static final int ROUND_MAGIC_BITS = 0x4B400000;
  private static final float SIGMOID_CLAMP = 30f;
  private static final float TANH_CLAMP = 10f;
  private static final float TANH_SMALL = 0.625f;
  private static final float TANH_TINY = 0x1p-12f;

  /** Whether {@link #activate} computes {@code a}: sigmoid, tanh and relu; others use the scalar reference. */
  static boolean vectorised(Activation a) {
    Activation.Kind k = a.kind();
    return k == Activation.Kind.SIGMOID || k == Activation.Kind.TANH || k == Activation.Kind.RELU;
  }

  /**
   * a[off, off + n) ← act(clamp(a, ±clip)) in place, for sigmoid, tanh or relu. Our own sigmoid
   * and tanh from FMA, multiply, add, divide, min and max (the Vector API's EXP/TANH are not ours
   * to document); everything is inline in this one loop so that C2 keeps vectors in registers.
   *
   * <p>Accuracy: at most 1e-6 absolute error against float64 over all floats (the tests sweep
   * them; measured ≤ 1e-7). e^t: t = k·ln2 + r, |r| ≤ ln2/2, e^r by the Cephes expf polynomial
   * (~1 ulp), 2^k built in the exponent bits. sigmoid = 1/(1 + e^−x) with x clamped to ±30;
   * tanh = an odd polynomial (Cephes tanhf) below 0.625, where 1 − 2/(e^{2|x|} + 1) would lose
   * relative accuracy, and that formula above, |x| clamped to 10; its sign is put back, so
   * tanh(−x) = −tanh(x) bit for bit. No intermediate overflows or becomes subnormal (tanh of a
   * subnormal x is x). tanh(±0) = ±0, tanh(x) = x for |x| &lt; 2^-12, tanh(±∞) = ±1,
   * sigmoid(+∞) = 1, sigmoid(−∞) = sigmoid(−30) ≈ 9.4e-14; NaN gives NaN (min/max keep NaN, as
   * Math.min/max do); relu(NaN) = 0 like the reference.
   */
  void activate(Activation.Kind kind, float[] a, int off, int n, float clip) {
    int full = sp().loopBound(n);
    activateVectors(kind, a, off, full, clip);
    if (full < n) {
      // The tail goes through a zero-padded per-thread copy, so it runs the very same vector code.
      float[] t = tail.get();
      int rem = n - full;
      System.arraycopy(a, off + full, t, 0, rem);
      java.util.Arrays.fill(t, rem, t.length, 0f);
      activateVectors(kind, t, 0, t.length, clip);
      System.arraycopy(t, 0, a, off + full, rem);
    }
  }

  /** {@link #activate} on whole vectors: n is a multiple of the vector length. */
  private void activateVectors(Activation.Kind kind, float[] a, int off, int n, float clip) {
    VectorSpecies<Float> sp = sp();
    boolean sigmoid = kind == Activation.Kind.SIGMOID;
    boolean relu = kind == Activation.Kind.RELU;
    FloatVector one = FloatVector.broadcast(sp, 1f);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector x = FloatVector.fromArray(sp, a, off + j).min(clip).max(-clip);
      FloatVector y;
      if (relu) {
        y = FloatVector.zero(sp).blend(x, x.compare(VectorOperators.GT, 0f));
      } else {
        FloatVector ax = x.abs();
        FloatVector arg = sigmoid ? x.max(-SIGMOID_CLAMP).min(SIGMOID_CLAMP).neg() : ax.min(TANH_CLAMP).mul(2f);
        // e = e^arg
        FloatVector t = arg.fma(LOG2E, ROUND_MAGIC);
        FloatVector k = t.sub(ROUND_MAGIC);
        FloatVector r = k.fma(FloatVector.broadcast(sp, -LN2_HI), arg);
        r = k.fma(FloatVector.broadcast(sp, -LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, FloatVector.broadcast(sp, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(sp, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(sp, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(sp, 5.0000001201e-1f));
        p = p.mul(r.mul(r)).add(r).add(one);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).add(127 - ROUND_MAGIC_BITS)
            .lanewise(VectorOperators.LSHL, 23);
        FloatVector d = p.mul((FloatVector) bits.reinterpretAsFloats()).add(one);
        if (sigmoid) {
          y = one.div(d);
        } else {
          FloatVector large = one.sub(FloatVector.broadcast(sp, 2f).div(d));
          large = large.lanewise(VectorOperators.NEG, x.compare(VectorOperators.LT, 0f));
          // Below 2^-12 tanh(x) rounds to x; flooring |x| there keeps z (and all after) normal.
          FloatVector z = ax.max(TANH_TINY);
          z = z.mul(z);
          FloatVector q = z.fma(-5.70498872745e-3f, 2.06390887954e-2f);
          q = q.fma(z, FloatVector.broadcast(sp, -5.37397155531e-2f));
          q = q.fma(z, FloatVector.broadcast(sp, 1.33314422036e-1f));
          q = q.fma(z, FloatVector.broadcast(sp, -3.33332819422e-1f));
          FloatVector small = z.fma(q, one).mul(x);
          y = large.blend(small, ax.compare(VectorOperators.LT, TANH_SMALL));
        }
      }
      y.intoArray(a, off + j);
    }
  }

  // ---------------------------------------------------------------- fused cells
  //
  // Each cell runs in short passes over per-thread scratch: pre-activations (vector adds), then
  // activate() in place, then the state update. One method holding every activation inline is
  // too big for C2, which then boxes vectors; no vector ever crosses a method boundary here.

  /** dst[d + j] = x[xo + j] + h[ho + j] + b[bo + j], the reference's order of additions. */
  private void addThree(int n, float[] x, int xo, float[] h, int ho, float[] b, int bo, float[] dst, int d) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(n); j < upper; j += sp.length()) {
      FloatVector.fromArray(sp, x, xo + j).add(FloatVector.fromArray(sp, h, ho + j))
          .add(FloatVector.fromArray(sp, b, bo + j)).intoArray(dst, d + j);
    }
    for (; j < n; j++) {
      dst[d + j] = x[xo + j] + h[ho + j] + b[bo + j];
    }
  }

  /** s[so + j] += p[po + j]·c[co + j]: a peephole term. */
  private void addProduct(int n, float[] p, int po, float[] c, int co, float[] s, int so) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(n); j < upper; j += sp.length()) {
      FloatVector.fromArray(sp, p, po + j).fma(FloatVector.fromArray(sp, c, co + j),
          FloatVector.fromArray(sp, s, so + j)).intoArray(s, so + j);
    }
    for (; j < n; j++) {
      s[so + j] = Math.fma(p[po + j], c[co + j], s[so + j]);
    }
  }

  private static boolean lstmFast(CellFunctions fns) {
    return fns.gate().kind() == Activation.Kind.SIGMOID && fns.candidate().kind() == Activation.Kind.TANH
        && fns.output().kind() == Activation.Kind.TANH;
  }

  /** Vectorised for sigmoid gates and tanh candidate/output, with any clip, peepholes, coupling. */
  @Override
  protected void lstmCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    if (!lstmFast(fns)) {
      super.lstmCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
      return;
    }
    int hd = hidden;
    float clip = fns.clip();
    boolean coupled = fns.inputForget();
    float[] s = scratch(5 * hd); // i, f, g, o, then c' for the output tanh
    for (int r = 0; r < rows; r++) {
      int cr = cOff + r * hd;
      addThree(4 * hd, xg, xgOff + r * 4 * hd, hg, hgOff + r * 4 * hd, bias, 0, s, 0);
      if (peep != null) {
        addProduct(hd, peep, 0, c, cr, s, 0);
        addProduct(hd, peep, hd, c, cr, s, hd);
      }
      activate(Activation.Kind.SIGMOID, s, 0, coupled ? hd : 2 * hd, clip);
      activate(Activation.Kind.TANH, s, 2 * hd, hd, clip);
      lstmState(hd, s, coupled, c, cr);
      if (peep != null) {
        addProduct(hd, peep, 2 * hd, c, cr, s, 3 * hd);
      }
      activate(Activation.Kind.SIGMOID, s, 3 * hd, hd, clip);
      activate(Activation.Kind.TANH, s, 4 * hd, hd, Float.POSITIVE_INFINITY);
      product(hd, s, 3 * hd, s, 4 * hd, h, hOff + r * hd);
    }
  }

  /**
   * Vectorised for the standard cell (sigmoid gates, tanh candidate and output, no clip, no
   * coupling) without peepholes; anything else runs the scalar default. Same passes as the
   * forward cell: pre-activations, activations in place, then the derivative arithmetic.
   */
  @Override
  protected void lstmCellBackwardK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, float[] peep, CellFunctions fns, float[] cPrev, int cPrevOff, float[] cNew, int cNewOff,
      float[] dh, int dhOff, float[] dc, int dcOff, float[] dGates, int dGatesOff, float[] dPeep) {
    if (peep != null || !fns.isStandard()) {
      super.lstmCellBackwardK(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, cPrev, cPrevOff, cNew, cNewOff,
          dh, dhOff, dc, dcOff, dGates, dGatesOff, dPeep);
      return;
    }
    int hd = hidden;
    float[] s = scratch(5 * hd); // i, f, g, o, tanh(c')
    for (int r = 0; r < rows; r++) {
      addThree(4 * hd, xg, xgOff + r * 4 * hd, hg, hgOff + r * 4 * hd, bias, 0, s, 0);
      activate(Activation.Kind.SIGMOID, s, 0, 2 * hd, Float.POSITIVE_INFINITY);
      activate(Activation.Kind.TANH, s, 2 * hd, hd, Float.POSITIVE_INFINITY);
      activate(Activation.Kind.SIGMOID, s, 3 * hd, hd, Float.POSITIVE_INFINITY);
      System.arraycopy(cNew, cNewOff + r * hd, s, 4 * hd, hd);
      activate(Activation.Kind.TANH, s, 4 * hd, hd, Float.POSITIVE_INFINITY);
      lstmGradients(hd, s, cPrev, cPrevOff + r * hd, dh, dhOff + r * hd, dc, dcOff + r * hd, dGates,
          dGatesOff + r * 4 * hd);
    }
  }

  /**
   * From the activated gates i, f, g, o and tanh(c') in s: dC = dc + dh·o·(1 − tanh²c'),
   * d(pre-activations) = (dC·g·i(1−i), dC·c·f(1−f), dC·i·(1−g²), dh·tanh(c')·o(1−o)), and dc ← dC·f.
   * Whole vectors, then a scalar tail of the same operations (no masked tail: C2 boxed those).
   */
  private void lstmGradients(int hd, float[] s, float[] cPrev, int cp, float[] dh, int dho, float[] dc, int dco,
      float[] dG, int dgo) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(hd); j < upper; j += sp.length()) {
      FloatVector i = FloatVector.fromArray(sp, s, j);
      FloatVector f = FloatVector.fromArray(sp, s, hd + j);
      FloatVector g = FloatVector.fromArray(sp, s, 2 * hd + j);
      FloatVector o = FloatVector.fromArray(sp, s, 3 * hd + j);
      FloatVector hc = FloatVector.fromArray(sp, s, 4 * hd + j);
      FloatVector d = FloatVector.fromArray(sp, dh, dho + j);
      FloatVector c = FloatVector.fromArray(sp, cPrev, cp + j);
      FloatVector dC = d.mul(o).mul(hc.mul(hc).neg().add(1f)).add(FloatVector.fromArray(sp, dc, dco + j));
      d.mul(hc).mul(o.mul(o.neg().add(1f))).intoArray(dG, dgo + 3 * hd + j);
      dC.mul(g).mul(i.mul(i.neg().add(1f))).intoArray(dG, dgo + j);
      dC.mul(c).mul(f.mul(f.neg().add(1f))).intoArray(dG, dgo + hd + j);
      dC.mul(i).mul(g.mul(g).neg().add(1f)).intoArray(dG, dgo + 2 * hd + j);
      dC.mul(f).intoArray(dc, dco + j);
    }
    for (; j < hd; j++) {
      float i = s[j];
      float f = s[hd + j];
      float g = s[2 * hd + j];
      float o = s[3 * hd + j];
      float hc = s[4 * hd + j];
      float d = dh[dho + j];
      float dC = d * o * (1f - hc * hc) + dc[dco + j];
      dG[dgo + 3 * hd + j] = d * hc * (o * (1f - o));
      dG[dgo + j] = dC * g * (i * (1f - i));
      dG[dgo + hd + j] = dC * cPrev[cp + j] * (f * (1f - f));
      dG[dgo + 2 * hd + j] = dC * i * (1f - g * g);
      dc[dco + j] = dC * f;
    }
  }

  /** c' = f⊙c + i⊙g from the activated gates in s; c' goes to c and to s[4H..] for tanh. */
  private void lstmState(int hd, float[] s, boolean coupled, float[] c, int cr) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(hd); j < upper; j += sp.length()) {
      FloatVector i = FloatVector.fromArray(sp, s, j);
      FloatVector f = coupled ? i.neg().add(1f) : FloatVector.fromArray(sp, s, hd + j);
      FloatVector cNew = i.fma(FloatVector.fromArray(sp, s, 2 * hd + j), f.mul(FloatVector.fromArray(sp, c, cr + j)));
      cNew.intoArray(c, cr + j);
      cNew.intoArray(s, 4 * hd + j);
    }
    for (; j < hd; j++) {
      float i = s[j];
      float f = coupled ? -i + 1f : s[hd + j];
      float cNew = Math.fma(i, s[2 * hd + j], f * c[cr + j]);
      c[cr + j] = cNew;
      s[4 * hd + j] = cNew;
    }
  }

  /** dst[d + j] = a[ao + j]·b[bo + j]. */
  private void product(int n, float[] a, int ao, float[] b, int bo, float[] dst, int d) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(n); j < upper; j += sp.length()) {
      FloatVector.fromArray(sp, a, ao + j).mul(FloatVector.fromArray(sp, b, bo + j)).intoArray(dst, d + j);
    }
    for (; j < n; j++) {
      dst[d + j] = a[ao + j] * b[bo + j];
    }
  }

  private static boolean gruFast(CellFunctions fns) {
    return fns.gate().kind() == Activation.Kind.SIGMOID && fns.candidate().kind() == Activation.Kind.TANH;
  }

  @Override
  protected void gruCellK(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] h, int hOff) {
    if (!gruFast(fns)) {
      super.gruCellK(rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
      return;
    }
    int hd = hidden;
    float clip = fns.clip();
    float[] s = scratch(3 * hd); // r, z, n
    for (int r = 0; r < rows; r++) {
      int xr = xgOff + r * 3 * hd;
      int hr = hgOff + r * 3 * hd;
      addThree(2 * hd, xg, xr, hg, hr, bias, 0, s, 0);
      // reset-before: r was applied by gruResetState; only z is needed here
      activate(Activation.Kind.SIGMOID, s, resetAfter ? 0 : hd, resetAfter ? 2 * hd : hd, clip);
      gruCandidate(hd, resetAfter, xg, xr, hg, hr, bias, s);
      activate(Activation.Kind.TANH, s, 2 * hd, hd, clip);
      gruState(hd, s, h, hOff + r * hd);
    }
  }

  /** Candidate pre-activation into s[2H..]: xg_n + b_in + r⊙(hg_n + b_hn), or without r (reset-before). */
  private void gruCandidate(int hd, boolean resetAfter, float[] xg, int xr, float[] hg, int hr, float[] bias,
      float[] s) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(hd); j < upper; j += sp.length()) {
      FloatVector hn = FloatVector.fromArray(sp, hg, hr + 2 * hd + j).add(FloatVector.fromArray(sp, bias, 3 * hd + j));
      FloatVector xn = FloatVector.fromArray(sp, xg, xr + 2 * hd + j).add(FloatVector.fromArray(sp, bias, 2 * hd + j));
      FloatVector pn = resetAfter ? FloatVector.fromArray(sp, s, j).fma(hn, xn) : xn.add(hn);
      pn.intoArray(s, 2 * hd + j);
    }
    for (; j < hd; j++) {
      float hn = hg[hr + 2 * hd + j] + bias[3 * hd + j];
      float xn = xg[xr + 2 * hd + j] + bias[2 * hd + j];
      s[2 * hd + j] = resetAfter ? Math.fma(s[j], hn, xn) : xn + hn;
    }
  }

  /** h' = (1 − z)⊙n + z⊙h. */
  private void gruState(int hd, float[] s, float[] h, int ho) {
    VectorSpecies<Float> sp = sp();
    int j = 0;
    for (int upper = sp.loopBound(hd); j < upper; j += sp.length()) {
      FloatVector z = FloatVector.fromArray(sp, s, hd + j);
      FloatVector n = FloatVector.fromArray(sp, s, 2 * hd + j);
      z.fma(FloatVector.fromArray(sp, h, ho + j), z.neg().add(1f).mul(n)).intoArray(h, ho + j);
    }
    for (; j < hd; j++) {
      float z = s[hd + j];
      h[ho + j] = Math.fma(z, h[ho + j], (-z + 1f) * s[2 * hd + j]);
    }
  }

  @Override
  protected void gruResetStateK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    if (fns.gate().kind() != Activation.Kind.SIGMOID) {
      super.gruResetStateK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh, rhOff);
      return;
    }
    float[] s = scratch(hidden);
    for (int r = 0; r < rows; r++) {
      addThree(hidden, xg, xgOff + r * 3 * hidden, hg, hgOff + r * 3 * hidden, bias, 0, s, 0);
      activate(Activation.Kind.SIGMOID, s, 0, hidden, fns.clip());
      product(hidden, s, 0, h, hOff + r * hidden, rh, rhOff + r * hidden);
    }
  }

  @Override
  protected void rnnCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    if (!vectorised(fns.candidate())) {
      super.rnnCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
      return;
    }
    for (int r = 0; r < rows; r++) {
      addThree(hidden, xg, xgOff + r * hidden, hg, hgOff + r * hidden, bias, 0, h, hOff + r * hidden);
    }
    activate(fns.candidate().kind(), h, hOff, rows * hidden, fns.clip());
  }

  // ---------------------------------------------------------------- elementwise

  @Override
  protected void biasActivationK(int rows, int n, float[] x, int xOff, float[] bias, Activation act) {
    if (!vectorised(act)) {
      super.biasActivationK(rows, n, x, xOff, bias, act);
      return;
    }
    VectorSpecies<Float> sp = sp();
    int upper = sp.loopBound(n);
    for (int r = 0; r < rows; r++) {
      int o = xOff + r * n;
      int j = 0;
      // Whole vectors and a scalar tail (the same sums): a masked loop boxed vectors here under C2.
      for (; j < upper; j += sp.length()) {
        FloatVector.fromArray(sp, x, o + j).add(FloatVector.fromArray(sp, bias, j)).intoArray(x, o + j);
      }
      for (; j < n; j++) {
        x[o + j] += bias[j];
      }
    }
    activate(act.kind(), x, xOff, rows * n, Float.POSITIVE_INFINITY);
  }

  @Override
  protected void axpyK(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    // Whole vectors, then a scalar tail with the same fused multiply-add: a masked tail made C2
    // box vectors here when n is a single vector (measured: ~300 bytes per call at n = 8).
    VectorSpecies<Float> sp = sp();
    FloatVector a = FloatVector.broadcast(sp, alpha);
    int i = 0;
    for (int upper = sp.loopBound(n); i < upper; i += sp.length()) {
      FloatVector.fromArray(sp, x, xOff + i).fma(a, FloatVector.fromArray(sp, y, yOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = Math.fma(x[xOff + i], alpha, y[yOff + i]);
    }
  }

  // ---------------------------------------------------------------- widths

  static final class V128 extends SimdKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_128;

    V128(int threads, long parallelMin) {
      super(threads, parallelMin);
    }

    @Override
    VectorSpecies<Float> sp() {
      return SPECIES;
    }
  }

  static final class V256 extends SimdKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_256;

    V256(int threads, long parallelMin) {
      super(threads, parallelMin);
    }

    @Override
    VectorSpecies<Float> sp() {
      return SPECIES;
    }
  }

  static final class V512 extends SimdKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

    V512(int threads, long parallelMin) {
      super(threads, parallelMin);
    }

    @Override
    VectorSpecies<Float> sp() {
      return SPECIES;
    }
  }
}
