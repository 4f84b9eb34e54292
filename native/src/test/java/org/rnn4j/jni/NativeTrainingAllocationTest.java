package org.rnn4j.jni;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.TrainingAllocationSuite;

class NativeTrainingAllocationTest extends TrainingAllocationSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("native");
  }

  @Override
  protected int warmupSteps() {
    return 20;
  }
}
