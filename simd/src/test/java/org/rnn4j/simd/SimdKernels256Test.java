package org.rnn4j.simd;

/** The kernels at 256-bit vectors. */
class SimdKernels256Test extends KernelConformance {
  @Override
  int bits() {
    return 256;
  }
}
