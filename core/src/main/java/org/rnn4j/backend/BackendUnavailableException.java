package org.rnn4j.backend;

/** A backend was asked for by name but cannot be used: unknown, disabled, or its probe refused. */
public final class BackendUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BackendUnavailableException(String message) {
    super(message);
  }

  public BackendUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
