package org.rnn4j.simd;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.SharedConformanceSuite;

class SimdSharedConformanceTest extends SharedConformanceSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("simd");
  }
}
