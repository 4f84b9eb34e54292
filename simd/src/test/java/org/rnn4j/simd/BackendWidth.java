package org.rnn4j.simd;

import org.rnn4j.backend.BackendRegistry;

/**
 * The vector width the registry's simd backend runs at in this process, as in production. Tests
 * that count allocations must use it: C2 compiles the kernels to vector code only while a process
 * uses one width (SimdKernels), so a test at 256 bits in a JVM whose backend runs 512-bit
 * vectors (any AVX-512 machine) measures the Java fallback, not the kernels.
 */
final class BackendWidth {
  private BackendWidth() {
  }

  static int bits() {
    return ((SimdKernels) BackendRegistry.getDefault().get("simd").kernels()).vectorBits();
  }
}
