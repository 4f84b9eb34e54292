package org.rnn4j.simd;

/** The kernels at 512-bit vectors. */
class SimdKernels512Test extends KernelConformance {
  @Override
  int bits() {
    return 512;
  }
}
