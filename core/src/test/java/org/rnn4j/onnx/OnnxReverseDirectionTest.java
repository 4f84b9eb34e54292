package org.rnn4j.onnx;

import static org.rnn4j.onnx.OnnxWriter.attr;
import static org.rnn4j.onnx.OnnxWriter.floats;
import static org.rnn4j.onnx.OnnxWriter.node;
import static org.rnn4j.onnx.OnnxWriter.strings;
import static org.rnn4j.onnx.OnnxWriter.tensor;
import static org.rnn4j.onnx.OnnxWriter.valueInfo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnn4j.Activation;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

/**
 * direction=reverse runs as a forward model over per-row reversed input. Checked here against
 * the reverse half of an rnn4j bidirectional model, which takes the other road (the reverse
 * machinery of {@link Model#forward}), with lengths, initial state and both layouts.
 */
class OnnxReverseDirectionTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  @ParameterizedTest
  @CsvSource({"RNN, 0", "RNN, 1", "GRU, 0", "GRU, 1", "LSTM, 0", "LSTM, 1"})
  void reverseMatchesReverseHalfOfBidirectional(String op, int layout) throws Exception {
    int steps = 7;
    int batch = 3;
    int in = 4;
    int h = 5;
    int[] lengths = {7, 2, 5};
    CellType cell = switch (op) {
      case "LSTM" -> CellType.LSTM;
      case "GRU" -> CellType.GRU_RESET_BEFORE;
      default -> CellType.RNN_TANH;
    };
    // Non-default activations with alpha, to see that the reverse node's own list is used.
    List<Activation> acts = switch (op) {
      case "LSTM" -> List.of(Activation.of(Activation.Kind.HARD_SIGMOID, 0.25f, 0.5f), Activation.TANH,
          Activation.of(Activation.Kind.SOFTSIGN));
      case "GRU" -> List.of(Activation.SIGMOID, Activation.of(Activation.Kind.LEAKY_RELU, 0.125f, Float.NaN));
      default -> List.of(Activation.of(Activation.Kind.LEAKY_RELU, 0.125f, Float.NaN));
    };
    ModelSpec bidi = ModelSpec.builder(cell, in, h).bidirectional(true).activations(List.of(acts, acts)).build();
    ModelWeights w = ModelWeights.random(bidi, 11);
    float[] x = RandomModels.gaussian(steps * batch * in, 1, 12); // seq-first
    float[] h0 = RandomModels.gaussian(2 * batch * h, 1, 13);
    float[] c0 = RandomModels.gaussian(2 * batch * h, 1, 14);
    ForwardResult ref;
    try (Model m = Model.of(w, SCALAR)) {
      SequenceBatch b = SequenceBatch.seqFirst(x, steps, batch, in).withLengths(lengths).withH0(h0);
      ref = m.forward(cell == CellType.LSTM ? b.withC0(c0) : b);
    }
    // ONNX weights of the reverse direction only.
    int g = cell.gates();
    int[] order = switch (op) {
      case "LSTM" -> new int[] {0, 3, 1, 2};
      case "GRU" -> new int[] {1, 0, 2};
      default -> new int[] {0};
    };
    float[] wv = blocks(w.get("weight_ih_l0_reverse"), order, h * in);
    float[] rv = blocks(w.get("weight_hh_l0_reverse"), order, h * h);
    float[] bv = concat(blocks(w.get("bias_ih_l0_reverse"), order, h), blocks(w.get("bias_hh_l0_reverse"), order, h));
    String[] names = acts.stream().map(a -> a.kind().onnxName()).toArray(String[]::new);
    float[] alphas = new float[0];
    for (Activation a : acts) {
      if (a.kind().usesAlpha()) {
        alphas = java.util.Arrays.copyOf(alphas, alphas.length + 1);
        alphas[alphas.length - 1] = a.alpha();
      }
    }
    String inputs = "X,W,R,B,seq,h0" + (cell == CellType.LSTM ? ",c0" : "");
    String outputs = "Y,Y_h" + (cell == CellType.LSTM ? ",Y_c" : "");
    byte[] bytes = OnnxWriter.model(OnnxWriter.graph(
        List.of(node(op, "rev", inputs, outputs, attr("hidden_size", (long) h), attr("direction", "reverse"),
            attr("layout", (long) layout), strings("activations", names), floats("activation_alpha", alphas),
            // beta only for HardSigmoid, and at its default: also checks that betas are consumed separately
            floats("activation_beta", 0.5f))),
        List.of(tensor("W", wv, 1, g * h, in), tensor("R", rv, 1, g * h, h), tensor("B", bv, 1, 2 * g * h)),
        cell == CellType.LSTM
            ? List.of(valueInfo("X", 1), valueInfo("seq", OnnxWriter.INT32), valueInfo("h0", 1), valueInfo("c0", 1))
            : List.of(valueInfo("X", 1), valueInfo("seq", OnnxWriter.INT32), valueInfo("h0", 1)),
        cell == CellType.LSTM ? List.of(valueInfo("Y", 1), valueInfo("Y_h", 1), valueInfo("Y_c", 1))
            : List.of(valueInfo("Y", 1), valueInfo("Y_h", 1))), 14);
    Map<String, Tensor> feed = new LinkedHashMap<>();
    float[] hRev = slot(h0, 1, batch * h);
    float[] cRev = slot(c0, 1, batch * h);
    feed.put("X", layout == 0 ? Tensor.ofFloats(x, steps, batch, in)
        : Tensor.ofFloats(RandomModels.toBatchFirst(x, steps, batch, in), batch, steps, in));
    feed.put("seq", Tensor.ofLongs(new long[] {7, 2, 5}, batch));
    // D = 1, so [1, N, H] and [N, 1, H] hold the same values in the same order.
    feed.put("h0", layout == 0 ? Tensor.ofFloats(hRev, 1, batch, h) : Tensor.ofFloats(hRev, batch, 1, h));
    if (cell == CellType.LSTM) {
      feed.put("c0", layout == 0 ? Tensor.ofFloats(cRev, 1, batch, h) : Tensor.ofFloats(cRev, batch, 1, h));
    }
    try (OnnxModel m = OnnxModel.load(bytes, "reverse.onnx", SCALAR)) {
      Map<String, Tensor> out = m.run(feed);
      float[] yRev = reverseHalf(ref.output().data(), steps * batch, h);
      float[] expectedY = layout == 0 ? yRev : RandomModels.toBatchFirst(yRev, steps, batch, h);
      Tolerance.assertClose("Y", expectedY, out.get("Y").floats(), 2e-5, 2e-4);
      Tolerance.assertClose("Y_h", slot(ref.hN().data(), 1, batch * h), out.get("Y_h").floats(), 2e-5, 2e-4);
      if (cell == CellType.LSTM) {
        Tolerance.assertClose("Y_c", slot(ref.cN().data(), 1, batch * h), out.get("Y_c").floats(), 2e-5, 2e-4);
      }
    }
  }

  private static float[] blocks(float[] src, int[] order, int block) {
    float[] out = new float[src.length];
    for (int k = 0; k < order.length; k++) {
      System.arraycopy(src, order[k] * block, out, k * block, block);
    }
    return out;
  }

  private static float[] concat(float[] a, float[] b) {
    float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static float[] slot(float[] v, int k, int n) {
    return java.util.Arrays.copyOfRange(v, k * n, (k + 1) * n);
  }

  /** [rows, 2H] → its second half [rows, H]. */
  private static float[] reverseHalf(float[] y, int rows, int h) {
    float[] out = new float[rows * h];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(y, r * 2 * h + h, out, r * h, h);
    }
    return out;
  }
}
