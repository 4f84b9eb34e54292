package org.rnn4j.simd;

import java.util.Map;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.ProbeResult;
import org.rnn4j.testing.Bf16ParitySuite;

/**
 * Whole models in bf16 on 128-bit simd kernels against the scalar bf16 reference (runs in the
 * 128-bit test JVM; the machine's own width is covered by {@link SimdBf16ModelParityTest}).
 */
class SimdBf16Models128Test extends Bf16ParitySuite {
  private static final Backend SIMD_128 = new Backend("simd", 50, ProbeResult.available("test width 128", Map.of()),
      SimdKernels.create(128, 1));

  @Override
  protected Backend backend() {
    return SIMD_128;
  }
}
