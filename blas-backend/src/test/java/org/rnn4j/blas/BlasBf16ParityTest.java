package org.rnn4j.blas;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.Bf16ParitySuite;

/** blas stays fp32-only: bf16 mode falls back to the reference (rounded weights, fp32 sgemm), and says so. */
class BlasBf16ParityTest extends Bf16ParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get(BlasBackendProvider.NAME);
  }

  @Test
  void infoSaysBf16IsEmulated() {
    String s = backend().kernels().bf16Kernels();
    assertTrue(s.startsWith("emulated"), s);
  }
}
