package org.rnn4j.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor's entry in a safetensors header. {@code begin} and {@code end} are byte offsets relative to
 * the start of the data section, end exclusive.
 *
 * <p>The shape array is copied on the way in and out, so instances are immutable.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

  public TensorInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = Objects.requireNonNull(shape, "shape").clone();
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
    }
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("invalid byte range [" + begin + ", " + end + ")");
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /**
   * Product of the dimensions (1 for a scalar).
   *
   * @throws ArithmeticException if the product overflows a long (never for tensors from a reader,
   *     which rejects such shapes)
   */
  public long elementCount() {
    return Shapes.elementCount(shape);
  }

  public int rank() {
    return shape.length;
  }

  /** The shape as {@code "[2, 3]"}; {@code "[]"} for a scalar. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t
        && name.equals(t.name)
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && begin == t.begin
        && end == t.end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return "TensorInfo[" + name + " " + dtype + " " + shapeString() + " bytes " + begin + ".." + end + "]";
  }
}
