package org.rnn4j.simd;

/** The bf16 kernels at 256-bit vectors. */
class Bf16Kernels256Test extends Bf16KernelConformance {
  @Override
  int bits() {
    return 256;
  }
}
