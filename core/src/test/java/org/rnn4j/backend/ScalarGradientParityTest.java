package org.rnn4j.backend;

import org.rnn4j.spi.Backend;
import org.rnn4j.testing.GradientParitySuite;

class ScalarGradientParityTest extends GradientParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("scalar");
  }
}
