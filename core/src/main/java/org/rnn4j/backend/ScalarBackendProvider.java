package org.rnn4j.backend;

import java.util.Map;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/** Provides {@link ScalarKernels}: plain Java, lowest priority, available everywhere. */
public final class ScalarBackendProvider implements BackendProvider {
  public static final String NAME = "scalar";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public ProbeResult probe() {
    return ProbeResult.available("plain Java reference kernels, always available",
        Map.of("threads", "1"));
  }

  @Override
  public Kernels create() {
    return new ScalarKernels();
  }
}
