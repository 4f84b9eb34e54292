package org.rnn4j.simd;

/** The bf16 kernels at 128-bit vectors. */
class Bf16Kernels128Test extends Bf16KernelConformance {
  @Override
  int bits() {
    return 128;
  }
}
