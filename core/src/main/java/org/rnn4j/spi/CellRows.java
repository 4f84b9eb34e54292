package org.rnn4j.spi;

/**
 * How a backend splits one cell call (LSTM, GRU, a reset-before GRU's reset-state half, Elman)
 * over a {@link WorkerPool}: contiguous runs of rows, one per thread. Rows are independent, so the
 * bits are those of one thread, and the cell is then no longer the serial part of a
 * multi-threaded batched step.
 *
 * <p>A backend keeps one instance per kernel set and implements {@link #runRows}. A cell call
 * first asks {@link #tryPool}; only when that returns true (the pool is now held by the caller)
 * does it hand its arguments to {@link #runAndRelease}, so one instance serves every thread: the
 * instance holds a call's arguments only while its caller holds the pool.
 */
public abstract class CellRows implements WorkerPool.Job {
  /** Which cell a call runs. */
  public enum Kind { LSTM, GRU, GRU_RESET_STATE, RNN }

  private final WorkerPool pool;
  private final long parallelMin;
  /** The running call's arguments, as {@link Kernels}' cell methods name them (unused ones null / 0). */
  protected Kind kind;
  protected boolean resetAfter;
  protected int hidden;
  protected float[] xg;
  protected int xgOff;
  protected float[] hg;
  protected int hgOff;
  protected float[] bias;
  protected float[] peep;
  protected CellFunctions fns;
  protected float[] c;
  protected int cOff;
  protected float[] h;
  protected int hOff;
  protected float[] rh;
  protected int rhOff;
  private int rows;

  /**
   * @param pool the pool, or null to run single-threaded
   * @param parallelMin the fewest cell elements (rows × hidden) worth splitting
   */
  protected CellRows(WorkerPool pool, long parallelMin) {
    this.pool = pool;
    this.parallelMin = parallelMin;
  }

  /** Whether a call on {@code rows} rows takes the pool; when true the caller must call {@link #runAndRelease}. */
  public final boolean tryPool(int rows, int hidden) {
    return pool != null && rows > 1 && (long) rows * hidden >= parallelMin && pool.tryAcquire();
  }

  /** Runs the call split over the pool, then releases the pool; only after {@link #tryPool} returned true. */
  public final void runAndRelease(Kind kind, boolean resetAfter, int rows, int hidden, float[] xg, int xgOff,
      float[] hg, int hgOff, float[] bias, float[] peep, CellFunctions fns, float[] c, int cOff, float[] h, int hOff,
      float[] rh, int rhOff) {
    this.kind = kind;
    this.resetAfter = resetAfter;
    this.rows = rows;
    this.hidden = hidden;
    this.xg = xg;
    this.xgOff = xgOff;
    this.hg = hg;
    this.hgOff = hgOff;
    this.bias = bias;
    this.peep = peep;
    this.fns = fns;
    this.c = c;
    this.cOff = cOff;
    this.h = h;
    this.hOff = hOff;
    this.rh = rh;
    this.rhOff = rhOff;
    try {
      pool.run(this, Math.min(rows, pool.threads()));
    } finally {
      this.kind = null;
      this.xg = this.hg = this.bias = this.peep = this.c = this.h = this.rh = null;
      this.fns = null;
      pool.release();
    }
  }

  @Override
  public final void run(int chunk) {
    int chunks = Math.min(rows, pool.threads());
    runRows((int) ((long) rows * chunk / chunks), (int) ((long) rows * (chunk + 1) / chunks));
  }

  /** Rows [r0, r1) of the running call, on the backend's own cell kernel. */
  protected abstract void runRows(int r0, int r1);
}
