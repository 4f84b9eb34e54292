package org.rnn4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every unit's value at every step of one sequence ({@link Model#trace}): per layer and
 * direction the hidden state, the cell state (LSTM) and each gate after its activation — what a
 * neuron viewer shows.
 */
public record ActivationTrace(int steps, List<Slot> slots) {

  /**
   * One layer × direction. {@code series} maps a name to [steps, units] values: "hidden", "cell"
   * (LSTM), "input", "forget", "candidate", "output" (LSTM gates), "reset", "update", "candidate"
   * (GRU), "pre-output" (Jordan's hidden layer).
   */
  public record Slot(int layer, int direction, Map<String, float[]> series, int units) {
    public Slot {
      series = Collections.unmodifiableMap(new LinkedHashMap<>(series));
    }
  }
}
