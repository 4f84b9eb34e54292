package org.rnn4j.blas;

import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * Registers the {@code blas} backend so that {@code rnn4j info} and selection know it. Until its
 * kernels land, the probe reports it unavailable and says why; selection then moves on.
 */
public final class BlasBackendProvider implements BackendProvider {
  public static final String NAME = "blas";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 30;
  }

  @Override
  public ProbeResult probe() {
    return ProbeResult.unavailable("OpenBLAS kernels are not implemented in this build yet (planned: issue #6)");
  }

  @Override
  public Kernels create() {
    throw new IllegalStateException("backend blas is unavailable: " + probe().reason());
  }
}
