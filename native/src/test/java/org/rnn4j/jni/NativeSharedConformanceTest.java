package org.rnn4j.jni;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.SharedConformanceSuite;

class NativeSharedConformanceTest extends SharedConformanceSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("native");
  }
}
