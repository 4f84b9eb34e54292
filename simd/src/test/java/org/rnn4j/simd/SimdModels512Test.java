package org.rnn4j.simd;

import java.util.Map;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.ProbeResult;
import org.rnn4j.testing.ModelParitySuite;

/**
 * Whole models on 512-bit simd kernels against the float64 reference. On a machine without
 * AVX-512 the Vector API runs these 16-lane vectors in its Java fallback (slow, same lane logic),
 * so every cell and topology is checked at the width an AVX-512 machine auto-selects.
 */
class SimdModels512Test extends ModelParitySuite {
  private static final Backend SIMD_512 = new Backend("simd", 50, ProbeResult.available("test width 512", Map.of()),
      SimdKernels.create(512, 1));

  @Override
  protected Backend backend() {
    return SIMD_512;
  }
}
