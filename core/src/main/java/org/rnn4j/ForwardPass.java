package org.rnn4j;

/**
 * A forward pass that remembers what backpropagation needs ({@link Model#record}). Holds the
 * activations of every step, so keep it only until {@link #backward} has run. Not thread-safe.
 */
public final class ForwardPass {
  private final Model model;
  private final SequenceBatch input;
  private final ForwardResult result;
  private final Tape tape;

  ForwardPass(Model model, SequenceBatch input, ForwardResult result, Tape tape) {
    this.model = model;
    this.input = input;
    this.result = result;
    this.tape = tape;
  }

  /** The outputs, exactly as {@link Model#forward} returns them. */
  public ForwardResult result() {
    return result;
  }

  /**
   * Gradients of L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n; dhN and dcN may be null (zeros). May be
   * called more than once with different upstream gradients.
   */
  public Gradients backward(float[] dy, float[] dhN, float[] dcN) {
    return model.backward(input, tape, dy, dhN, dcN);
  }
}
