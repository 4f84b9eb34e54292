package org.rnn4j.backend;

import org.rnn4j.spi.Backend;
import org.rnn4j.testing.Bf16ParitySuite;

/** The suite against itself: checks the suite (and the scalar bf16 path's streaming) runs. */
class ScalarBf16ParityTest extends Bf16ParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("scalar");
  }
}
