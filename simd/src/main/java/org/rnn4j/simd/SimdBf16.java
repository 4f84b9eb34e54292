package org.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnn4j.spi.Bf16;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.spi.PanelProduct;
import org.rnn4j.spi.WorkerPool;

/**
 * bf16-weight products for {@link SimdKernels}: W is stored as bfloat16 (2 bytes per weight) in
 * panels like the fp32 ones, and widened to float32 in registers before an fp32 FMA. Activations
 * and sums stay fp32, so the result is the scalar bf16 reference's up to summation order.
 *
 * <p>Layout: panels of {@code PANEL_VECTORS} vectors of output rows, as for fp32, but each 32-bit
 * lane holds the bf16 weights of two adjacent input columns of one output row (column 2k in the
 * low half, 2k + 1 in the high half). One int load thus yields two float vectors with one
 * instruction each: {@code lane << 16} (column 2k) and {@code lane & 0xFFFF0000} (column 2k + 1),
 * reinterpreted as floats; no cross-lane widening is needed.
 *
 * <p>The same rules as {@link SimdKernels}: species are {@code static final} per width subclass,
 * no vector crosses a method boundary, nothing is allocated per call (per-thread scratch, one
 * pool task per instance), and work is split only over independent outputs, so the results do
 * not depend on the thread count. Each output is summed column by column in order (one
 * accumulator) by the 3-row tiles (on a panel widened to fp32 once per chunk), the 1-row tiles
 * and batch 1's two-panel GEMV alike.
 */
abstract sealed class SimdBf16 permits SimdBf16.V128, SimdBf16.V256, SimdBf16.V512 {
  /**
   * Vectors per bf16 panel: the tiles below are written for 3 (the fp32 kernels moved to 2, their own
   * layout); a bf16 panel is packed and read only here.
   */
  static final int PANEL_VECTORS = 3;
  /** Rows per batched tile ({@link #tile3}). */
  static final int TILE_ROWS = 3;
  static final int ROW_BLOCK = SimdKernels.ROW_BLOCK;
  private static final int HIGH = 0xFFFF_0000;

  private final int panelWidth;
  /** How the products split over the pool (the fp32 kernels' pool). */
  private final PanelProduct<Panels> product;
  private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[256]);
  /** A panel widened to fp32 for the batched tiles. */
  private final ThreadLocal<float[]> wideScratch = ThreadLocal.withInitial(() -> new float[256]);
  /** Per-thread copy of a chunk's x rows in triples, interleaved column by column ({@link #tile3}'s broadcasts). */
  private final ThreadLocal<SimdKernels.PackedRows> packedRows = ThreadLocal.withInitial(SimdKernels.PackedRows::new);

  SimdBf16(WorkerPool pool, long parallelMin) {
    this.panelWidth = PANEL_VECTORS * fsp().length();
    this.product = new PanelProduct<>(pool, parallelMin, ROW_BLOCK) {
      @Override
      protected void chunk(Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
          int ldo, int r0, int r1, int p0, int p1, long call) {
        SimdBf16.this.chunk(w, m, x, xOff, ldx, beta, out, outOff, ldo, r0, r1, p0, p1, call);
      }
    };
  }

  static SimdBf16 create(int bits, WorkerPool pool, long parallelMin) {
    return switch (bits) {
      case 128 -> new V128(pool, parallelMin);
      case 256 -> new V256(pool, parallelMin);
      case 512 -> new V512(pool, parallelMin);
      default -> throw new IllegalArgumentException("vector width must be 128, 256 or 512 bits, got " + bits);
    };
  }

  abstract VectorSpecies<Float> fsp();

  abstract VectorSpecies<Integer> isp();

  int panelWidth() {
    return panelWidth;
  }

  private float[] scratch(int n) {
    return grow(scratch, n);
  }

  /** This thread's array of {@code local}, grown to at least n floats (once, not per call). */
  private static float[] grow(ThreadLocal<float[]> local, int n) {
    float[] s = local.get();
    if (s.length < n) {
      s = new float[Math.max(n, 2 * s.length)];
      local.set(s);
    }
    return s;
  }

  /** W [rows × cols] in bf16 panels of {@code panelWidth} rows, column pairs per int (see class doc). */
  static final class Panels extends PackedMatrix {
    final Object owner;
    final int[] data;
    final int panels;
    final int pairs;
    final int panelWidth;

    Panels(Object owner, int panelWidth, float[] w, int off, int rows, int cols) {
      super(rows, cols);
      this.owner = owner;
      this.panelWidth = panelWidth;
      this.panels = (rows + panelWidth - 1) / panelWidth;
      this.pairs = (cols + 1) / 2;
      long size = (long) panels * pairs * panelWidth;
      if (size > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("matrix " + rows + "x" + cols + " too large to pack");
      }
      this.data = new int[(int) size];
      for (int p = 0; p < panels; p++) {
        for (int k = 0; k < pairs; k++) {
          int dst = (p * pairs + k) * panelWidth;
          for (int v = 0; v < panelWidth && p * panelWidth + v < rows; v++) {
            int src = off + (p * panelWidth + v) * cols + 2 * k;
            int lo = Bf16.round(w[src]) & 0xFFFF;
            int hi = 2 * k + 1 < cols ? Bf16.round(w[src + 1]) & 0xFFFF : 0;
            data[dst + v] = lo | hi << 16;
          }
        }
      }
    }

    /** The bf16 value of W[row, col], widened (for tests). */
    float get(int row, int col) {
      int p = row / panelWidth;
      int lane = data[(p * pairs + col / 2) * panelWidth + row % panelWidth];
      return Float.intBitsToFloat((col & 1) == 0 ? lane << 16 : lane & HIGH);
    }

    @Override
    public long byteSize() {
      return 4L * data.length;
    }
  }

  Panels pack(Object owner, float[] w, int off, int rows, int cols) {
    return new Panels(owner, panelWidth, w, off, rows, cols);
  }

  void matmul(int m, float[] x, int xOff, int ldx, Panels p, float beta, float[] out, int outOff, int ldo) {
    product.multiply(p, p.panels, m, x, xOff, ldx, beta, out, outOff, ldo, (long) m * p.rows() * p.cols());
  }

  /** Rows [r0, r1) of the product times the output rows of panels [p0, p1). */
  private void chunk(Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff, int ldo,
      int r0, int r1, int p0, int p1, long call) {
    int cols = w.cols();
    int pw = panelWidth;
    float[] t = scratch(TILE_ROWS * pw);
    int stride = w.pairs * pw;
    int p = p0;
    if (m == 1) {
      // Two panels at a time: two weight streams in flight. Four (as fp32) need 12 accumulators,
      // which C2 cannot keep in AVX2's 16 registers next to the widening temporaries; measured
      // (harness, best of 4 JVMs, session 7) one panel 45.2 / 202 us per GEMV of 2048 × 512 /
      // 4096 × 1024, four 48.7 / 181, two 41.8 / 169.
      for (; p + 2 <= p1; p += 2) {
        gemvPair(cols, x, xOff, w.data, p * stride, stride, t);
        SimdKernels.commit(t, 2 * pw, 1, Math.min(2 * pw, w.rows() - p * pw), beta, out, outOff + p * pw, ldo);
      }
      for (; p < p1; p++) {
        tile1(cols, x, xOff, w.data, p * stride, t);
        SimdKernels.commit(t, pw, 1, Math.min(pw, w.rows() - p * pw), beta, out, outOff + p * pw, ldo);
      }
      return;
    }
    float[] wide = grow(wideScratch, 2 * w.pairs * pw);
    int triples = (r1 - r0) / TILE_ROWS;
    float[] xq = triples > 0 ? packedRows.get()
        .rows(x, xOff + r0 * ldx, ldx, cols, 0, triples * TILE_ROWS, triples * TILE_ROWS, TILE_ROWS, call, r0, r1)
        : null;
    for (; p < p1; p++) {
      int q = p * stride;
      int j = p * pw;
      int valid = Math.min(pw, w.rows() - j);
      int r = r0;
      if (r + TILE_ROWS <= r1) {
        widen(w.data, q, w.pairs, wide);
      }
      for (; r + TILE_ROWS <= r1; r += TILE_ROWS) {
        tile3(cols, xq, (r - r0) * cols, wide, t);
        SimdKernels.commit(t, panelWidth, TILE_ROWS, valid, beta, out, outOff + r * ldo + j, ldo);
      }
      for (; r < r1; r++) {
        tile1(cols, x, xOff + r * ldx, w.data, q, t);
        SimdKernels.commit(t, panelWidth, 1, valid, beta, out, outOff + r * ldo + j, ldo);
      }
    }
  }

  /**
   * Batch 1, two panels ({@code stride} ints apart from q) into 2 × panelWidth outputs of t: one
   * chain per output vector over the columns in order, as {@link #tile1} computes each panel.
   */
  private void gemvPair(int cols, float[] x, int x0, int[] pw, int q, int stride, float[] t) {
    VectorSpecies<Float> fs = fsp();
    VectorSpecies<Integer> is = isp();
    int l = fs.length();
    int step = PANEL_VECTORS * l;
    FloatVector a0 = FloatVector.zero(fs), a1 = a0, a2 = a0, b0 = a0, b1 = a0, b2 = a0;
    // Counted over x's index two columns at a time, every index (invariant base) + xc·constant:
    // with two induction variables and the bound c + 1 < cols, C2 kept six bounds checks in the
    // loop, and a pair counter k cost index arithmetic for x and the panels (session 8/9).
    int pairs = cols >> 1;
    int half = step / 2;
    int qx = q - x0 * half;
    int q1x = qx + stride;
    for (int xc = x0, xe = x0 + 2 * pairs; xc < xe; xc += 2) {
      int o = xc * half;
      FloatVector lo = FloatVector.broadcast(fs, x[xc]);
      FloatVector hi = FloatVector.broadcast(fs, x[xc + 1]);
      IntVector v = IntVector.fromArray(is, pw, qx + o);
      a0 = v.and(HIGH).reinterpretAsFloats().fma(hi, v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, a0));
      v = IntVector.fromArray(is, pw, qx + o + l);
      a1 = v.and(HIGH).reinterpretAsFloats().fma(hi, v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, a1));
      v = IntVector.fromArray(is, pw, qx + o + 2 * l);
      a2 = v.and(HIGH).reinterpretAsFloats().fma(hi, v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, a2));
      v = IntVector.fromArray(is, pw, q1x + o);
      b0 = v.and(HIGH).reinterpretAsFloats().fma(hi, v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, b0));
      v = IntVector.fromArray(is, pw, q1x + o + l);
      b1 = v.and(HIGH).reinterpretAsFloats().fma(hi, v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, b1));
      v = IntVector.fromArray(is, pw, q1x + o + 2 * l);
      b2 = v.and(HIGH).reinterpretAsFloats().fma(hi, v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, b2));
    }
    int q1 = q + stride;
    int c = 2 * pairs;
    int o = pairs * step;
    if (c < cols) { // an odd last column: the low halves alone
      FloatVector lo = FloatVector.broadcast(fs, x[x0 + c]);
      a0 = IntVector.fromArray(is, pw, q + o).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, a0);
      a1 = IntVector.fromArray(is, pw, q + o + l).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, a1);
      a2 = IntVector.fromArray(is, pw, q + o + 2 * l).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
          .fma(lo, a2);
      b0 = IntVector.fromArray(is, pw, q1 + o).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(lo, b0);
      b1 = IntVector.fromArray(is, pw, q1 + o + l).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
          .fma(lo, b1);
      b2 = IntVector.fromArray(is, pw, q1 + o + 2 * l).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
          .fma(lo, b2);
    }
    a0.intoArray(t, 0);
    a1.intoArray(t, l);
    a2.intoArray(t, 2 * l);
    b0.intoArray(t, step);
    b1.intoArray(t, step + l);
    b2.intoArray(t, step + 2 * l);
  }

  /**
   * The panel at q widened to fp32, column by column ([c][panelWidth]), into wide: once per panel
   * and chunk, for all the chunk's 3-row tiles (exact, so the sums are those of the packed ints).
   */
  private void widen(int[] pw, int q, int pairs, float[] wide) {
    VectorSpecies<Float> fs = fsp();
    VectorSpecies<Integer> is = isp();
    int l = fs.length();
    int step = PANEL_VECTORS * l;
    for (int k = 0; k < pairs; k++) {
      int src = q + k * step;
      int dst = 2 * k * step;
      for (int v = 0; v < step; v += l) {
        IntVector i = IntVector.fromArray(is, pw, src + v);
        i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(wide, dst + v);
        i.and(HIGH).reinterpretAsFloats().intoArray(wide, dst + step + v);
      }
    }
  }

  /**
   * 3 rows × 3 vectors of output from a widened panel ({@link #widen}), one column at a time: 9
   * accumulators, 3 loads and 3 broadcasts per column, the broadcasts from x's row triple packed
   * column by column at {@code x0} ({@code SimdKernels.PackedRows}). The loop counts that packed index and
   * derives the panel's from it, as the fp32 tiles do: from three rows of x, counting columns, C2
   * spent 25 instructions per 9 FMAs (session 8) against 20. The former 4-row tile on the packed
   * ints (12 accumulators, the ints and their widened halves live at once) spilled on AVX2's 16
   * registers and ran at half the fp32 tiles' speed: 2048 × 512, m = 100 / 800, 36–38 → 65–75
   * GFLOP/s, fp32 69–82 (harness, session 7).
   */
  private void tile3(int cols, float[] xq, int x0, float[] wp, float[] t) {
    VectorSpecies<Float> fs = fsp();
    int l = fs.length();
    int step = PANEL_VECTORS * l;
    FloatVector zero = FloatVector.zero(fs);
    FloatVector a00 = zero, a01 = zero, a02 = zero, a10 = zero, a11 = zero, a12 = zero;
    FloatVector a20 = zero, a21 = zero, a22 = zero;
    // A column is TILE_ROWS floats of xq and step = TILE_ROWS · l floats of wp.
    int qx = -x0 * l;
    for (int xc = x0, xe = x0 + TILE_ROWS * cols; xc < xe; xc += TILE_ROWS) {
      int q = qx + xc * l;
      FloatVector w0 = FloatVector.fromArray(fs, wp, q);
      FloatVector w1 = FloatVector.fromArray(fs, wp, q + l);
      FloatVector w2 = FloatVector.fromArray(fs, wp, q + 2 * l);
      FloatVector b = FloatVector.broadcast(fs, xq[xc]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
      a02 = w2.fma(b, a02);
      b = FloatVector.broadcast(fs, xq[xc + 1]);
      a10 = w0.fma(b, a10);
      a11 = w1.fma(b, a11);
      a12 = w2.fma(b, a12);
      b = FloatVector.broadcast(fs, xq[xc + 2]);
      a20 = w0.fma(b, a20);
      a21 = w1.fma(b, a21);
      a22 = w2.fma(b, a22);
    }
    a00.intoArray(t, 0);
    a01.intoArray(t, l);
    a02.intoArray(t, 2 * l);
    a10.intoArray(t, step);
    a11.intoArray(t, step + l);
    a12.intoArray(t, step + 2 * l);
    a20.intoArray(t, 2 * step);
    a21.intoArray(t, 2 * step + l);
    a22.intoArray(t, 2 * step + 2 * l);
  }

  /** One row × 3 vectors: the same operations per output as {@link #tile3}, so the same bits. */
  private void tile1(int cols, float[] x, int x0, int[] pw, int q, float[] t) {
    VectorSpecies<Float> fs = fsp();
    VectorSpecies<Integer> is = isp();
    int l = fs.length();
    int step = PANEL_VECTORS * l;
    FloatVector a0 = FloatVector.zero(fs), a1 = a0, a2 = a0;
    int pairs = cols >> 1; // counted over x's index two columns at a time, as gemvPair
    int half = step / 2;
    int qx = q - x0 * half;
    for (int xc = x0, xe = x0 + 2 * pairs; xc < xe; xc += 2) {
      int qk = qx + xc * half;
      IntVector i0 = IntVector.fromArray(is, pw, qk);
      IntVector i1 = IntVector.fromArray(is, pw, qk + l);
      IntVector i2 = IntVector.fromArray(is, pw, qk + 2 * l);
      FloatVector b = FloatVector.broadcast(fs, x[xc]);
      a0 = i0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a0);
      a1 = i1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a1);
      a2 = i2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a2);
      b = FloatVector.broadcast(fs, x[xc + 1]);
      a0 = i0.and(HIGH).reinterpretAsFloats().fma(b, a0);
      a1 = i1.and(HIGH).reinterpretAsFloats().fma(b, a1);
      a2 = i2.and(HIGH).reinterpretAsFloats().fma(b, a2);
    }
    int c = 2 * pairs;
    q += pairs * step;
    if (c < cols) {
      FloatVector b = FloatVector.broadcast(fs, x[x0 + c]);
      a0 = IntVector.fromArray(is, pw, q).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a0);
      a1 = IntVector.fromArray(is, pw, q + l).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(b, a1);
      a2 = IntVector.fromArray(is, pw, q + 2 * l).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
          .fma(b, a2);
    }
    a0.intoArray(t, 0);
    a1.intoArray(t, l);
    a2.intoArray(t, 2 * l);
  }

  static final class V128 extends SimdBf16 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_128;

    V128(WorkerPool pool, long parallelMin) {
      super(pool, parallelMin);
    }

    @Override
    VectorSpecies<Float> fsp() {
      return F;
    }

    @Override
    VectorSpecies<Integer> isp() {
      return I;
    }
  }

  static final class V256 extends SimdBf16 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;

    V256(WorkerPool pool, long parallelMin) {
      super(pool, parallelMin);
    }

    @Override
    VectorSpecies<Float> fsp() {
      return F;
    }

    @Override
    VectorSpecies<Integer> isp() {
      return I;
    }
  }

  static final class V512 extends SimdBf16 {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;

    V512(WorkerPool pool, long parallelMin) {
      super(pool, parallelMin);
    }

    @Override
    VectorSpecies<Float> fsp() {
      return F;
    }

    @Override
    VectorSpecies<Integer> isp() {
      return I;
    }
  }
}
