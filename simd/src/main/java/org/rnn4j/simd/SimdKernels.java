package org.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.rnn4j.Activation;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.CellRows;
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
 * (m = 1 included: one FMA chain per output in column order, as in the tiles).
 */
public abstract sealed class SimdKernels extends Kernels permits SimdKernels.V128, SimdKernels.V256, SimdKernels.V512 {
  /** Vectors per packed panel: a tile is MR rows × PANEL_VECTORS vectors of output. */
  static final int PANEL_VECTORS = 2;
  /** Rows per register tile (see {@link #tile4} for why not 6). */
  static final int MR = 4;
  /** Rows per register tile at 512 bits ({@link #tile8}), where 32 vector registers hold 16 accumulators. */
  static final int WIDE_MR = 8;
  /** Rows per cache block (a multiple of MR and WIDE_MR): x rows of one block stay in L2 while panels stream past. */
  static final int ROW_BLOCK = 96;
  /**
   * Rows per block for a W of at most {@link #SMALL_W_BYTES}, below 512 bits: 16 rows (32 KiB of
   * packed x at 512 columns) and each panel, streamed from L3 once per block, serving 4 tiles. A W
   * that small stays in L3, so streaming it m / 16 times costs less than what 96-row blocks lose
   * (why exactly is not pinned down: the block's packed x, 192 KiB at 512 columns, shares L2 with
   * the panel and the output lines). Measured on the EPYC, one product, 1 thread (throwaway
   * harness, not JMH: fastest of 4 rounds, settings alternating JVM by JVM, session 6):
   * 2048 × 512 (an I = H = 512 LSTM's W) m = 800 88.3–88.9 → 92.7–93.2 GFLOP/s, m = 3200 87.9–88.8
   * → 93.2–93.3; 2 threads 173.5–174.7 → 186.6–187.6 and 178.5–179.3 → 185.8–185.9; m = 64 (one
   * block either way at 96) 91.4–93.2 → 94.1 at 1 thread, 183.9–185.7 → 181.4–183.4 at 2. Bigger
   * W lose (timed as 16-row calls): 3072 × 768 (9 MiB) m = 800 81 → 75 GFLOP/s, 4096 × 1024
   * (16 MiB) 80 → 47–53, as each block streams W from further out; 2048 × 1024 (8 MiB) was level.
   * Not at 512 bits: there the FMAs run twice as fast, so 16-row blocks would need twice the L3
   * bandwidth per second; the Xeon's 2 MiB L2 holds a 96-row block's x with room to spare; and no
   * AVX-512 machine was at hand to measure it (96 rows is what session 4's device runs timed).
   */
  static final int SMALL_ROW_BLOCK = 16;
  /** The largest W (its floats, not the packing's padding) that {@link #SMALL_ROW_BLOCK} serves. */
  static final long SMALL_W_BYTES = 4L << 20;
  /**
   * Columns per k block. Each k block is one tile call per row group, which reloads and stores its
   * partial sums and costs a call's setup; with 4 or 8 rows per tile the panel slice is read once
   * per 4 or 8 multiply-adds, which L2 sustains, so longer blocks win over keeping the slice in L1
   * (the former 256: 16 KiB at 256 bits). Measured on the EPYC (throwaway harness, not JMH: min of
   * 3–5 rounds, 1 thread, settings alternating JVM by JVM, 3–4 rounds each, 14:40–14:50 session 5):
   * 2048 × 512 m = 16 88.7–90.3 → 90.3–94.3 GFLOP/s (one noisy round 74.9 against 90.0); 4096 ×
   * 1024 m = 800 75.9–80.0 → 81.3–82.3, m = 64 71.0–79.1 → 78.4–81.5, m = 16 48.5–57.2 → 55.0–63.4.
   * A row block's x (96 rows × 1024 columns, 384 KiB) and the slice (64 KiB at 256 bits) fit a
   * 512 KiB L2.
   */
  static final int KC = 1024;
  /**
   * Floats of padding before the first panel. A packed W of a real model is large enough to be a
   * G1 humongous object, which starts on a region boundary, so its data starts 16 bytes past a
   * 64-byte boundary; 12 floats more put every panel column (2 vectors = 64 bytes at 256 bits) on
   * one cache line, so no weight load splits across two lines. Elsewhere the alignment is whatever
   * the allocator gives (as before). Measured on the shared 2-core EPYC: 64 × 2048 × 512 product
   * 1555–1581 µs against 1634–1764 µs without (small, near the noise).
   */
  static final int PANEL_BASE = 12;
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
  /** The LSTM and GRU cells on many rows, split over the pool (from 8192 elements: ~50 µs of work). */
  private final CellRows cellRows;

  SimdKernels(int threads, long parallelMin) {
    this.lanes = sp().length();
    this.panelWidth = PANEL_VECTORS * lanes;
    WorkerPool pool = threads > 1 ? WorkerPool.shared(threads) : null;
    this.cellRows = new CellRows(pool, parallelMin >> 5) {
      @Override
      protected void runRows(int r0, int r1) {
        switch (kind) {
          case LSTM -> lstmCellRows(r0, r1, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
          case GRU -> gruCellRows(r0, r1, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
          case GRU_RESET_STATE -> gruResetStateRows(r0, r1, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh,
              rhOff);
          case RNN -> throw new IllegalStateException("simd's Elman cell is not split");
        }
      }
    };
    this.product = new PanelProduct<>(pool, parallelMin, ROW_BLOCK) {
      @Override
      protected void chunk(Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
          int ldo, int r0, int r1, int p0, int p1, long call) {
        matmulChunk(w, m, x, xOff, ldx, beta, out, outOff, ldo, r0, r1, p0, p1, call);
      }

      @Override
      protected int rowBlock(Panels w) {
        return sp().vectorBitSize() < 512 && (long) w.rows() * w.cols() * Float.BYTES <= SMALL_W_BYTES
            ? SMALL_ROW_BLOCK : ROW_BLOCK;
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

  /**
   * A thread's packed row groups of x ({@link #matmulChunk}; bf16's 3-row tiles keep their own)
   * and which rows of which pooled call they hold: a batched step's product splits its one row
   * block into several panel groups, and a thread running more than one of them packs the rows
   * once (at 2 threads and 16–64 rows that was 4 packings per thread per step). The buffer grows,
   * never shrinks.
   */
  static final class PackedRows {
    private float[] data = new float[1024];
    /** The pooled call whose rows [r0, r1) data holds; 0 when it holds nothing reusable. */
    private long call;
    private int r0;
    private int r1;

    /**
     * The first {@code valid} rows of x (from {@code src}, ldx apart; rows [r0, r1) of the
     * product) packed: groups of {@link #WIDE_MR} rows for the first {@code eights}, then of
     * {@code n}, up to {@code grouped} (rows past {@code valid} are zeros); each group
     * interleaved column by column ({@code [c][n]}) at its first row × cols. Packs only when
     * this thread does not already hold the same rows of the same pooled call (call ≠ 0).
     */
    float[] rows(float[] x, int src, int ldx, int cols, int eights, int grouped, int valid, int n, long call,
        int r0, int r1) {
      if (call != 0 && this.call == call && this.r0 == r0 && this.r1 == r1) {
        return data;
      }
      this.call = 0;
      if (data.length < (long) grouped * cols) {
        data = new float[(int) Math.max((long) grouped * cols, 2L * data.length)];
      }
      for (int g = 0; g < grouped; ) {
        int size = g < eights ? WIDE_MR : n;
        int dst = g * cols;
        for (int i = 0; i < size; i++) {
          if (g + i >= valid) {
            for (int c = 0; c < cols; c++) {
              data[dst + size * c + i] = 0f;
            }
            continue;
          }
          int si = src + (g + i) * ldx;
          for (int c = 0; c < cols; c++) {
            data[dst + size * c + i] = x[si + c];
          }
        }
        g += size;
      }
      this.call = call;
      this.r0 = r0;
      this.r1 = r1;
      return data;
    }
  }

  private final ThreadLocal<PackedRows> packedRows = ThreadLocal.withInitial(PackedRows::new);

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
      long size = PANEL_BASE + (long) panels * cols * pw;
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
          int dst = PANEL_BASE + (p * cols + c) * pw;
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
      int ldo, int r0, int r1, int p0, int p1, long call) {
    int cols = w.cols();
    int pw = panelWidth;
    int rows = r1 - r0;
    // x's rows in groups of 8 (512-bit vectors: 32 registers hold the 16 accumulators) and 4, each
    // group interleaved column by column ([c][n]) at its first row × cols, packed once per chunk:
    // the tile's broadcasts per column then come from one cache line of one stream instead of n
    // rows ldx apart, which the L1 prefetcher could not keep up with once the rows outgrow L1
    // (m >= 64). Leftover rows (1–3) make one last group of 4, zero-padded, whose tile runs into t
    // and commits only its real rows: its 8 FMA chains take the time of one row's 2 (the 1 × 2
    // tile is bound by FMA latency), so 2 or 3 leftover rows cost what one did. Packing copies
    // values; the sums are the same whichever tile computes a row. A thread's later chunks of the
    // same pooled call and rows reuse its packing (PackedRows).
    int eights = sp().vectorBitSize() >= 512 ? rows / WIDE_MR * WIDE_MR : 0;
    int grouped = eights + (rows - eights) / MR * MR;
    int padded = rows > grouped ? grouped + MR : grouped;
    // Partial sums of the block's rows × one panel; each k block reloads them, so every output's
    // multiply-adds run in column order from zero, exactly as in one unblocked pass.
    float[] t = scratch(Math.max(padded, MR) * pw);
    if (m == 1) {
      gemv(w, x, xOff, beta, out, outOff, p0, p1, t);
      return;
    }
    float[] xq = packedRows.get().rows(x, xOff + r0 * ldx, ldx, cols, eights, padded, rows, MR, call, r0, r1);
    for (int p = p0; p < p1; p++) {
      int q = PANEL_BASE + p * cols * pw;
      int j = p * pw;
      int valid = Math.min(pw, w.rows() - j);
      int o = outOff + r0 * ldo + j;
      // A whole panel's last k block stores straight into out (with beta); only the partial last
      // panel of W goes through t and commit, which writes its valid columns alone.
      boolean direct = valid == pw;
      // cols >= 1 (pack refuses 0), so every panel's last k block runs and writes its outputs.
      for (int k0 = 0; k0 < cols; k0 += KC) {
        int k1 = Math.min(cols, k0 + KC);
        boolean last = direct && k1 == cols;
        for (int g = 0; g < eights; g += WIDE_MR) {
          int tr = g * pw;
          if (last) {
            tile8(k0, k1, xq, g * cols, w.data, q, t, tr, out, o + g * ldo, ldo, beta);
          } else {
            tile8(k0, k1, xq, g * cols, w.data, q, t, tr, t, tr, pw, 0f);
          }
        }
        for (int g = eights; g < grouped; g += MR) {
          int tr = g * pw;
          if (last) {
            tile4(k0, k1, xq, g * cols, w.data, q, t, tr, out, o + g * ldo, ldo, beta);
          } else {
            tile4(k0, k1, xq, g * cols, w.data, q, t, tr, t, tr, pw, 0f);
          }
        }
        if (padded > grouped) {
          int tr = grouped * pw;
          tile4(k0, k1, xq, grouped * cols, w.data, q, t, tr, t, tr, pw, 0f);
        }
      }
      if (!direct) {
        commit(t, 0, pw, rows, valid, beta, out, o, ldo);
      } else if (padded > grouped) {
        commit(t, grouped * pw, pw, rows - grouped, valid, beta, out, o + grouped * ldo, ldo);
      }
    }
  }

  /**
   * 4 rows × 2 vectors of output over columns [k0, k1): 8 accumulators, 2 panel loads and 4
   * broadcasts per column, from x's row quad packed column by column at {@code x0}. The
   * accumulators start from zero (first k block) or the partial sums in {@code t} (rows
   * {@code panelWidth} apart from {@code o}) and end in {@code d} (rows {@code ldd} apart from
   * {@code d0}; + beta·d unless beta is 0): vectors never cross a method boundary, so C2 never has to
   * box one. Not 6 × 2 (12 accumulators, the C kernel's tile): C2 (JDK 25)
   * hoists the broadcasts and spills two accumulators to the stack, which halves the speed
   * (42 GFLOP/s against 88 for this tile, in L1); 5 × 2 is as slow, and the former 4 × 3 (also 12
   * accumulators) ran at 39 GFLOP/s on the LSTM B = 64 products where this tile runs at 76–83.
   * Re-measured on JDK 25 (64 × 2048 × 512 product): 6 × 2 3194 µs against 1620 µs for this tile,
   * and the same with -XX:LoopUnrollLimit=0, so it is register allocation, not unrolling.
   */
  private void tile4(int k0, int k1, float[] xq, int x0, float[] pw, int q, float[] t, int o, float[] d, int d0,
      int ldd, float beta) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    FloatVector a00, a01, a10, a11, a20, a21, a30, a31;
    if (k0 == 0) {
      a00 = FloatVector.zero(sp);
      a01 = a00;
      a10 = a00;
      a11 = a00;
      a20 = a00;
      a21 = a00;
      a30 = a00;
      a31 = a00;
    } else {
      a00 = FloatVector.fromArray(sp, t, o);
      a01 = FloatVector.fromArray(sp, t, o + l);
      a10 = FloatVector.fromArray(sp, t, o + step);
      a11 = FloatVector.fromArray(sp, t, o + step + l);
      a20 = FloatVector.fromArray(sp, t, o + 2 * step);
      a21 = FloatVector.fromArray(sp, t, o + 2 * step + l);
      a30 = FloatVector.fromArray(sp, t, o + 3 * step);
      a31 = FloatVector.fromArray(sp, t, o + 3 * step + l);
    }
    // The loop counts x's index (one FMA row per float) and derives the panel's from it: C2 then
    // needs one lea per column where q + c·step took four (docs/ARCHITECTURE.md, hot-loop indices).
    int xs = step / MR;
    int qx = q - x0 * xs;
    for (int xc = x0 + MR * k0, xe = x0 + MR * k1; xc < xe; xc += MR) {
      int qc = qx + xc * xs;
      FloatVector w0 = FloatVector.fromArray(sp, pw, qc);
      FloatVector w1 = FloatVector.fromArray(sp, pw, qc + l);
      FloatVector b = FloatVector.broadcast(sp, xq[xc]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
      b = FloatVector.broadcast(sp, xq[xc + 1]);
      a10 = w0.fma(b, a10);
      a11 = w1.fma(b, a11);
      b = FloatVector.broadcast(sp, xq[xc + 2]);
      a20 = w0.fma(b, a20);
      a21 = w1.fma(b, a21);
      b = FloatVector.broadcast(sp, xq[xc + 3]);
      a30 = w0.fma(b, a30);
      a31 = w1.fma(b, a31);
    }
    int d1 = d0 + ldd;
    int d2 = d1 + ldd;
    int d3 = d2 + ldd;
    if (beta != 0f) {
      // commit's arithmetic: sum + beta·out, the product rounded first.
      FloatVector bv = FloatVector.broadcast(sp, beta);
      a00 = a00.add(FloatVector.fromArray(sp, d, d0).mul(bv));
      a01 = a01.add(FloatVector.fromArray(sp, d, d0 + l).mul(bv));
      a10 = a10.add(FloatVector.fromArray(sp, d, d1).mul(bv));
      a11 = a11.add(FloatVector.fromArray(sp, d, d1 + l).mul(bv));
      a20 = a20.add(FloatVector.fromArray(sp, d, d2).mul(bv));
      a21 = a21.add(FloatVector.fromArray(sp, d, d2 + l).mul(bv));
      a30 = a30.add(FloatVector.fromArray(sp, d, d3).mul(bv));
      a31 = a31.add(FloatVector.fromArray(sp, d, d3 + l).mul(bv));
    }
    a00.intoArray(d, d0);
    a01.intoArray(d, d0 + l);
    a10.intoArray(d, d1);
    a11.intoArray(d, d1 + l);
    a20.intoArray(d, d2);
    a21.intoArray(d, d2 + l);
    a30.intoArray(d, d3);
    a31.intoArray(d, d3 + l);
  }

  /**
   * 8 rows × 2 vectors, for 512-bit vectors (AVX-512 has 32 registers: 16 accumulators, 2 panel
   * vectors and a broadcast fit); otherwise as {@link #tile4}, whose sums it computes row for row.
   * On 256-bit AVX2 (16 registers) C2 spills such a tile, so it is not used there.
   */
  private void tile8(int k0, int k1, float[] xq, int x0, float[] pw, int q, float[] t, int o, float[] d, int d0,
      int ldd, float beta) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    FloatVector a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51, a60, a61, a70, a71;
    if (k0 == 0) {
      a00 = FloatVector.zero(sp);
      a01 = a00;
      a10 = a00;
      a11 = a00;
      a20 = a00;
      a21 = a00;
      a30 = a00;
      a31 = a00;
      a40 = a00;
      a41 = a00;
      a50 = a00;
      a51 = a00;
      a60 = a00;
      a61 = a00;
      a70 = a00;
      a71 = a00;
    } else {
      a00 = FloatVector.fromArray(sp, t, o);
      a01 = FloatVector.fromArray(sp, t, o + l);
      a10 = FloatVector.fromArray(sp, t, o + step);
      a11 = FloatVector.fromArray(sp, t, o + step + l);
      a20 = FloatVector.fromArray(sp, t, o + 2 * step);
      a21 = FloatVector.fromArray(sp, t, o + 2 * step + l);
      a30 = FloatVector.fromArray(sp, t, o + 3 * step);
      a31 = FloatVector.fromArray(sp, t, o + 3 * step + l);
      a40 = FloatVector.fromArray(sp, t, o + 4 * step);
      a41 = FloatVector.fromArray(sp, t, o + 4 * step + l);
      a50 = FloatVector.fromArray(sp, t, o + 5 * step);
      a51 = FloatVector.fromArray(sp, t, o + 5 * step + l);
      a60 = FloatVector.fromArray(sp, t, o + 6 * step);
      a61 = FloatVector.fromArray(sp, t, o + 6 * step + l);
      a70 = FloatVector.fromArray(sp, t, o + 7 * step);
      a71 = FloatVector.fromArray(sp, t, o + 7 * step + l);
    }
    int xs = step / WIDE_MR;
    int qx = q - x0 * xs;
    for (int xc = x0 + WIDE_MR * k0, xe = x0 + WIDE_MR * k1; xc < xe; xc += WIDE_MR) {
      int qc = qx + xc * xs;
      FloatVector w0 = FloatVector.fromArray(sp, pw, qc);
      FloatVector w1 = FloatVector.fromArray(sp, pw, qc + l);
      FloatVector b;
      b = FloatVector.broadcast(sp, xq[xc + 0]);
      a00 = w0.fma(b, a00);
      a01 = w1.fma(b, a01);
      b = FloatVector.broadcast(sp, xq[xc + 1]);
      a10 = w0.fma(b, a10);
      a11 = w1.fma(b, a11);
      b = FloatVector.broadcast(sp, xq[xc + 2]);
      a20 = w0.fma(b, a20);
      a21 = w1.fma(b, a21);
      b = FloatVector.broadcast(sp, xq[xc + 3]);
      a30 = w0.fma(b, a30);
      a31 = w1.fma(b, a31);
      b = FloatVector.broadcast(sp, xq[xc + 4]);
      a40 = w0.fma(b, a40);
      a41 = w1.fma(b, a41);
      b = FloatVector.broadcast(sp, xq[xc + 5]);
      a50 = w0.fma(b, a50);
      a51 = w1.fma(b, a51);
      b = FloatVector.broadcast(sp, xq[xc + 6]);
      a60 = w0.fma(b, a60);
      a61 = w1.fma(b, a61);
      b = FloatVector.broadcast(sp, xq[xc + 7]);
      a70 = w0.fma(b, a70);
      a71 = w1.fma(b, a71);
    }
    if (beta != 0f) {
      FloatVector bv = FloatVector.broadcast(sp, beta);
      a00 = a00.add(FloatVector.fromArray(sp, d, d0).mul(bv));
      a01 = a01.add(FloatVector.fromArray(sp, d, d0 + l).mul(bv));
      a10 = a10.add(FloatVector.fromArray(sp, d, d0 + ldd).mul(bv));
      a11 = a11.add(FloatVector.fromArray(sp, d, d0 + ldd + l).mul(bv));
      a20 = a20.add(FloatVector.fromArray(sp, d, d0 + 2 * ldd).mul(bv));
      a21 = a21.add(FloatVector.fromArray(sp, d, d0 + 2 * ldd + l).mul(bv));
      a30 = a30.add(FloatVector.fromArray(sp, d, d0 + 3 * ldd).mul(bv));
      a31 = a31.add(FloatVector.fromArray(sp, d, d0 + 3 * ldd + l).mul(bv));
      a40 = a40.add(FloatVector.fromArray(sp, d, d0 + 4 * ldd).mul(bv));
      a41 = a41.add(FloatVector.fromArray(sp, d, d0 + 4 * ldd + l).mul(bv));
      a50 = a50.add(FloatVector.fromArray(sp, d, d0 + 5 * ldd).mul(bv));
      a51 = a51.add(FloatVector.fromArray(sp, d, d0 + 5 * ldd + l).mul(bv));
      a60 = a60.add(FloatVector.fromArray(sp, d, d0 + 6 * ldd).mul(bv));
      a61 = a61.add(FloatVector.fromArray(sp, d, d0 + 6 * ldd + l).mul(bv));
      a70 = a70.add(FloatVector.fromArray(sp, d, d0 + 7 * ldd).mul(bv));
      a71 = a71.add(FloatVector.fromArray(sp, d, d0 + 7 * ldd + l).mul(bv));
    }
    a00.intoArray(d, d0);
    a01.intoArray(d, d0 + l);
    a10.intoArray(d, d0 + ldd);
    a11.intoArray(d, d0 + ldd + l);
    a20.intoArray(d, d0 + 2 * ldd);
    a21.intoArray(d, d0 + 2 * ldd + l);
    a30.intoArray(d, d0 + 3 * ldd);
    a31.intoArray(d, d0 + 3 * ldd + l);
    a40.intoArray(d, d0 + 4 * ldd);
    a41.intoArray(d, d0 + 4 * ldd + l);
    a50.intoArray(d, d0 + 5 * ldd);
    a51.intoArray(d, d0 + 5 * ldd + l);
    a60.intoArray(d, d0 + 6 * ldd);
    a61.intoArray(d, d0 + 6 * ldd + l);
    a70.intoArray(d, d0 + 7 * ldd);
    a71.intoArray(d, d0 + 7 * ldd + l);
  }

  /** One row × 2 vectors; the same operations per output as {@link #tile4}, so the same bits. */
  private void tile1(int k0, int k1, float[] x, int x0, float[] pw, int q, float[] t, int o, float[] d, int d0,
      float beta) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    FloatVector a0, a1;
    if (k0 == 0) {
      a0 = FloatVector.zero(sp);
      a1 = a0;
    } else {
      a0 = FloatVector.fromArray(sp, t, o);
      a1 = FloatVector.fromArray(sp, t, o + l);
    }
    int qx = q - x0 * step;
    for (int xc = x0 + k0, xe = x0 + k1; xc < xe; xc++) {
      int qc = qx + xc * step;
      FloatVector b = FloatVector.broadcast(sp, x[xc]);
      a0 = FloatVector.fromArray(sp, pw, qc).fma(b, a0);
      a1 = FloatVector.fromArray(sp, pw, qc + l).fma(b, a1);
    }
    if (beta != 0f) {
      FloatVector bv = FloatVector.broadcast(sp, beta);
      a0 = a0.add(FloatVector.fromArray(sp, d, d0).mul(bv));
      a1 = a1.add(FloatVector.fromArray(sp, d, d0 + l).mul(bv));
    }
    a0.intoArray(d, d0);
    a1.intoArray(d, d0 + l);
  }

  /**
   * Batch 1, out ← x·Wᵀ (+ beta·out) for panels [p0, p1): the weights are streamed once and there
   * is no reuse, so the limit is how fast one core pulls them in. Four panels at a time
   * ({@link #gemvQuad}) keep four sequential streams in flight; one panel at a time (one stream)
   * reached 19–21 GB/s on a 16 MiB W (LSTM I = H = 1024) where four reach 39–47, and 51–59 GB/s
   * on 4 MiB where four reach 62–72 (throwaway harness, not JMH, session 7; eight streams were
   * no faster). The range's whole quarters make the four streams: quad j takes panels j, j + n,
   * j + 2n and j + 3n (n = quads), so each stream walks n adjacent panels (a quarter of the range)
   * instead of jumping every panel, which the prefetchers had to pick up again each time (one
   * thread, 16 MiB LSTM 1024 W_hh: passes 1.042×, GRU 1024 1.028× faster; other batch-1 rows
   * unchanged; PairedBuilds, session 13). Panels left over (fewer than four, or the partial last
   * panel of W) run through {@link #tile1}. Every output is the same FMA chain as in the batched
   * tiles, so a batch-1 row has the bits it would have in a batch.
   */
  private void gemv(Panels w, float[] x, int xOff, float beta, float[] out, int outOff, int p0, int p1,
      float[] t) {
    int cols = w.cols();
    int pw = panelWidth;
    int stride = cols * pw;
    int full = Math.min(p1, w.rows() / pw);
    int quads = Math.max(0, (full - p0) / 4);
    for (int j = 0; j < quads; j++) {
      int p = p0 + j;
      gemvQuad(cols, x, xOff, w.data, PANEL_BASE + p * stride, quads * stride, out, outOff + p * pw, quads * pw,
          beta);
    }
    int p = p0 + 4 * quads;
    for (; p < full; p++) {
      tile1(0, cols, x, xOff, w.data, PANEL_BASE + p * stride, t, 0, out, outOff + p * pw, beta);
    }
    if (p < p1) {
      tile1(0, cols, x, xOff, w.data, PANEL_BASE + p * stride, t, 0, t, 0, 0f);
      commit(t, pw, 1, w.rows() - p * pw, beta, out, outOff + p * pw, pw);
    }
  }

  /**
   * Four panels, {@code stride} apart from {@code q}, into outputs at d0, d0 + dStride, … (panelWidth
   * each): each output vector is one FMA chain over the columns in order from zero (8 chains in all,
   * enough to cover the FMA latency), then + beta·d, as {@link #tile1} computes each output.
   */
  private void gemvQuad(int cols, float[] x, int x0, float[] pw, int q, int stride, float[] d, int d0, int dStride,
      float beta) {
    VectorSpecies<Float> sp = sp();
    int l = sp.length();
    int step = PANEL_VECTORS * l;
    FloatVector a0 = FloatVector.zero(sp), a1 = a0, b0 = a0, b1 = a0, e0 = a0, e1 = a0, f0 = a0, f1 = a0;
    // Each index is (loop-invariant base) + c·step: written as (q + c·step) + stride, C2 could not
    // take the bounds checks of the last six loads out of the loop (51 instructions per column
    // against 30; GEMV on 4 MiB 1.16× faster, session 8, bench/RESULTS.md). The loop counts x's
    // index itself, so x[c] needs no arithmetic (28; session 9).
    q -= x0 * step;
    int q1 = q + stride;
    int q2 = q1 + stride;
    int q3 = q2 + stride;
    for (int c = x0, ce = x0 + cols; c < ce; c++) {
      int qc = c * step;
      FloatVector xc = FloatVector.broadcast(sp, x[c]);
      a0 = FloatVector.fromArray(sp, pw, q + qc).fma(xc, a0);
      a1 = FloatVector.fromArray(sp, pw, q + qc + l).fma(xc, a1);
      b0 = FloatVector.fromArray(sp, pw, q1 + qc).fma(xc, b0);
      b1 = FloatVector.fromArray(sp, pw, q1 + qc + l).fma(xc, b1);
      e0 = FloatVector.fromArray(sp, pw, q2 + qc).fma(xc, e0);
      e1 = FloatVector.fromArray(sp, pw, q2 + qc + l).fma(xc, e1);
      f0 = FloatVector.fromArray(sp, pw, q3 + qc).fma(xc, f0);
      f1 = FloatVector.fromArray(sp, pw, q3 + qc + l).fma(xc, f1);
    }
    int d1 = d0 + dStride;
    int d2 = d1 + dStride;
    int d3 = d2 + dStride;
    if (beta != 0f) {
      FloatVector bv = FloatVector.broadcast(sp, beta);
      a0 = a0.add(FloatVector.fromArray(sp, d, d0).mul(bv));
      a1 = a1.add(FloatVector.fromArray(sp, d, d0 + l).mul(bv));
      b0 = b0.add(FloatVector.fromArray(sp, d, d1).mul(bv));
      b1 = b1.add(FloatVector.fromArray(sp, d, d1 + l).mul(bv));
      e0 = e0.add(FloatVector.fromArray(sp, d, d2).mul(bv));
      e1 = e1.add(FloatVector.fromArray(sp, d, d2 + l).mul(bv));
      f0 = f0.add(FloatVector.fromArray(sp, d, d3).mul(bv));
      f1 = f1.add(FloatVector.fromArray(sp, d, d3 + l).mul(bv));
    }
    a0.intoArray(d, d0);
    a1.intoArray(d, d0 + l);
    b0.intoArray(d, d1);
    b1.intoArray(d, d1 + l);
    e0.intoArray(d, d2);
    e1.intoArray(d, d2 + l);
    f0.intoArray(d, d3);
    f1.intoArray(d, d3 + l);
  }

  /** out ← tile (+ beta·out) for the first {@code valid} columns of {@code rows} tile rows; out not read when beta = 0. */
  static void commit(float[] t, int tileStride, int rows, int valid, float beta, float[] out, int o, int ldo) {
    commit(t, 0, tileStride, rows, valid, beta, out, o, ldo);
  }

  /** As {@link #commit(float[], int, int, int, float, float[], int, int)}, the tile's first row at {@code t0}. */
  static void commit(float[] t, int t0, int tileStride, int rows, int valid, float beta, float[] out, int o,
      int ldo) {
    for (int r = 0; r < rows; r++) {
      int tr = t0 + r * tileStride;
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

  /** Inputs are clamped to ±9 (tanh) and ±18 (sigmoid): 1 − tanh(9) = 3e-8, well inside the error budget. */
  private static final float TANH_CLAMP = 9f;
  private static final float SIGMOID_CLAMP = 18f;
  /** Added to x² so that it is never subnormal (its products would be, and cost microcode on some CPUs). */
  private static final float Z_FLOOR = 0x1p-100f;
  // tanh(x) ≈ x·P(x²)/Q(x²), P and Q of degree 4 with P(0) = Q(0) = 1: a minimax fit (linear
  // programming on the absolute error, Loeb's iteration) over [0, 9], error 2.7e-8 before rounding.
  private static final float TANH_P1 = 1.3382615e-01f;
  private static final float TANH_P2 = 3.4974075e-03f;
  private static final float TANH_P3 = 2.0636118e-05f;
  private static final float TANH_P4 = 1.3386108e-08f;
  private static final float TANH_Q1 = 4.6715933e-01f;
  private static final float TANH_Q2 = 2.588408e-02f;
  private static final float TANH_Q3 = 3.288488e-04f;
  private static final float TANH_Q4 = 7.7907345e-07f;
  // sigmoid(x) = 1/2 + tanh(x/2)/2: the same fit with x/2 folded in, x·P(x²)/Q(x²) + 1/2.
  private static final float SIG_P0 = 2.5e-01f;
  private static final float SIG_P1 = 8.3641345e-03f;
  private static final float SIG_P2 = 5.4646993e-05f;
  private static final float SIG_P3 = 8.060984e-08f;
  private static final float SIG_P4 = 1.3072371e-11f;
  private static final float SIG_Q1 = 1.1678983e-01f;
  private static final float SIG_Q2 = 1.617755e-03f;
  private static final float SIG_Q3 = 5.1382626e-06f;
  private static final float SIG_Q4 = 3.0432556e-09f;

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
   * them; measured ≤ 2.7e-7 for tanh and ≤ 1.7e-7 for sigmoid). tanh(x) = x·P(x²)/Q(x²) with x
   * clamped to ±9, a rational minimax fit (constants below); sigmoid(x) = 1/2 + tanh(x/2)/2 by
   * the same fit with x/2 folded into its coefficients, x clamped to ±18. Rounding can put x·P/Q a
   * hair past ±1 where the true value is within 1e-7 of it, so the results are clamped to [−1, 1]
   * and [0, 1]. A rational costs about 20 vector operations where the former e^x-based forms
   * cost 24 (sigmoid) and 37 (tanh): the LSTM cells of a B = 16 pass went from 2.26–2.43 to
   * 1.55–1.59 ms (harness, session 6). x·P/Q is odd, so tanh(−x) = −tanh(x) bit for bit; P(0) =
   * Q(0) = 1 and below |x| = 2^-12 both round to 1, so tanh(x) = x there, tanh(±0) = ±0 and tanh of
   * a subnormal x is x. x² gets 2^-100 added so that it is never subnormal. tanh(±∞) = ±1,
   * sigmoid(+∞) = 1, sigmoid(x) for x ≤ −18 (the clamp) is 0 or a float below 1e-7 (absolute
   * accuracy, not relative: sigmoid(−20) ≈ 2e-9 need not come out as such); NaN gives NaN (the
   * clamps, a compare and a blend, pass NaN through as Math.min/max would); relu(NaN) = 0 like the
   * reference.
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
    // Bounds by a compare and a blend, not min/max: Java's min/max (exact for NaN and signed
    // zeros) take ~5 instructions each on AVX2; for these bounds (never zero) a compare and a
    // blend give the same results, NaN included (it compares false and passes through). An
    // infinite clip is skipped: clamping to ±Infinity changes nothing.
    boolean clipped = clip != Float.POSITIVE_INFINITY;
    FloatVector hiClip = FloatVector.broadcast(sp, clip);
    FloatVector loClip = FloatVector.broadcast(sp, -clip);
    FloatVector hiSig = FloatVector.broadcast(sp, SIGMOID_CLAMP);
    FloatVector loSig = FloatVector.broadcast(sp, -SIGMOID_CLAMP);
    FloatVector zFloor = FloatVector.broadcast(sp, Z_FLOOR);
    FloatVector half = FloatVector.broadcast(sp, 0.5f);
    FloatVector zero = FloatVector.zero(sp);
    FloatVector hiTanh = FloatVector.broadcast(sp, TANH_CLAMP);
    FloatVector loTanh = FloatVector.broadcast(sp, -TANH_CLAMP);
    FloatVector minusOne = FloatVector.broadcast(sp, -1f);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector x = FloatVector.fromArray(sp, a, off + j);
      if (clipped) {
        x = x.blend(hiClip, x.compare(VectorOperators.GT, hiClip));
        x = x.blend(loClip, x.compare(VectorOperators.LT, loClip));
      }
      FloatVector y;
      if (relu) {
        y = FloatVector.zero(sp).blend(x, x.compare(VectorOperators.GT, 0f));
      } else if (sigmoid) {
        x = x.blend(loSig, x.compare(VectorOperators.LT, loSig));
        x = x.blend(hiSig, x.compare(VectorOperators.GT, hiSig));
        FloatVector z = x.fma(x, zFloor);
        FloatVector p = z.fma(SIG_P4, SIG_P3).fma(z, FloatVector.broadcast(sp, SIG_P2))
            .fma(z, FloatVector.broadcast(sp, SIG_P1)).fma(z, FloatVector.broadcast(sp, SIG_P0));
        FloatVector q = z.fma(SIG_Q4, SIG_Q3).fma(z, FloatVector.broadcast(sp, SIG_Q2))
            .fma(z, FloatVector.broadcast(sp, SIG_Q1)).fma(z, one);
        y = x.mul(p).div(q).add(half);
        y = y.blend(zero, y.compare(VectorOperators.LT, zero));
        y = y.blend(one, y.compare(VectorOperators.GT, one));
      } else {
        FloatVector u = x.blend(hiTanh, x.compare(VectorOperators.GT, hiTanh));
        u = u.blend(loTanh, u.compare(VectorOperators.LT, loTanh));
        FloatVector z = u.fma(u, zFloor);
        FloatVector p = z.fma(TANH_P4, TANH_P3).fma(z, FloatVector.broadcast(sp, TANH_P2))
            .fma(z, FloatVector.broadcast(sp, TANH_P1)).fma(z, one);
        FloatVector q = z.fma(TANH_Q4, TANH_Q3).fma(z, FloatVector.broadcast(sp, TANH_Q2))
            .fma(z, FloatVector.broadcast(sp, TANH_Q1)).fma(z, one);
        y = u.mul(p).div(q);
        y = y.blend(one, y.compare(VectorOperators.GT, one));
        y = y.blend(minusOne, y.compare(VectorOperators.LT, minusOne));
      }
      y.intoArray(a, off + j);
    }
  }

  // ---------------------------------------------------------------- fused cells
  //
  // Forward cells (standard activations) run fused loops per row, each over whole vectors of
  // columns with every activation written out inline (the arithmetic of activate(), so the same
  // bits): first the gate activations, one loop per gate (LSTM i, f, g, o; GRU z, r, then the
  // candidate's pre-activation) into a per-thread scratch row, then what depends on them (c',
  // tanh(c'), h; GRU n and h). One loop over the whole cell was measured latency-bound (each
  // column's sigmoid → c' → tanh chain is ~150 cycles, longer than the out-of-order window), and
  // so was one loop over the four LSTM gates (190 instructions per vector: about one iteration in
  // flight; a loop per gate took the B = 16 cells from 1.9–2.0 to 1.5–1.6 ms per pass, session 9);
  // the former 7 passes cost the same again in loads/stores and loop overhead. The columns past
  // the last whole vector go through zero-padded per-thread copies (no masked loads, see TAILS).
  // Training's backward cell and the RNN cell still use addThree + activate() passes.

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

  private static boolean lstmFast(CellFunctions fns) {
    return fns.gate().kind() == Activation.Kind.SIGMOID && fns.candidate().kind() == Activation.Kind.TANH
        && fns.output().kind() == Activation.Kind.TANH;
  }

  /**
   * Vectorised for sigmoid gates and tanh candidate/output, with any clip, peepholes, coupling.
   * Two fused loops per row (see "fused cells" above): {@link #lstmGates} (the independent gate
   * activations, into a per-thread scratch row) and {@link #lstmOut} (c', o with its peephole,
   * tanh(c'), h). The last columns (H mod lanes) go through zero-padded per-thread copies with a
   * gate stride of one vector, so they run the very same vector code and need no masked load.
   */
  @Override
  protected void lstmCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    if (!lstmFast(fns)) {
      super.lstmCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
      return;
    }
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.LSTM, false, rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff,
          h, hOff, null, 0);
      return;
    }
    lstmCellRows(0, rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
  }

  /** Rows [r0, r1) of {@link #lstmCellK}. */
  private void lstmCellRows(int r0, int r1, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    int hd = hidden;
    float clip = fns.clip();
    boolean coupled = fns.inputForget();
    int full = sp().loopBound(hd);
    int rem = hd - full;
    int l = sp().length();
    float[] s = scratch(4 * hd + 21 * l); // activated gates of a row [4][H], then the tail's copies
    int t0 = 4 * hd;
    int tx = t0, th = t0 + 4 * l, tb = t0 + 8 * l, tp = t0 + 12 * l, tc = t0 + 15 * l, tOut = t0 + 16 * l;
    int tg = t0 + 17 * l;
    for (int r = r0; r < r1; r++) {
      int cr = cOff + r * hd;
      int gr = r * 4 * hd;
      int hr = hOff + r * hd;
      lstmGates(full, hd, xg, xgOff + gr, hg, hgOff + gr, bias, 0, peep, 0, clip, coupled, c, cr, s, 0);
      lstmOut(full, hd, xg, xgOff + gr, hg, hgOff + gr, bias, 0, peep, 0, clip, c, cr, h, hr, s, 0);
      if (rem > 0) {
        java.util.Arrays.fill(s, t0, t0 + 21 * l, 0f);
        for (int k = 0; k < 4; k++) {
          System.arraycopy(xg, xgOff + gr + k * hd + full, s, tx + k * l, rem);
          System.arraycopy(hg, hgOff + gr + k * hd + full, s, th + k * l, rem);
          System.arraycopy(bias, k * hd + full, s, tb + k * l, rem);
        }
        if (peep != null) {
          for (int k = 0; k < 3; k++) {
            System.arraycopy(peep, k * hd + full, s, tp + k * l, rem);
          }
        }
        System.arraycopy(c, cr + full, s, tc, rem);
        float[] tpeep = peep == null ? null : s;
        lstmGates(l, l, s, tx, s, th, s, tb, tpeep, tp, clip, coupled, s, tc, s, tg);
        lstmOut(l, l, s, tx, s, th, s, tb, tpeep, tp, clip, s, tc, s, tOut, s, tg);
        System.arraycopy(s, tc, c, cr + full, rem);
        System.arraycopy(s, tOut, h, hr + full, rem);
      }
    }
  }

  /**
   * The LSTM gates of one row over columns [0, n) (n a multiple of the vector length), gate blocks
   * {@code gs} apart in x, hg, b, peep and s: pre-activations (x + hg) + b, + p⊙c (peepholes),
   * clamped to ±clip; i, f = sigmoid (f = 1 − i when coupled), g = tanh, and o = sigmoid unless
   * peepholes make it wait for c' ({@link #lstmOut}). Activated gates go to s.
   */
  private void lstmGates(int n, int gs, float[] x, int xo, float[] hg, int ho, float[] b, int bo, float[] peep,
      int po, float clip, boolean coupled, float[] c, int co, float[] s, int so) {
    // One loop per gate: C2 compiled a loop over all four to ~190 instructions per vector, so
    // the out-of-order window held about one iteration and each activation's chain (~50 cycles
    // by our count) ran with little overlap; a short loop keeps several iterations in flight.
    sigmoidGate(n, x, xo, hg, ho, b, bo, peep, po, c, co, clip, s, so);
    if (coupled) {
      oneMinus(n, s, so, s, so + gs);
    } else {
      sigmoidGate(n, x, xo + gs, hg, ho + gs, b, bo + gs, peep, po + gs, c, co, clip, s, so + gs);
    }
    tanhGate(n, x, xo + 2 * gs, hg, ho + 2 * gs, b, bo + 2 * gs, clip, s, so + 2 * gs);
    if (peep == null) {
      sigmoidGate(n, x, xo + 3 * gs, hg, ho + 3 * gs, b, bo + 3 * gs, null, 0, c, co, clip, s, so + 3 * gs);
    }
  }

  /**
   * s = sigmoid(clamp((x + hg) + b (+ peep⊙c))) over columns [0, n), n a multiple of the vector
   * length; peep null for none.
   */
  private void sigmoidGate(int n, float[] x, int xo, float[] hg, int ho, float[] b, int bo, float[] peep, int po,
      float[] c, int co, float clip, float[] s, int so) {
    VectorSpecies<Float> sp = sp();
    FloatVector one = FloatVector.broadcast(sp, 1f);
    boolean clipped = clip != Float.POSITIVE_INFINITY;
    FloatVector hiClip = FloatVector.broadcast(sp, clip);
    FloatVector loClip = FloatVector.broadcast(sp, -clip);
    FloatVector hiSig = FloatVector.broadcast(sp, SIGMOID_CLAMP);
    FloatVector loSig = FloatVector.broadcast(sp, -SIGMOID_CLAMP);
    FloatVector zFloor = FloatVector.broadcast(sp, Z_FLOOR);
    FloatVector half = FloatVector.broadcast(sp, 0.5f);
    FloatVector zero = FloatVector.zero(sp);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector pi = FloatVector.fromArray(sp, x, xo + j).add(FloatVector.fromArray(sp, hg, ho + j))
          .add(FloatVector.fromArray(sp, b, bo + j));
      if (peep != null) {
        pi = FloatVector.fromArray(sp, peep, po + j).fma(FloatVector.fromArray(sp, c, co + j), pi);
      }
      if (clipped) {
        pi = pi.blend(hiClip, pi.compare(VectorOperators.GT, hiClip));
        pi = pi.blend(loClip, pi.compare(VectorOperators.LT, loClip));
      }
      pi = pi.blend(loSig, pi.compare(VectorOperators.LT, loSig));
      pi = pi.blend(hiSig, pi.compare(VectorOperators.GT, hiSig));
      FloatVector z = pi.fma(pi, zFloor);
      FloatVector p = z.fma(SIG_P4, SIG_P3).fma(z, FloatVector.broadcast(sp, SIG_P2))
          .fma(z, FloatVector.broadcast(sp, SIG_P1)).fma(z, FloatVector.broadcast(sp, SIG_P0));
      FloatVector q = z.fma(SIG_Q4, SIG_Q3).fma(z, FloatVector.broadcast(sp, SIG_Q2))
          .fma(z, FloatVector.broadcast(sp, SIG_Q1)).fma(z, one);
      FloatVector iv = pi.mul(p).div(q).add(half);
      iv = iv.blend(zero, iv.compare(VectorOperators.LT, zero));
      iv = iv.blend(one, iv.compare(VectorOperators.GT, one));
      iv.intoArray(s, so + j);
    }
  }

  /** s = tanh(clamp((x + hg) + b)) over columns [0, n), n a multiple of the vector length. */
  private void tanhGate(int n, float[] x, int xo, float[] hg, int ho, float[] b, int bo, float clip, float[] s,
      int so) {
    VectorSpecies<Float> sp = sp();
    FloatVector one = FloatVector.broadcast(sp, 1f);
    boolean clipped = clip != Float.POSITIVE_INFINITY;
    FloatVector hiClip = FloatVector.broadcast(sp, clip);
    FloatVector loClip = FloatVector.broadcast(sp, -clip);
    FloatVector zFloor = FloatVector.broadcast(sp, Z_FLOOR);
    FloatVector hiTanh = FloatVector.broadcast(sp, TANH_CLAMP);
    FloatVector loTanh = FloatVector.broadcast(sp, -TANH_CLAMP);
    FloatVector minusOne = FloatVector.broadcast(sp, -1f);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector pg = FloatVector.fromArray(sp, x, xo + j).add(FloatVector.fromArray(sp, hg, ho + j))
          .add(FloatVector.fromArray(sp, b, bo + j));
      if (clipped) {
        pg = pg.blend(hiClip, pg.compare(VectorOperators.GT, hiClip));
        pg = pg.blend(loClip, pg.compare(VectorOperators.LT, loClip));
      }
      FloatVector u = pg.blend(hiTanh, pg.compare(VectorOperators.GT, hiTanh));
      u = u.blend(loTanh, u.compare(VectorOperators.LT, loTanh));
      FloatVector z = u.fma(u, zFloor);
      FloatVector p = z.fma(TANH_P4, TANH_P3).fma(z, FloatVector.broadcast(sp, TANH_P2))
          .fma(z, FloatVector.broadcast(sp, TANH_P1)).fma(z, one);
      FloatVector q = z.fma(TANH_Q4, TANH_Q3).fma(z, FloatVector.broadcast(sp, TANH_Q2))
          .fma(z, FloatVector.broadcast(sp, TANH_Q1)).fma(z, one);
      FloatVector gv = u.mul(p).div(q);
      gv = gv.blend(one, gv.compare(VectorOperators.GT, one));
      gv = gv.blend(minusOne, gv.compare(VectorOperators.LT, minusOne));
      gv.intoArray(s, so + j);
    }
  }

  /** d = 1 − s over columns [0, n) (the coupled forget gate), as the fused loop computed it. */
  private void oneMinus(int n, float[] s, int so, float[] d, int dOff) {
    VectorSpecies<Float> sp = sp();
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector.fromArray(sp, s, so + j).neg().add(1f).intoArray(d, dOff + j);
    }
  }

  /**
   * The rest of the LSTM row, from the activated gates in s: c' = fma(i, g, f·c) into c; o =
   * sigmoid(pre_o + p_o⊙c') when there are peepholes (a gate loop of its own, after c'), else o
   * from s; h = o·tanh(c') (c' not clipped).
   */
  private void lstmOut(int n, int gs, float[] x, int xo, float[] hg, int ho, float[] b, int bo, float[] peep, int po,
      float clip, float[] c, int co, float[] h, int hOut, float[] s, int so) {
    VectorSpecies<Float> sp = sp();
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector iv = FloatVector.fromArray(sp, s, so + j);
      FloatVector fv = FloatVector.fromArray(sp, s, so + gs + j);
      FloatVector gv = FloatVector.fromArray(sp, s, so + 2 * gs + j);
      iv.fma(gv, fv.mul(FloatVector.fromArray(sp, c, co + j))).intoArray(c, co + j);
    }
    if (peep != null) {
      sigmoidGate(n, x, xo + 3 * gs, hg, ho + 3 * gs, b, bo + 3 * gs, peep, po + 2 * gs, c, co, clip, s, so + 3 * gs);
    }
    FloatVector one = FloatVector.broadcast(sp, 1f);
    FloatVector zFloor = FloatVector.broadcast(sp, Z_FLOOR);
    FloatVector hiTanh = FloatVector.broadcast(sp, TANH_CLAMP);
    FloatVector loTanh = FloatVector.broadcast(sp, -TANH_CLAMP);
    FloatVector minusOne = FloatVector.broadcast(sp, -1f);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector cn = FloatVector.fromArray(sp, c, co + j);
      FloatVector u = cn.blend(hiTanh, cn.compare(VectorOperators.GT, hiTanh));
      u = u.blend(loTanh, u.compare(VectorOperators.LT, loTanh));
      FloatVector z = u.fma(u, zFloor);
      FloatVector p = z.fma(TANH_P4, TANH_P3).fma(z, FloatVector.broadcast(sp, TANH_P2))
          .fma(z, FloatVector.broadcast(sp, TANH_P1)).fma(z, one);
      FloatVector q = z.fma(TANH_Q4, TANH_Q3).fma(z, FloatVector.broadcast(sp, TANH_Q2))
          .fma(z, FloatVector.broadcast(sp, TANH_Q1)).fma(z, one);
      FloatVector tc = u.mul(p).div(q);
      tc = tc.blend(one, tc.compare(VectorOperators.GT, one));
      tc = tc.blend(minusOne, tc.compare(VectorOperators.LT, minusOne));
      FloatVector.fromArray(sp, s, so + 3 * gs + j).mul(tc).intoArray(h, hOut + j);
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
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.GRU, resetAfter, rows, hidden, xg, xgOff, hg, hgOff, bias, null, fns, null,
          0, h, hOff, null, 0);
      return;
    }
    gruCellRows(0, rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
  }

  /** Rows [r0, r1) of {@link #gruCellK}. */
  private void gruCellRows(int r0, int r1, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg,
      int hgOff, float[] bias, CellFunctions fns, float[] h, int hOff) {
    int hd = hidden;
    float clip = fns.clip();
    int full = sp().loopBound(hd);
    int rem = hd - full;
    int l = sp().length();
    float[] s = scratch(2 * hd + 13 * l); // z and the candidate's pre-activation of a row, then the tail's copies
    int t0 = 2 * hd;
    int tx = t0, th = t0 + 3 * l, tb = t0 + 6 * l, tst = t0 + 10 * l, tg = t0 + 11 * l;
    for (int r = r0; r < r1; r++) {
      int gr = r * 3 * hd;
      int hr = hOff + r * hd;
      gruGates(full, hd, resetAfter, xg, xgOff + gr, hg, hgOff + gr, bias, 0, clip, s, 0);
      gruOut(full, hd, clip, s, 0, h, hr);
      if (rem > 0) {
        // Zero-padded per-thread copies of the last columns (gate stride one vector): the same
        // vector code, no masked loads (see TAILS).
        java.util.Arrays.fill(s, t0, t0 + 13 * l, 0f);
        for (int k = 0; k < 3; k++) {
          System.arraycopy(xg, xgOff + gr + k * hd + full, s, tx + k * l, rem);
          System.arraycopy(hg, hgOff + gr + k * hd + full, s, th + k * l, rem);
        }
        for (int k = 0; k < 4; k++) {
          System.arraycopy(bias, k * hd + full, s, tb + k * l, rem);
        }
        System.arraycopy(h, hr + full, s, tst, rem);
        gruGates(l, l, resetAfter, s, tx, s, th, s, tb, clip, s, tg);
        gruOut(l, l, clip, s, tg, s, tst);
        System.arraycopy(s, tst, h, hr + full, rem);
      }
    }
  }

  /**
   * The GRU gates of one row over columns [0, n) (n a multiple of the vector length), gate blocks
   * {@code gs} apart in x, hg, bias ([b_r, b_z, b_in, b_hn]) and s: z = sigmoid(clamp((x + hg) + b))
   * into s, and the candidate's pre-activation pn = fma(r, hg_n + b_hn, x_n + b_in) (reset-after, r
   * = sigmoid as z) or (x_n + b_in) + (hg_n + b_hn) (reset-before: hg_n is already (r⊙h)·W_hnᵀ)
   * into s + gs, a loop per gate; {@link #gruOut} does the rest.
   */
  private void gruGates(int n, int gs, boolean resetAfter, float[] x, int xo, float[] hg, int ho, float[] b, int bo,
      float clip, float[] s, int so) {
    VectorSpecies<Float> sp = sp();
    // A loop per gate (see lstmGates): z; r into pn's slot, which the candidate loop then
    // overwrites column by column.
    sigmoidGate(n, x, xo + gs, hg, ho + gs, b, bo + gs, null, 0, null, 0, clip, s, so);
    if (resetAfter) {
      sigmoidGate(n, x, xo, hg, ho, b, bo, null, 0, null, 0, clip, s, so + gs);
    }
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector hn = FloatVector.fromArray(sp, hg, ho + 2 * gs + j).add(FloatVector.fromArray(sp, b, bo + 3 * gs + j));
      FloatVector xn = FloatVector.fromArray(sp, x, xo + 2 * gs + j).add(FloatVector.fromArray(sp, b, bo + 2 * gs + j));
      if (resetAfter) {
        FloatVector.fromArray(sp, s, so + gs + j).fma(hn, xn).intoArray(s, so + gs + j);
      } else {
        xn.add(hn).intoArray(s, so + gs + j);
      }
    }
  }

  /** n = tanh(clamp(pn)) and h' = fma(z, h, (1 − z)·n), from z and pn in s ({@link #gruGates}). */
  private void gruOut(int n, int gs, float clip, float[] s, int so, float[] h, int hOut) {
    VectorSpecies<Float> sp = sp();
    FloatVector one = FloatVector.broadcast(sp, 1f);
    boolean clipped = clip != Float.POSITIVE_INFINITY;
    FloatVector hiClip = FloatVector.broadcast(sp, clip);
    FloatVector loClip = FloatVector.broadcast(sp, -clip);
    FloatVector zFloor = FloatVector.broadcast(sp, Z_FLOOR);
    FloatVector zero = FloatVector.zero(sp);
    FloatVector hiTanh = FloatVector.broadcast(sp, TANH_CLAMP);
    FloatVector loTanh = FloatVector.broadcast(sp, -TANH_CLAMP);
    FloatVector minusOne = FloatVector.broadcast(sp, -1f);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector zv = FloatVector.fromArray(sp, s, so + j);
      FloatVector pn = FloatVector.fromArray(sp, s, so + gs + j);
      FloatVector nv;
      {
        if (clipped) {
          pn = pn.blend(hiClip, pn.compare(VectorOperators.GT, hiClip));
          pn = pn.blend(loClip, pn.compare(VectorOperators.LT, loClip));
        }
        FloatVector u = pn.blend(hiTanh, pn.compare(VectorOperators.GT, hiTanh));
        u = u.blend(loTanh, u.compare(VectorOperators.LT, loTanh));
        FloatVector z = u.fma(u, zFloor);
        FloatVector p = z.fma(TANH_P4, TANH_P3).fma(z, FloatVector.broadcast(sp, TANH_P2))
            .fma(z, FloatVector.broadcast(sp, TANH_P1)).fma(z, one);
        FloatVector q = z.fma(TANH_Q4, TANH_Q3).fma(z, FloatVector.broadcast(sp, TANH_Q2))
            .fma(z, FloatVector.broadcast(sp, TANH_Q1)).fma(z, one);
        nv = u.mul(p).div(q);
        nv = nv.blend(one, nv.compare(VectorOperators.GT, one));
        nv = nv.blend(minusOne, nv.compare(VectorOperators.LT, minusOne));
      }
      zv.fma(FloatVector.fromArray(sp, h, hOut + j), zv.neg().add(1f).mul(nv)).intoArray(h, hOut + j);
    }
  }

  @Override
  protected void gruResetStateK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    if (fns.gate().kind() != Activation.Kind.SIGMOID) {
      super.gruResetStateK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh, rhOff);
      return;
    }
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.GRU_RESET_STATE, false, rows, hidden, xg, xgOff, hg, hgOff, bias, null, fns,
          null, 0, h, hOff, rh, rhOff);
      return;
    }
    gruResetStateRows(0, rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh, rhOff);
  }

  /** Rows [r0, r1) of {@link #gruResetStateK} (sigmoid gate). */
  private void gruResetStateRows(int r0, int r1, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    int hd = hidden;
    float clip = fns.clip();
    int full = sp().loopBound(hd);
    int rem = hd - full;
    int l = sp().length();
    for (int r = r0; r < r1; r++) {
      int gr = r * 3 * hd;
      gruReset(full, xg, xgOff + gr, hg, hgOff + gr, bias, 0, clip, h, hOff + r * hd, rh, rhOff + r * hd);
      if (rem > 0) {
        // Zero-padded per-thread copies of the last columns: the same vector code (see TAILS).
        float[] s = scratch(5 * l);
        java.util.Arrays.fill(s, 0, 5 * l, 0f);
        System.arraycopy(xg, xgOff + gr + full, s, 0, rem);
        System.arraycopy(hg, hgOff + gr + full, s, l, rem);
        System.arraycopy(bias, full, s, 2 * l, rem);
        System.arraycopy(h, hOff + r * hd + full, s, 3 * l, rem);
        gruReset(l, s, 0, s, l, s, 2 * l, clip, s, 3 * l, s, 4 * l);
        System.arraycopy(s, 4 * l, rh, rhOff + r * hd + full, rem);
      }
    }
  }

  /**
   * rh = sigmoid(clamp((x_r + hg_r) + b_r))⊙h over columns [0, n), n a multiple of the vector
   * length. One fused loop, not {@link #sigmoidGate} then a product: rh may be h itself (the SPI
   * does not forbid it and the scalar default handles it), and r must not overwrite h before the
   * product reads it.
   */
  private void gruReset(int n, float[] x, int xo, float[] hg, int ho, float[] b, int bo, float clip, float[] h,
      int hIn, float[] rh, int rhOut) {
    VectorSpecies<Float> sp = sp();
    FloatVector one = FloatVector.broadcast(sp, 1f);
    boolean clipped = clip != Float.POSITIVE_INFINITY;
    FloatVector hiClip = FloatVector.broadcast(sp, clip);
    FloatVector loClip = FloatVector.broadcast(sp, -clip);
    FloatVector hiSig = FloatVector.broadcast(sp, SIGMOID_CLAMP);
    FloatVector loSig = FloatVector.broadcast(sp, -SIGMOID_CLAMP);
    FloatVector zFloor = FloatVector.broadcast(sp, Z_FLOOR);
    FloatVector half = FloatVector.broadcast(sp, 0.5f);
    FloatVector zero = FloatVector.zero(sp);
    for (int j = 0; j < n; j += sp.length()) {
      FloatVector pr = FloatVector.fromArray(sp, x, xo + j).add(FloatVector.fromArray(sp, hg, ho + j))
          .add(FloatVector.fromArray(sp, b, bo + j));
      FloatVector rv;
      {
        if (clipped) {
          pr = pr.blend(hiClip, pr.compare(VectorOperators.GT, hiClip));
          pr = pr.blend(loClip, pr.compare(VectorOperators.LT, loClip));
        }
        pr = pr.blend(loSig, pr.compare(VectorOperators.LT, loSig));
        pr = pr.blend(hiSig, pr.compare(VectorOperators.GT, hiSig));
        FloatVector z = pr.fma(pr, zFloor);
        FloatVector p = z.fma(SIG_P4, SIG_P3).fma(z, FloatVector.broadcast(sp, SIG_P2))
            .fma(z, FloatVector.broadcast(sp, SIG_P1)).fma(z, FloatVector.broadcast(sp, SIG_P0));
        FloatVector q = z.fma(SIG_Q4, SIG_Q3).fma(z, FloatVector.broadcast(sp, SIG_Q2))
            .fma(z, FloatVector.broadcast(sp, SIG_Q1)).fma(z, one);
        rv = pr.mul(p).div(q).add(half);
        rv = rv.blend(zero, rv.compare(VectorOperators.LT, zero));
        rv = rv.blend(one, rv.compare(VectorOperators.GT, one));
      }
      rv.mul(FloatVector.fromArray(sp, h, hIn + j)).intoArray(rh, rhOut + j);
    }
  }

  @Override
  protected void rnnCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    if (!vectorised(fns.candidate())) {
      super.rnnCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
      return;
    }
    // Row by row, so the activation reads the sums while they are still in L1.
    for (int r = 0; r < rows; r++) {
      addThree(hidden, xg, xgOff + r * hidden, hg, hgOff + r * hidden, bias, 0, h, hOff + r * hidden);
      activate(fns.candidate().kind(), h, hOff + r * hidden, hidden, fns.clip());
    }
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
