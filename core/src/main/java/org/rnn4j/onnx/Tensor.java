package org.rnn4j.onnx;

import java.util.Arrays;
import java.util.Objects;

/**
 * A value in an ONNX graph as rnn4j computes it: float32 or int64 elements, row-major, with a
 * shape. Floating-point ONNX types (float16, bfloat16, double) are held as float32, integer types
 * (int32, int64) as int64.
 *
 * <p>The data array is shared, not copied: treat it as read-only once the tensor exists.
 */
public final class Tensor {
  /** The element types the interpreter computes in. */
  public enum Type {
    FLOAT, INT64
  }

  private final Type type;
  private final int[] shape;
  private final float[] floats;
  private final long[] longs;

  private Tensor(Type type, int[] shape, float[] floats, long[] longs) {
    this.type = type;
    this.shape = shape.clone();
    this.floats = floats;
    this.longs = longs;
    long n = elementCount(this.shape);
    int have = floats != null ? floats.length : longs.length;
    if (n != have) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements, data has "
          + have);
    }
  }

  public static Tensor ofFloats(float[] data, int... shape) {
    return new Tensor(Type.FLOAT, shape, Objects.requireNonNull(data, "data"), null);
  }

  public static Tensor ofLongs(long[] data, int... shape) {
    return new Tensor(Type.INT64, shape, null, Objects.requireNonNull(data, "data"));
  }

  /** Product of the dimensions; negative dimensions or more than an array can hold are refused. */
  static long elementCount(int[] shape) {
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
      if (n > Limits.MAX_ELEMENTS) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than "
            + Limits.MAX_ELEMENTS + " elements");
      }
    }
    return n;
  }

  public Type type() {
    return type;
  }

  public boolean isFloat() {
    return type == Type.FLOAT;
  }

  public int[] shape() {
    return shape.clone();
  }

  int[] shapeRef() {
    return shape;
  }

  public int rank() {
    return shape.length;
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public int size() {
    return floats != null ? floats.length : longs.length;
  }

  /** The float32 data (shared). */
  public float[] floats() {
    if (floats == null) {
      throw new IllegalStateException("tensor holds int64, not float");
    }
    return floats;
  }

  /** The int64 data (shared). */
  public long[] longs() {
    if (longs == null) {
      throw new IllegalStateException("tensor holds float, not int64");
    }
    return longs;
  }

  /** A tensor of the same type whose element {@code i} is this tensor's element {@code from[i]}. */
  Tensor gather(int[] from, int[] newShape) {
    if (floats != null) {
      float[] out = new float[from.length];
      for (int i = 0; i < from.length; i++) {
        out[i] = floats[from[i]];
      }
      return ofFloats(out, newShape);
    }
    long[] out = new long[from.length];
    for (int i = 0; i < from.length; i++) {
      out[i] = longs[from[i]];
    }
    return ofLongs(out, newShape);
  }

  /** The same data under another shape with the same element count. */
  Tensor reshaped(int[] newShape) {
    return floats != null ? ofFloats(floats, newShape) : ofLongs(longs, newShape);
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public String toString() {
    return (type == Type.FLOAT ? "float" : "int64") + shapeString();
  }
}
