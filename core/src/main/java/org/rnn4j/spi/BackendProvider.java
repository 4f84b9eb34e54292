package org.rnn4j.spi;

/**
 * A kernel set, discovered with {@link java.util.ServiceLoader}. Implementations must have a
 * public no-argument constructor that does no work: everything that may fail (loading native
 * code, touching the Vector API) belongs in {@link #probe()}, which must have no side effects
 * when it reports the backend unavailable.
 */
public interface BackendProvider {

  /** Short lower-case name used by {@code -Drnn4j.backend}: scalar, simd, blas, native. */
  String name();

  /** Higher wins when several backends are available. */
  int priority();

  /** Checks whether this backend can run on this JVM and machine. Called once; must not throw. */
  ProbeResult probe();

  /** Creates the kernels; only called after {@link #probe()} reported the backend available. */
  Kernels create();
}
