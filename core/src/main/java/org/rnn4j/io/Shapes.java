package org.rnn4j.io;

/** Shape arithmetic shared by the reader, the writer and the records. */
final class Shapes {
  private Shapes() {
  }

  /**
   * Product of the dimensions, 1 for a scalar. A zero dimension makes the product 0 even if the
   * other dimensions alone would overflow, since such a tensor really is empty.
   *
   * @throws ArithmeticException if the product overflows a long
   */
  static long elementCount(long[] shape) {
    for (long d : shape) {
      if (d == 0) {
        return 0;
      }
    }
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
