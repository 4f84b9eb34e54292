package org.rnn4j.simd;

import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * Registers the {@code simd} backend so that {@code rnn4j info} and selection know it. Until its
 * kernels land, the probe reports it unavailable and says why; selection then moves on.
 */
public final class SimdBackendProvider implements BackendProvider {
  public static final String NAME = "simd";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 50;
  }

  @Override
  public ProbeResult probe() {
    return ProbeResult.unavailable("Panama Vector API kernels are not implemented in this build yet (planned: issue #5)");
  }

  @Override
  public Kernels create() {
    throw new IllegalStateException("backend simd is unavailable: " + probe().reason());
  }
}
