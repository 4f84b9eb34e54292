package org.rnn4j.simd;

import java.util.Map;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.ProbeResult;
import org.rnn4j.testing.GradientParitySuite;

/**
 * Gradients on 512-bit simd kernels against the float64 reference; wider than this machine's
 * vectors, the Vector API runs them in its Java fallback (see {@link SimdModels512Test}).
 */
class SimdGradients512Test extends GradientParitySuite {
  private static final Backend SIMD_512 = new Backend("simd", 50, ProbeResult.available("test width 512", Map.of()),
      SimdKernels.create(512, 1));

  @Override
  protected Backend backend() {
    return SIMD_512;
  }
}
