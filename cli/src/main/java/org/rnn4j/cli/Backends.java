package org.rnn4j.cli;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;

/** Backend choice shared by the commands. */
final class Backends {
  private Backends() {
  }

  /** The named backend (failing with the probe's reason), or the automatic choice when name is null. */
  static Backend choose(String name) {
    BackendRegistry reg = BackendRegistry.getDefault();
    return name == null ? reg.defaultBackend() : reg.get(name);
  }
}
