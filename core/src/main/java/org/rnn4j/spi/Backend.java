package org.rnn4j.spi;

import java.util.Objects;

/** A selected, usable backend: its name, probe result and kernels. */
public record Backend(String name, int priority, ProbeResult probe, Kernels kernels) {
  public Backend {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(probe, "probe");
    Objects.requireNonNull(kernels, "kernels");
  }

  @Override
  public String toString() {
    return name;
  }
}
