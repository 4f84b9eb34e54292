package org.rnn4j.simd;

import java.util.List;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.TrainingAllocationSuite;

/**
 * On simd the same architectures at sizes that are whole vectors (8 and 16 floats). Odd sizes
 * still allocate on simd once compiled: C2 boxes vectors in some masked-tail loops of the kernels
 * (measured on JDK 25, AVX2: an Elman cell with H = 7 allocated about 95 KB per training step;
 * axpy's masked tail at n = 8 was one of them and is fixed). That is a simd-kernel issue shared
 * with inference, left open.
 */
class SimdTrainingAllocationTest extends TrainingAllocationSuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("simd");
  }

  @Override
  protected List<ModelSpec> specs() {
    return List.of(
        ModelSpec.builder(CellType.LSTM, 8, 16).numLayers(2).bidirectional(true).projSize(8).peepholes(true).build(),
        ModelSpec.builder(CellType.GRU, 8, 16).numLayers(2).residual(true).build(),
        ModelSpec.builder(CellType.GRU_RESET_BEFORE, 8, 8).bidirectional(true).build(),
        ModelSpec.builder(CellType.RNN_TANH, 8, 16).build(),
        ModelSpec.builder(CellType.JORDAN, 8, 16).outputSize(8).numLayers(2).build());
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
