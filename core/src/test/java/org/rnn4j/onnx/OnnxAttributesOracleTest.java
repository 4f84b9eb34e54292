package org.rnn4j.onnx;

import static org.rnn4j.onnx.OnnxWriter.attr;
import static org.rnn4j.onnx.OnnxWriter.floats;
import static org.rnn4j.onnx.OnnxWriter.node;
import static org.rnn4j.onnx.OnnxWriter.strings;
import static org.rnn4j.onnx.OnnxWriter.tensor;
import static org.rnn4j.onnx.OnnxWriter.valueInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.reference.OnnxCaseAdapter;
import org.rnn4j.reference.ReferenceRnn;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

/**
 * Random ONNX weights and attribute combinations the shared cases do not pair up (bidirectional
 * peepholes + input_forget + clip, alpha/beta lists spanning both directions, layout 1), against
 * the float64 oracle through the test-side ONNX mapping ({@link OnnxCaseAdapter}).
 */
class OnnxAttributesOracleTest {

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "LSTM; 0; 0; HardSigmoid,Elu,ScaledTanh,Sigmoid,Tanh,LeakyRelu; 0.25,0.5,1.5,0.125; 0.625,0.75",
      "LSTM; 1; 1; sigmoid,TANH,Softsign,HardSigmoid,Softplus,Tanh; ; ",
      "GRU; 0; 1; Affine,Tanh,Sigmoid,ScaledTanh; 0.5,1.25; 0.25,0.5",
      "GRU; 1; 0; Sigmoid,ThresholdedRelu,LeakyRelu,Tanh; 0.125; ",
      "RNN; 0; 1; Elu,Affine; 0.5,0.75; 0.125"})
  void bidirectionalAgainstOracle(String op, int layout, int flag, String acts, String alphaList, String betaList)
      throws Exception {
    int s = 6;
    int n = 3;
    int in = 4;
    int h = 5;
    int d = 2;
    int g = OnnxCaseAdapter.gates(op);
    boolean lstm = op.equals("LSTM");
    float[] w = RandomModels.gaussian(d * g * h * in, 0.5, 1);
    float[] r = RandomModels.gaussian(d * g * h * h, 0.5, 2);
    float[] b = RandomModels.gaussian(d * 2 * g * h, 0.5, 3);
    float[] p = lstm ? RandomModels.gaussian(d * 3 * h, 0.5, 4) : null;
    float[] x = RandomModels.gaussian(s * n * in, 1, 5); // seq-first
    int[] lengths = {6, 1, 4};
    float clip = 1.75f;
    float[] alphas = parse(alphaList);
    float[] betas = parse(betaList);

    List<OnnxWriter.Msg> attrs = new ArrayList<>(List.of(attr("hidden_size", (long) h),
        attr("direction", "bidirectional"), attr("layout", (long) layout), attr("clip", clip),
        strings("activations", acts.split(","))));
    if (alphas.length > 0) {
      attrs.add(floats("activation_alpha", alphas));
    }
    if (betas.length > 0) {
      attrs.add(floats("activation_beta", betas));
    }
    if (lstm) {
      attrs.add(attr("input_forget", (long) flag));
    } else if (op.equals("GRU")) {
      attrs.add(attr("linear_before_reset", (long) flag));
    }
    List<OnnxWriter.Msg> inits = new ArrayList<>(List.of(tensor("W", w, d, g * h, in), tensor("R", r, d, g * h, h),
        tensor("B", b, d, 2 * g * h)));
    if (lstm) {
      inits.add(tensor("P", p, d, 3 * h));
    }
    String inputs = lstm ? "X,W,R,B,seq,,,P" : "X,W,R,B,seq";
    byte[] model = OnnxWriter.model(OnnxWriter.graph(
        List.of(node(op, "n", inputs, "Y,Y_h", attrs.toArray(new OnnxWriter.Msg[0]))), inits,
        List.of(valueInfo("X", 1), valueInfo("seq", OnnxWriter.INT32)), List.of(valueInfo("Y", 1), valueInfo("Y_h", 1))),
        14);
    Map<String, Tensor> out;
    try (OnnxModel m = OnnxModel.load(model, "attrs.onnx", BackendRegistry.getDefault().get("scalar"))) {
      Tensor xt = layout == 0 ? Tensor.ofFloats(x, s, n, in)
          : Tensor.ofFloats(RandomModels.toBatchFirst(x, s, n, in), n, s, in);
      out = m.run(Map.of("X", xt, "seq", Tensor.ofLongs(new long[] {6, 1, 4}, n)));
    }

    int perDir = lstm ? 3 : op.equals("GRU") ? 2 : 1;
    String cell = switch (op) {
      case "LSTM" -> "lstm";
      case "GRU" -> flag == 0 ? "gru_reset_before" : "gru";
      default -> "rnn_tanh";
    };
    ReferenceRnn.Config cfg = new ReferenceRnn.Config(cell, in, h, 0, 0, 1, true, false, clip, lstm && flag == 1,
        OnnxCaseAdapter.activations(acts, widen(alphas), widen(betas), perDir, d));
    Map<String, double[]> weights = OnnxCaseAdapter.weights(op, d, h, in, RandomModels.widen(w), RandomModels.widen(r),
        RandomModels.widen(b), p == null ? null : RandomModels.widen(p));
    ReferenceRnn.Result ref = ReferenceRnn.forward(cfg, weights, RandomModels.widen(x), s, n, lengths, null, null);
    Tolerance.assertClose("Y", ref.y(), RandomModels.narrow(OnnxCaseAdapter.yToOracle(
        RandomModels.widen(out.get("Y").floats()), layout, s, d, n, h)), 2e-5, 2e-4);
    Tolerance.assertClose("Y_h", ref.hN(), RandomModels.narrow(OnnxCaseAdapter.stateToOracle(
        RandomModels.widen(out.get("Y_h").floats()), layout, d, n, h)), 2e-5, 2e-4);
  }

  private static float[] parse(String list) {
    if (list == null || list.isBlank()) {
      return new float[0];
    }
    String[] parts = list.split(",");
    float[] v = new float[parts.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = Float.parseFloat(parts[i].trim());
    }
    return v;
  }

  private static double[] widen(float[] a) {
    return a.length == 0 ? null : RandomModels.widen(a);
  }
}
