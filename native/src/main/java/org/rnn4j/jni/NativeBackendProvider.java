package org.rnn4j.jni;

import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * Registers the {@code native} backend so that {@code rnn4j info} and selection know it. Until its
 * kernels land, the probe reports it unavailable and says why; selection then moves on.
 */
public final class NativeBackendProvider implements BackendProvider {
  public static final String NAME = "native";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 40;
  }

  @Override
  public ProbeResult probe() {
    return ProbeResult.unavailable("JNI C kernels are not implemented in this build yet (planned: issue #7)");
  }

  @Override
  public Kernels create() {
    throw new IllegalStateException("backend native is unavailable: " + probe().reason());
  }
}
