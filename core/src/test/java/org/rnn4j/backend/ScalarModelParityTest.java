package org.rnn4j.backend;

import org.rnn4j.spi.Backend;
import org.rnn4j.testing.ModelParitySuite;

class ScalarModelParityTest extends ModelParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("scalar");
  }
}
