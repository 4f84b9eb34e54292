package org.rnn4j.simd;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.TrainingAllocationSuite;

/**
 * The suite's architectures at its odd sizes (5, 6, 7, 8). The simd kernels have no masked loads
 * (see SimdKernels' TAILS note): before, an Elman cell with H = 7 allocated about 95 KB per
 * training step on JDK 25/AVX2. A longer warm-up and its own JVM: simd code allocates until C2
 * has compiled it.
 */
class SimdTrainingAllocationTest extends TrainingAllocationSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("simd");
  }

  @Override
  protected int warmupSteps() {
    return 3000;
  }

  @Override
  protected int retries() {
    return 8;
  }
}
