package org.rnn4j.simd;

/** The kernels at 128-bit vectors. */
class SimdKernels128Test extends KernelConformance {
  @Override
  int bits() {
    return 128;
  }
}
