package org.rnn4j.simd;

import jdk.incubator.vector.FloatVector;

/** The widest of 128/256 bits this machine runs as real vectors. */
final class FloatVector256OrLess {
  private FloatVector256OrLess() {
  }

  static int bits() {
    return Math.min(256, Math.max(128, FloatVector.SPECIES_PREFERRED.vectorBitSize()));
  }
}
