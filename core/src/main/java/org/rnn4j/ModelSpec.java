package org.rnn4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The architecture of a recurrent model: what the weights mean, independent of their values.
 *
 * @param cell the cell type
 * @param inputSize features per time step of the first layer's input (I)
 * @param hiddenSize hidden size H (the cell state size for LSTM)
 * @param projSize LSTM projection size P (0 = no projection); then the output and h are P wide
 * @param outputSize Jordan output size O (0 for other cells)
 * @param numLayers stacked layers (≥ 1)
 * @param bidirectional two directions per layer, outputs concatenated forward first
 * @param residual layers k ≥ 1 add their input to their output
 * @param clip gate pre-activations are clamped to [-clip, clip]; {@code +Infinity} means no clipping
 * @param inputForget LSTM only: the forget gate is 1 − input gate (coupled input-forget gate, CIFG)
 * @param peepholes LSTM only: peephole weights on i, f (from c(t−1)) and o (from c(t))
 * @param activations per direction (forward, then reverse for bidirectional models), the cell's
 *     activations: LSTM [f, g, h], GRU [f, g], RNN [f], Jordan [f_h, f_y]
 */
public record ModelSpec(CellType cell, int inputSize, int hiddenSize, int projSize, int outputSize,
    int numLayers, boolean bidirectional, boolean residual, float clip, boolean inputForget,
    boolean peepholes, List<List<Activation>> activations) {

  public ModelSpec {
    Objects.requireNonNull(cell, "cell");
    requirePositive("inputSize", inputSize);
    requirePositive("hiddenSize", hiddenSize);
    requirePositive("numLayers", numLayers);
    if (projSize < 0 || (projSize > 0 && cell != CellType.LSTM)) {
      throw new IllegalArgumentException("projSize " + projSize + " is only valid (≥ 0) for LSTM");
    }
    if (projSize >= hiddenSize && projSize > 0) {
      throw new IllegalArgumentException("projSize " + projSize + " must be smaller than hiddenSize " + hiddenSize);
    }
    if (cell == CellType.JORDAN) {
      requirePositive("outputSize", outputSize);
    } else if (outputSize != 0) {
      throw new IllegalArgumentException("outputSize is only used by the Jordan cell; got " + outputSize);
    }
    if (!(clip > 0f)) {
      throw new IllegalArgumentException("clip must be > 0 (or +Infinity for none); got " + clip);
    }
    if ((inputForget || peepholes) && cell != CellType.LSTM) {
      throw new IllegalArgumentException("inputForget and peepholes are LSTM options; cell is " + cell.id());
    }
    int dirs = bidirectional ? 2 : 1;
    if (activations == null) {
      List<List<Activation>> defaults = new ArrayList<>();
      for (int d = 0; d < dirs; d++) {
        defaults.add(cell.defaultActivations());
      }
      activations = defaults;
    }
    if (activations.size() != dirs) {
      throw new IllegalArgumentException("activations: expected one list per direction (" + dirs + "), got "
          + activations.size());
    }
    List<List<Activation>> copy = new ArrayList<>();
    for (List<Activation> perDir : activations) {
      if (perDir.size() != cell.defaultActivations().size()) {
        throw new IllegalArgumentException("activations: " + cell.id() + " takes "
            + cell.defaultActivations().size() + " per direction, got " + perDir);
      }
      copy.add(List.copyOf(perDir));
    }
    activations = List.copyOf(copy);
  }

  private static void requirePositive(String name, int v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive; got " + v);
    }
  }

  /** A plain PyTorch-style model: no clip, no peepholes, default activations. */
  public static ModelSpec of(CellType cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional) {
    return builder(cell, inputSize, hiddenSize).numLayers(numLayers).bidirectional(bidirectional).build();
  }

  public static Builder builder(CellType cell, int inputSize, int hiddenSize) {
    return new Builder(cell, inputSize, hiddenSize);
  }

  public Builder toBuilder() {
    Builder b = new Builder(cell, inputSize, hiddenSize);
    b.projSize = projSize;
    b.outputSize = outputSize;
    b.numLayers = numLayers;
    b.bidirectional = bidirectional;
    b.residual = residual;
    b.clip = clip;
    b.inputForget = inputForget;
    b.peepholes = peepholes;
    b.activations = activations;
    return b;
  }

  /** 2 for bidirectional models, else 1. */
  public int directions() {
    return bidirectional ? 2 : 1;
  }

  /** Width of h and of each direction's output: P for projected LSTMs, O for Jordan, else H. */
  public int outputWidth() {
    if (projSize > 0) {
      return projSize;
    }
    return cell == CellType.JORDAN ? outputSize : hiddenSize;
  }

  /** Width of the input of layer {@code k}. */
  public int layerInputSize(int layer) {
    return layer == 0 ? inputSize : directions() * outputWidth();
  }

  /** Rows of W_ih and W_hh: gates × H. */
  public int gateRows() {
    return cell.gates() * hiddenSize;
  }

  public boolean hasCellState() {
    return cell == CellType.LSTM;
  }

  public boolean clips() {
    return clip != Float.POSITIVE_INFINITY;
  }

  /** Whether every direction uses the cell's default activations. */
  public boolean defaultActivations() {
    for (List<Activation> a : activations) {
      if (!a.equals(cell.defaultActivations())) {
        return false;
      }
    }
    return true;
  }

  /** Number of [layer × direction] weight sets. */
  public int directionCount() {
    return numLayers * directions();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(cell.id()).append("(I=").append(inputSize).append(", H=").append(hiddenSize);
    if (projSize > 0) {
      s.append(", P=").append(projSize);
    }
    if (outputSize > 0) {
      s.append(", O=").append(outputSize);
    }
    s.append(", layers=").append(numLayers);
    if (bidirectional) {
      s.append(", bidirectional");
    }
    if (residual) {
      s.append(", residual");
    }
    if (clips()) {
      s.append(", clip=").append(clip);
    }
    if (inputForget) {
      s.append(", input_forget");
    }
    if (peepholes) {
      s.append(", peepholes");
    }
    if (!defaultActivations()) {
      s.append(", activations=").append(activations);
    }
    return s.append(')').toString();
  }

  /** Builder with PyTorch defaults. */
  public static final class Builder {
    private final CellType cell;
    private final int inputSize;
    private final int hiddenSize;
    private int projSize;
    private int outputSize;
    private int numLayers = 1;
    private boolean bidirectional;
    private boolean residual;
    private float clip = Float.POSITIVE_INFINITY;
    private boolean inputForget;
    private boolean peepholes;
    private List<List<Activation>> activations;

    private Builder(CellType cell, int inputSize, int hiddenSize) {
      this.cell = cell;
      this.inputSize = inputSize;
      this.hiddenSize = hiddenSize;
      this.outputSize = cell == CellType.JORDAN ? hiddenSize : 0;
    }

    public Builder projSize(int p) {
      this.projSize = p;
      return this;
    }

    public Builder outputSize(int o) {
      this.outputSize = o;
      return this;
    }

    public Builder numLayers(int n) {
      this.numLayers = n;
      return this;
    }

    public Builder bidirectional(boolean b) {
      this.bidirectional = b;
      if (activations != null && activations.size() != (b ? 2 : 1)) {
        activations = null;
      }
      return this;
    }

    public Builder residual(boolean r) {
      this.residual = r;
      return this;
    }

    public Builder clip(float c) {
      this.clip = c;
      return this;
    }

    public Builder inputForget(boolean f) {
      this.inputForget = f;
      return this;
    }

    public Builder peepholes(boolean p) {
      this.peepholes = p;
      return this;
    }

    /** Activations per direction; null restores the cell's defaults. */
    public Builder activations(List<List<Activation>> a) {
      this.activations = a;
      return this;
    }

    public ModelSpec build() {
      return new ModelSpec(cell, inputSize, hiddenSize, projSize, outputSize, numLayers, bidirectional, residual,
          clip, inputForget, peepholes, activations);
    }
  }
}
