package org.rnn4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor to write: its dtype, shape and little-endian row-major bytes.
 *
 * <p>The constructor captures the bytes between the buffer's position and limit without consuming
 * them, and {@link #bytes()} hands out a fresh read-only view each time, so one instance can be
 * written any number of times (also concurrently). The shape array is copied in and out.
 */
public record TensorData(DType dtype, long[] shape, ByteBuffer bytes) {

  /**
   * @throws IllegalArgumentException if a dimension is negative, the element count overflows, or
   *     {@code bytes.remaining()} is not element count × dtype size
   */
  public TensorData {
    Objects.requireNonNull(dtype, "dtype");
    shape = Objects.requireNonNull(shape, "shape").clone();
    Objects.requireNonNull(bytes, "bytes");
    long expected = byteCount(dtype, shape);
    if (bytes.remaining() != expected) {
      throw new IllegalArgumentException("tensor of dtype " + dtype + " and shape " + Arrays.toString(shape)
          + " needs " + expected + " bytes, but the buffer has " + bytes.remaining());
    }
    bytes = bytes.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** An F32 tensor holding a copy of {@code data}. */
  public static TensorData ofFloats(float[] data, long... shape) {
    ByteBuffer b = allocate(data.length, Float.BYTES, shape);
    b.asFloatBuffer().put(data);
    return new TensorData(DType.F32, shape, b);
  }

  /** An I64 tensor holding a copy of {@code data}. */
  public static TensorData ofLongs(long[] data, long... shape) {
    ByteBuffer b = allocate(data.length, Long.BYTES, shape);
    b.asLongBuffer().put(data);
    return new TensorData(DType.I64, shape, b);
  }

  /** An I32 tensor holding a copy of {@code data}. */
  public static TensorData ofInts(int[] data, long... shape) {
    ByteBuffer b = allocate(data.length, Integer.BYTES, shape);
    b.asIntBuffer().put(data);
    return new TensorData(DType.I32, shape, b);
  }

  /** An F64 tensor holding a copy of {@code data}. */
  public static TensorData ofDoubles(double[] data, long... shape) {
    ByteBuffer b = allocate(data.length, Double.BYTES, shape);
    b.asDoubleBuffer().put(data);
    return new TensorData(DType.F64, shape, b);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** A new read-only little-endian view of the tensor's bytes, positioned at 0. */
  @Override
  public ByteBuffer bytes() {
    return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The shared buffer itself; callers inside the package must not move its position. */
  ByteBuffer sharedBytes() {
    return bytes;
  }

  private static ByteBuffer allocate(int length, int elementBytes, long[] shape) {
    Objects.requireNonNull(shape, "shape");
    long count = elementCount(shape);
    if (count != length) {
      throw new IllegalArgumentException(
          "data has " + length + " elements but shape " + Arrays.toString(shape) + " needs " + count);
    }
    long bytes = (long) length * elementBytes;
    if (bytes > Integer.MAX_VALUE) {
      // A single ByteBuffer is int-indexed; larger tensors need a caller-supplied (e.g. mapped) buffer.
      throw new IllegalArgumentException(length + " elements need " + bytes
          + " bytes, more than one ByteBuffer can hold");
    }
    return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static long byteCount(DType dtype, long[] shape) {
    try {
      return Math.multiplyExact(elementCount(shape), dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("byte size of shape " + Arrays.toString(shape) + " overflows a long", e);
    }
  }

  private static long elementCount(long[] shape) {
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
    }
    try {
      return Shapes.elementCount(shape);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("element count of shape " + Arrays.toString(shape)
          + " overflows a long", e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorData t
        && dtype == t.dtype
        && Arrays.equals(shape, t.shape)
        && bytes.equals(t.bytes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dtype, Arrays.hashCode(shape), bytes);
  }

  @Override
  public String toString() {
    return "TensorData[" + dtype + " " + Arrays.toString(shape) + ", " + bytes.remaining() + " bytes]";
  }
}
