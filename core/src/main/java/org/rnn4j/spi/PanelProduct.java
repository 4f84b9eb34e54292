package org.rnn4j.spi;

/**
 * How a backend splits one packed product out = x·Wᵀ (m rows of x, W in panels of output rows)
 * over a {@link WorkerPool}: row blocks × groups of panels, about four chunks per thread, each
 * chunk independent of the others. A product runs on the pool when it has at least
 * {@code parallelMin} multiply-adds and the pool is free; otherwise on the caller, one row block
 * after another (a busy pool never means more threads than asked for).
 *
 * <p>A backend keeps one instance per kernel set and implements {@link #chunk}; the instance holds
 * a product's arguments only while it holds the pool. The split changes which thread computes an
 * output, never how, so results do not depend on the thread count as long as {@code chunk}
 * computes each output the same way for every row and panel range.
 *
 * @param <W> the backend's packed-matrix type
 */
public abstract class PanelProduct<W> implements WorkerPool.Job {
  private final WorkerPool pool;
  private final long parallelMin;
  private final int rowBlock;
  private W w;
  private int m;
  private float[] x;
  private int xOff;
  private int ldx;
  private float beta;
  private float[] out;
  private int outOff;
  private int ldo;
  private int panels;
  private int groups;
  private int rowsPerBlock;
  /** Pooled calls so far; the running one's number is passed to its chunks. */
  private long calls;

  /**
   * @param pool the pool, or null to run single-threaded
   * @param parallelMin the smallest product (multiply-adds) worth handing to the pool
   * @param rowBlock rows per block unless {@link #rowBlock(Object)} says otherwise (a multiple of
   *     the backend's register tile); blocks grow in multiples of it so that no product has more
   *     than 1024 of them
   */
  protected PanelProduct(WorkerPool pool, long parallelMin, int rowBlock) {
    if (rowBlock < 1) {
      throw new IllegalArgumentException("rowBlock must be positive, got " + rowBlock);
    }
    this.pool = pool;
    this.parallelMin = parallelMin;
    this.rowBlock = rowBlock;
  }

  /** Threads a product may use, the caller included. */
  public final int threads() {
    return pool == null ? 1 : pool.threads();
  }

  /** out ← x·Wᵀ (+ beta·out) for m rows, W in {@code panels} panels, split as the class describes. */
  public final void multiply(W w, int panels, int m, float[] x, int xOff, int ldx, float beta, float[] out,
      int outOff, int ldo, long work) {
    int rowBlock = rowBlock(w);
    int perBlock = Math.max(rowBlock, ((m + 1023) / 1024 + rowBlock - 1) / rowBlock * rowBlock);
    int rowBlocks = (m + perBlock - 1) / perBlock;
    if (pool != null && work >= parallelMin) {
      int g = Math.max(1, Math.min(panels, (4 * pool.threads() + rowBlocks - 1) / rowBlocks));
      int chunks = rowBlocks * g;
      if (chunks > 1 && pool.tryAcquire()) {
        try {
          set(w, panels, m, x, xOff, ldx, beta, out, outOff, ldo, g, perBlock);
          calls++;
          pool.run(this, chunks);
        } finally {
          set(null, 0, 0, null, 0, 0, 0f, null, 0, 0, 1, 1);
          pool.release();
        }
        return;
      }
    }
    for (int r0 = 0; r0 < m; r0 += perBlock) {
      chunk(w, m, x, xOff, ldx, beta, out, outOff, ldo, r0, Math.min(m, r0 + perBlock), 0, panels, 0L);
    }
  }

  private void set(W w, int panels, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
      int ldo, int groups, int rowsPerBlock) {
    this.w = w;
    this.panels = panels;
    this.m = m;
    this.x = x;
    this.xOff = xOff;
    this.ldx = ldx;
    this.beta = beta;
    this.out = out;
    this.outOff = outOff;
    this.ldo = ldo;
    this.groups = groups;
    this.rowsPerBlock = rowsPerBlock;
  }

  /**
   * Rows per block for products with {@code w} (positive, a multiple of the backend's register
   * tile): the constructor's, unless a backend's blocking depends on the matrix.
   */
  protected int rowBlock(W w) {
    return rowBlock;
  }

  /** Chunk c: the rows of row block c / groups times panel group c % groups. */
  @Override
  public final void run(int c) {
    int g = c % groups;
    int r0 = c / groups * rowsPerBlock;
    int r1 = Math.min(m, r0 + rowsPerBlock);
    int p0 = (int) ((long) panels * g / groups);
    int p1 = (int) ((long) panels * (g + 1) / groups);
    if (r1 > r0 && p1 > p0) {
      chunk(w, m, x, xOff, ldx, beta, out, outOff, ldo, r0, r1, p0, p1, calls);
    }
  }

  /**
   * Rows [r0, r1) of out for the output rows of panels [p0, p1); m is the whole product's row
   * count (a backend may treat m = 1 as its GEMV case). {@code call} numbers this instance's
   * pooled calls from 1 and is 0 for a call that runs on the caller alone: chunks of one pooled
   * call with the same rows on the same thread may reuse what they derived from those rows of x
   * (x does not change during a call), while a 0 promises nothing.
   */
  protected abstract void chunk(W w, int m, float[] x, int xOff, int ldx, float beta, float[] out, int outOff,
      int ldo, int r0, int r1, int p0, int p1, long call);
}
