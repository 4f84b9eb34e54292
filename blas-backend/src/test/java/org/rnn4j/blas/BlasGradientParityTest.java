package org.rnn4j.blas;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.GradientParitySuite;

class BlasGradientParityTest extends GradientParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get(BlasBackendProvider.NAME);
  }
}
