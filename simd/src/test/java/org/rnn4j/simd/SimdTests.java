package org.rnn4j.simd;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;

/** Test helpers. */
final class SimdTests {
  private SimdTests() {
  }

  /** Skips (with the reason) widths this machine cannot run as real vectors. */
  static void assumeWidth(int bits) {
    int max = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    Assumptions.assumeTrue(bits <= max, bits + "-bit vectors need hardware support; this machine's preferred float "
        + "species is " + max + " bits, so these cases are skipped");
  }
}
