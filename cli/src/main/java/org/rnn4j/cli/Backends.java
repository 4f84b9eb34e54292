package org.rnn4j.cli;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;

/** The {@code --backend} option every command shares (a picocli mixin), and the choice it makes. */
final class Backends {
  @picocli.CommandLine.Option(names = "--backend", paramLabel = "NAME",
      description = "Backend to use (default: automatic selection).")
  String name;

  /** The backend named by {@code --backend}, or the automatic choice. */
  Backend choose() {
    return choose(name);
  }

  /** The named backend (failing with the probe's reason), or the automatic choice when name is null. */
  static Backend choose(String name) {
    BackendRegistry reg = BackendRegistry.getDefault();
    return name == null ? reg.defaultBackend() : reg.get(name);
  }
}
