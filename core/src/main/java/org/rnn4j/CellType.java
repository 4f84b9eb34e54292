package org.rnn4j;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The recurrent cells rnn4j runs. Gate blocks are always stored in PyTorch order:
 * LSTM i, f, g, o; GRU r, z, n.
 */
public enum CellType {
  /** Long short-term memory; optional projection, peepholes, coupled input-forget gate. */
  LSTM("lstm", 4),
  /** GRU with the reset gate applied after the recurrent product (PyTorch, cuDNN, ONNX linear_before_reset=1). */
  GRU("gru", 3),
  /** GRU of Cho et al.: reset applied to h before the recurrent product (ONNX linear_before_reset=0). */
  GRU_RESET_BEFORE("gru_reset_before", 3),
  /** Elman RNN with tanh. */
  RNN_TANH("rnn_tanh", 1),
  /** Elman RNN with relu. */
  RNN_RELU("rnn_relu", 1),
  /** Jordan RNN: the recurrence is fed from the layer's output y(t-1) = f_y(W_ho h(t-1) + b_ho). */
  JORDAN("jordan", 1);

  private final String id;
  private final int gates;

  CellType(String id, int gates) {
    this.id = id;
    this.gates = gates;
  }

  /** The name used in files and on the command line ({@code rnn4j.cell} metadata). */
  public String id() {
    return id;
  }

  /** Number of gate blocks in W_ih / W_hh (4, 3 or 1). */
  public int gates() {
    return gates;
  }

  public boolean isGru() {
    return this == GRU || this == GRU_RESET_BEFORE;
  }

  /** The default activations of one direction: LSTM [f, g, h], GRU [f, g], RNN [f], Jordan [f_h, f_y]. */
  public List<Activation> defaultActivations() {
    return switch (this) {
      case LSTM -> List.of(Activation.SIGMOID, Activation.TANH, Activation.TANH);
      case GRU, GRU_RESET_BEFORE -> List.of(Activation.SIGMOID, Activation.TANH);
      case RNN_TANH -> List.of(Activation.TANH);
      case RNN_RELU -> List.of(Activation.RELU);
      case JORDAN -> List.of(Activation.TANH, Activation.TANH);
    };
  }

  public static CellType fromId(String id) {
    for (CellType c : values()) {
      if (c.id.equalsIgnoreCase(id.trim())) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown cell '" + id + "'; known: "
        + Arrays.stream(values()).map(CellType::id).collect(Collectors.joining(", ")));
  }
}
