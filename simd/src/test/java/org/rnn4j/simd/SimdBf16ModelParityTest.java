package org.rnn4j.simd;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.Bf16ParitySuite;

/** The registry's simd backend (this machine's width) in bf16 mode against the scalar bf16 reference. */
class SimdBf16ModelParityTest extends Bf16ParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("simd");
  }
}
