package org.rnn4j.simd;

/** The bf16 kernels at 512-bit vectors. */
class Bf16Kernels512Test extends Bf16KernelConformance {
  @Override
  int bits() {
    return 512;
  }
}
