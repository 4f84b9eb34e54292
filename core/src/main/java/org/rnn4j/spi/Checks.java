package org.rnn4j.spi;

/** Argument validation shared by the kernel front ends; every failure names the argument. */
final class Checks {
  private Checks() {
  }

  static void nonNegative(String name, int v) {
    if (v < 0) {
      throw new IllegalArgumentException(name + " must be >= 0, got " + v);
    }
  }

  static void positive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be > 0, got " + v);
    }
  }

  static void notNull(String name, Object o) {
    if (o == null) {
      throw new IllegalArgumentException(name + " is null");
    }
  }

  /** A rows×cols row-major block starting at off with leading dimension ld lies inside a. */
  static void matrix(String name, float[] a, int off, int rows, int cols, int ld) {
    if (a == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (off < 0) {
      throw new IllegalArgumentException(name + ": offset " + off + " is negative");
    }
    if (ld < Math.max(1, cols)) {
      throw new IllegalArgumentException(name + ": leading dimension " + ld + " < columns " + cols);
    }
    if (rows == 0 || cols == 0) {
      if (off > a.length) {
        throw new IllegalArgumentException(name + ": offset " + off + " beyond array length " + a.length);
      }
      return;
    }
    long last = (long) off + (long) (rows - 1) * ld + cols;
    if (last > a.length) {
      throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " block at offset " + off + " with leading"
          + " dimension " + ld + " needs " + last + " elements, array has " + a.length);
    }
  }

  static void vector(String name, float[] a, int off, int n) {
    if (a == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (off < 0 || (long) off + n > a.length) {
      throw new IllegalArgumentException(name + ": " + n + " elements at offset " + off + " exceed array length "
          + a.length);
    }
  }
}
