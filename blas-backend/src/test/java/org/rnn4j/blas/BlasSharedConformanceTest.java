package org.rnn4j.blas;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.SharedConformanceSuite;

class BlasSharedConformanceTest extends SharedConformanceSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get(BlasBackendProvider.NAME);
  }
}
