package org.rnn4j.spi;

/**
 * A weight matrix W [rows × cols] (row-major, PyTorch's [out_features, in_features]) prepared once
 * by a backend in its own layout, for {@link Kernels#matmulPacked}. Immutable and shareable
 * between threads; {@link #close()} releases off-heap memory where a backend uses some.
 */
public abstract class PackedMatrix implements AutoCloseable {
  private final int rows;
  private final int cols;

  protected PackedMatrix(int rows, int cols) {
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException("packed matrix must be non-empty, got " + rows + "x" + cols);
    }
    this.rows = rows;
    this.cols = cols;
  }

  /** Output features: rows of W. */
  public final int rows() {
    return rows;
  }

  /** Input features: columns of W. */
  public final int cols() {
    return cols;
  }

  /** Bytes this matrix holds (for reports). */
  public abstract long byteSize();

  @Override
  public void close() {
  }
}
