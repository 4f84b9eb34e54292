package org.rnn4j.jni;

import org.rnn4j.Activation;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.CellRows;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.spi.PanelProduct;
import org.rnn4j.spi.WorkerPool;

/**
 * The C kernels of librnn4j for one ISA tier. Arguments reach C only through the validating
 * front methods of {@link Kernels}. Sigmoid, Tanh and Relu run in C (Sigmoid and Tanh as
 * approximations within 1e-6 absolute); a cell with any other activation runs the inherited Java
 * scalar kernel instead.
 *
 * <p>Threads: {@link #matmulPacked} products (fp32 and bf16) of at least 2^18 multiply-adds are split into row
 * blocks × panel groups, one C call per chunk, run on a {@link WorkerPool} of {@link #threads()}
 * threads (the caller included; a pool busy with another caller means the caller computes alone).
 * Each output is computed by the same C code whichever chunk holds it, so results are
 * bit-identical for any thread count. Everything else runs on the calling thread.
 */
public final class NativeKernels extends Kernels {
  private static final int SIGMOID = 0;
  private static final int TANH = 1;
  private static final int RELU = 2;

  /** Rows per chunk: a multiple of the C kernel's 6-row tile and its 96-row block. */
  static final int ROW_BLOCK = 96;
  /**
   * bf16 products of at least this many rows run on AMX tiles, else on vdpbf16ps, where the library
   * found them usable, rounding x to bf16 too. Batch 1 keeps the widening kernels (x in fp32): there
   * they are as fast and more accurate. From two rows the rounding kernels win, measured with 50
   * recurrent products of LSTM I = H = 512 at 1 thread (session 12): AMX on a Sapphire Rapids core
   * 3.79 ms at 2 rows, 2.00 at 4, 4.09 at 8 against widening's 4.64, 5.15, 10.10; vdpbf16ps on a
   * Zen 5 core 1.17, 1.19, 1.60 against 1.66, 2.04, 4.25 (at H = 1024, where 8 MiB of W stream
   * from L3 every step, AMX and widening tie up to 4 rows).
   */
  static final int ROUNDING_MIN_ROWS = 2;
  /** Below this many multiply-adds a product runs on the calling thread alone. */
  static final long DEFAULT_PARALLEL_MIN = 1L << 18;

  private final Isa isa;
  private final int tier;
  private final int panelWidth;
  /** How the packed products split over the pool: fp32 panels, bf16 ones, and bf16 ones on AMX tiles. */
  private final PanelProduct<Panels> product;
  private final PanelProduct<NativeBf16.Panels> bf16Product;
  private final PanelProduct<NativeBf16.Panels> amxProduct;
  /** The cells on many rows, split over the products' pool (from parallelMin / 32 elements, as simd's). */
  private final CellRows cellRows;

  /** Single-threaded kernels for {@code isa}; the library must be loaded and the CPU must support the tier. */
  NativeKernels(Isa isa) {
    this(isa, 1, DEFAULT_PARALLEL_MIN);
  }

  /** Kernels for {@code isa} whose packed products use {@code threads} threads (tests lower {@code parallelMin}). */
  NativeKernels(Isa isa, int threads, long parallelMin) {
    NativeLibrary.Status s = NativeLibrary.status();
    if (!s.loaded()) {
      throw new IllegalStateException("backend native is unavailable: " + s.reason());
    }
    if (isa.compareTo(s.cpu()) > 0) {
      throw new IllegalArgumentException("this CPU supports the native tiers up to " + s.cpu().id() + ", not "
          + isa.id());
    }
    this.isa = isa;
    this.tier = isa.ordinal();
    this.panelWidth = Jni.panelWidth(tier);
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    WorkerPool pool = threads > 1 ? WorkerPool.shared(threads) : null;
    this.cellRows = new CellRows(pool, parallelMin >> 5) {
      @Override
      protected void runRows(int r0, int r1) {
        int n = r1 - r0;
        int hr = r0 * hidden;
        switch (kind) {
          case LSTM -> Jni.lstmCell(tier, n, hidden, xg, xgOff + 4 * hr, hg, hgOff + 4 * hr, bias, peep,
              code(fns.gate()), code(fns.candidate()), code(fns.output()), fns.clip(), fns.inputForget(), c, cOff + hr,
              h, hOff + hr);
          case GRU -> Jni.gruCell(tier, n, hidden, resetAfter, xg, xgOff + 3 * hr, hg, hgOff + 3 * hr, bias,
              code(fns.gate()), code(fns.candidate()), fns.clip(), h, hOff + hr);
          case GRU_RESET_STATE -> Jni.gruResetState(tier, n, hidden, xg, xgOff + 3 * hr, hg, hgOff + 3 * hr, bias,
              code(fns.gate()), fns.clip(), h, hOff + hr, rh, rhOff + hr);
          case RNN -> Jni.rnnCell(tier, n, hidden, xg, xgOff + hr, hg, hgOff + hr, bias, code(fns.candidate()),
              fns.clip(), h, hOff + hr);
        }
      }
    };
    this.product = new PanelProduct<>(pool, parallelMin, ROW_BLOCK) {
      @Override
      protected void chunk(Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
          int ldo, int r0, int r1, int p0, int p1, long call) {
        matmulChunk(w, x, xOff, ldx, beta, out, outOff, ldo, r0, r1, p0, p1);
      }
    };
    this.bf16Product = bf16Product(pool, parallelMin, ROW_BLOCK);
    this.amxProduct = bf16Product(pool, parallelMin, AMX_ROW_BLOCK);
  }

  /**
   * Rows per chunk of a product on AMX tiles: amx.c reads each panel once per staged block of up to
   * 512 KiB of rounded rows (256 at k = 1024) and from L1 or L2 for the block's other 32-row tiles,
   * so 256-row chunks read W from L3 or memory 96 / 256 as often as 96-row ones would (arithmetic,
   * not measured: no AMX machine yet).
   */
  static final int AMX_ROW_BLOCK = 256;

  private PanelProduct<NativeBf16.Panels> bf16Product(WorkerPool pool, long parallelMin, int rowBlock) {
    return new PanelProduct<>(pool, parallelMin, rowBlock) {
      @Override
      protected void chunk(NativeBf16.Panels w, int m, float[] x, int xOff, int ldx, float beta, float[] out,
          int outOff, int ldo, int r0, int r1, int p0, int p1, long call) {
        int pairs = (w.cols() + 1) / 2;
        JniBf16.matmulPacked(tier, r1 - r0, x, xOff + r0 * ldx, ldx, w.data, p0 * pairs * panelWidth * 2,
            Math.min(w.rows(), p1 * panelWidth) - p0 * panelWidth, w.cols(), beta, out,
            outOff + r0 * ldo + p0 * panelWidth, ldo, m >= ROUNDING_MIN_ROWS);
      }
    };
  }

  /** Threads a packed product may use, the caller included. */
  public int threads() {
    return product.threads();
  }

  @Override
  public String name() {
    return NativeBackendProvider.NAME;
  }

  /** The instruction-set tier these kernels run. */
  public Isa isa() {
    return isa;
  }

  /** W packed as panels of {@code panelWidth} output rows, each k-major; zero-padded past {@code rows}. */
  private static final class Panels extends PackedMatrix {
    final NativeKernels owner;
    final float[] data;

    Panels(NativeKernels owner, int rows, int cols, float[] data) {
      super(rows, cols);
      this.owner = owner;
      this.data = data;
    }

    @Override
    public long byteSize() {
      return 4L * data.length;
    }
  }

  @Override
  protected PackedMatrix packK(float[] w, int off, int rows, int cols) {
    long len = (long) ((rows + panelWidth - 1) / panelWidth) * panelWidth * cols;
    if (len > Integer.MAX_VALUE - 16) {
      return super.packK(w, off, rows, cols); // padding would overflow a Java array: keep the dense copy
    }
    float[] data = new float[(int) len];
    Jni.pack(tier, w, off, rows, cols, data);
    return new Panels(this, rows, cols, data);
  }

  @Override
  protected PackedMatrix packBf16K(float[] w, int off, int rows, int cols) {
    if (!NativeBf16.fits(rows, cols, panelWidth)
        || java.nio.ByteOrder.nativeOrder() != java.nio.ByteOrder.LITTLE_ENDIAN) {
      return super.packBf16K(w, off, rows, cols); // rounded fp32 dense copy, as the reference
    }
    return new NativeBf16.Panels(this, panelWidth, w, off, rows, cols);
  }

  @Override
  public String bf16Kernels() {
    String widening = "widening " + isa.id() + ": bf16 weight panels (2 bytes per weight) widened to fp32 in C, "
        + "fp32 FMA; activations not rounded (fp32)";
    if (isa != Isa.AVX512) {
      return widening;
    }
    String small = widening + " for products of fewer than " + ROUNDING_MIN_ROWS + " rows; from "
        + ROUNDING_MIN_ROWS + " rows ";
    String rounding = ", with the activations rounded to bf16 too (fp32 accumulation)";
    if (amxActive()) {
      return small + "AMX-bf16 tiles" + rounding;
    }
    if (dpActive()) {
      return small + "AVX512_BF16 vdpbf16ps" + rounding + "; AMX-bf16: " + JniBf16.amxDescription();
    }
    return widening + "; AMX-bf16: " + JniBf16.amxDescription() + "; AVX512_BF16: " + JniBf16.dpDescription();
  }

  /** Whether this kernel set's bf16 products of {@link #ROUNDING_MIN_ROWS} rows or more run on AMX tiles. */
  boolean amxActive() {
    return isa == Isa.AVX512 && JniBf16.amxState() == 1;
  }

  /** Whether those products run with vdpbf16ps instead (AVX512_BF16 usable, AMX not). */
  boolean dpActive() {
    return isa == Isa.AVX512 && !amxActive() && JniBf16.dpState() == 1;
  }

  /** Whether those products round the activations to bf16 (on AMX or vdpbf16ps), not only the weights. */
  boolean roundsActivations() {
    return amxActive() || dpActive();
  }

  @Override
  protected void repackK(PackedMatrix m, float[] w, int off) {
    if (m instanceof Panels p) {
      Jni.pack(tier, w, off, p.rows(), p.cols(), p.data);
    } else if (m instanceof NativeBf16.Panels) {
      throw new IllegalArgumentException("bf16 matrices are not re-packed: training runs in fp32 only");
    } else {
      super.repackK(m, w, off);
    }
  }

  @Override
  protected boolean owns(PackedMatrix w) {
    if (w instanceof NativeBf16.Panels b) {
      return b.owner == this;
    }
    return w instanceof Panels p ? p.owner == this : super.owns(w);
  }

  @Override
  protected void matmulPackedK(int m, float[] x, int xOff, int ldx, PackedMatrix w, float beta, float[] out,
      int outOff, int ldo) {
    if (w instanceof NativeBf16.Panels b) {
      // m first: a product too small for AMX does not probe for it (JniBf16.amxState).
      PanelProduct<NativeBf16.Panels> split = m >= ROUNDING_MIN_ROWS && amxActive() ? amxProduct : bf16Product;
      split.multiply(b, (b.rows() + panelWidth - 1) / panelWidth, m, x, xOff, ldx, beta, out, outOff, ldo,
          (long) m * b.rows() * b.cols());
      return;
    }
    if (!(w instanceof Panels p)) {
      super.matmulPackedK(m, x, xOff, ldx, w, beta, out, outOff, ldo);
      return;
    }
    product.multiply(p, (p.rows() + panelWidth - 1) / panelWidth, m, x, xOff, ldx, beta, out, outOff, ldo,
        (long) m * p.rows() * p.cols());
  }

  /** Rows [r0, r1) of the product times the output rows of panels [p0, p1): one call into C. */
  private void matmulChunk(Panels w, float[] x, int xOff, int ldx, float beta, float[] out, int outOff, int ldo,
      int r0, int r1, int p0, int p1) {
    int j0 = p0 * panelWidth;
    int j1 = Math.min(w.rows(), p1 * panelWidth);
    Jni.matmulPacked(tier, r1 - r0, x, xOff + r0 * ldx, ldx, w.data, p0 * panelWidth * w.cols(), j1 - j0, w.cols(),
        beta, out, outOff + r0 * ldo + j0, ldo);
  }


  @Override
  protected void gemmK(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff,
      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    Jni.gemm(tier, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  @Override
  protected void gemvK(boolean transA, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x, int xOff,
      float beta, float[] y, int yOff) {
    Jni.gemv(tier, transA, m, n, alpha, a, aOff, lda, x, xOff, beta, y, yOff);
  }

  /** The C code of an activation, or -1 where only the Java scalar kernel has it. */
  private static int code(Activation a) {
    return switch (a.kind()) {
      case SIGMOID -> SIGMOID;
      case TANH -> TANH;
      case RELU -> RELU;
      default -> -1;
    };
  }

  @Override
  protected void lstmCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff) {
    int gate = code(fns.gate());
    int cand = code(fns.candidate());
    int out = code(fns.output());
    if (gate < 0 || cand < 0 || out < 0 || Float.isNaN(fns.clip())) {
      super.lstmCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff, h, hOff);
      return;
    }
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.LSTM, false, rows, hidden, xg, xgOff, hg, hgOff, bias, peep, fns, c, cOff,
          h, hOff, null, 0);
      return;
    }
    Jni.lstmCell(tier, rows, hidden, xg, xgOff, hg, hgOff, bias, peep, gate, cand, out, fns.clip(),
        fns.inputForget(), c, cOff, h, hOff);
  }

  @Override
  protected void gruCellK(int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, CellFunctions fns, float[] h, int hOff) {
    int gate = code(fns.gate());
    int cand = code(fns.candidate());
    if (gate < 0 || cand < 0 || Float.isNaN(fns.clip())) {
      super.gruCellK(rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
      return;
    }
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.GRU, resetAfter, rows, hidden, xg, xgOff, hg, hgOff, bias, null, fns, null,
          0, h, hOff, null, 0);
      return;
    }
    Jni.gruCell(tier, rows, hidden, resetAfter, xg, xgOff, hg, hgOff, bias, gate, cand, fns.clip(), h, hOff);
  }

  @Override
  protected void gruResetStateK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff, float[] rh, int rhOff) {
    int gate = code(fns.gate());
    if (gate < 0 || Float.isNaN(fns.clip())) {
      super.gruResetStateK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff, rh, rhOff);
      return;
    }
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.GRU_RESET_STATE, false, rows, hidden, xg, xgOff, hg, hgOff, bias, null, fns,
          null, 0, h, hOff, rh, rhOff);
      return;
    }
    Jni.gruResetState(tier, rows, hidden, xg, xgOff, hg, hgOff, bias, gate, fns.clip(), h, hOff, rh, rhOff);
  }

  @Override
  protected void rnnCellK(int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff, float[] bias,
      CellFunctions fns, float[] h, int hOff) {
    int act = code(fns.candidate());
    if (act < 0 || Float.isNaN(fns.clip())) {
      super.rnnCellK(rows, hidden, xg, xgOff, hg, hgOff, bias, fns, h, hOff);
      return;
    }
    if (cellRows.tryPool(rows, hidden)) {
      cellRows.runAndRelease(CellRows.Kind.RNN, false, rows, hidden, xg, xgOff, hg, hgOff, bias, null, fns, null, 0, h,
          hOff, null, 0);
      return;
    }
    Jni.rnnCell(tier, rows, hidden, xg, xgOff, hg, hgOff, bias, act, fns.clip(), h, hOff);
  }

  @Override
  protected void biasActivationK(int rows, int n, float[] x, int xOff, float[] bias, Activation act) {
    int code = code(act);
    if (code < 0) {
      super.biasActivationK(rows, n, x, xOff, bias, act);
      return;
    }
    Jni.biasActivation(tier, rows, n, x, xOff, bias, code);
  }

  @Override
  protected void axpyK(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    Jni.axpy(tier, n, alpha, x, xOff, y, yOff);
  }
}
