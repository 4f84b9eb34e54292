package org.rnn4j.blas;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.TrainingAllocationSuite;

class BlasTrainingAllocationTest extends TrainingAllocationSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get(BlasBackendProvider.NAME);
  }

  @Override
  protected int warmupSteps() {
    return 20;
  }
}
