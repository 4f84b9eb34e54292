package org.rnn4j.backend;

import org.rnn4j.spi.Kernels;

/**
 * The reference kernels: plain Java loops, always available, the oracle every other backend is
 * tested against. All kernels are the {@link Kernels} defaults; this class only names them.
 */
public final class ScalarKernels extends Kernels {
  @Override
  public String name() {
    return ScalarBackendProvider.NAME;
  }
}
