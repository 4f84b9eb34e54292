package org.rnn4j.backend;

import org.rnn4j.spi.Backend;
import org.rnn4j.testing.TrainingAllocationSuite;

class ScalarTrainingAllocationTest extends TrainingAllocationSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("scalar");
  }
}
