package org.rnn4j.bench;

/**
 * One implementation of a configuration's forward pass, with its model prepared once: an rnn4j
 * backend, ONNX Runtime, or the newcomer's loops. Every runner of a configuration has the same
 * weights ({@link BenchConfig#weights()}) and computes y [T, B, D·H] seq-first from zero states.
 */
public interface Runner extends AutoCloseable {
  /** y for {@code x} [steps, batch, I] (allocating; the correctness check). */
  float[] output(float[] x, int steps, int batch);

  /** Prepares the timed input once (what a caller would reuse between calls). */
  void bind(float[] x, int steps, int batch);

  /** One timed forward pass on the bound input; the result goes to JMH's blackhole. */
  Object call();

  /**
   * A streaming stepper for {@code batch} rows (one time step per call, state carried), or null
   * when this runner has none.
   */
  default Stepper stepper(int batch) {
    return null;
  }

  @Override
  void close();

  /** One step at a time, with the state kept inside. */
  interface Stepper extends AutoCloseable {
    /** Advances one step on x [B, I]; returns y [B, D·H] (may be an internal buffer). */
    float[] step(float[] x);

    /** Back to zero states. */
    void reset();

    @Override
    default void close() {
    }
  }

  /** Thrown when an implementation cannot run here (e.g. ONNX Runtime's native library did not load). */
  final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    public Unavailable(String reason, Throwable cause) {
      super(reason, cause);
    }
  }
}
