package org.rnn4j.jni;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.GradientParitySuite;

class NativeGradientParityTest extends GradientParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("native");
  }
}
