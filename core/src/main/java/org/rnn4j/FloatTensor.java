package org.rnn4j;

import java.util.Arrays;
import java.util.Objects;

/** A float32 tensor: row-major data and its shape. The array is shared, not copied. */
public record FloatTensor(float[] data, int[] shape) {
  public FloatTensor {
    Objects.requireNonNull(data, "data");
    shape = shape.clone();
    long n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements, data has "
          + data.length);
    }
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  public int dim(int axis) {
    return shape[axis];
  }

  public int rank() {
    return shape.length;
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatTensor t && Arrays.equals(t.data, data) && Arrays.equals(t.shape, shape);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(data) + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return "FloatTensor" + shapeString();
  }
}
