package org.rnn4j.backend;

import org.rnn4j.spi.Backend;
import org.rnn4j.testing.SharedConformanceSuite;

class ScalarSharedConformanceTest extends SharedConformanceSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("scalar");
  }
}
