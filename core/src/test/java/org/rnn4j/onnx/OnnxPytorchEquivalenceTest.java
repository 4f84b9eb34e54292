package org.rnn4j.onnx;

import static org.rnn4j.onnx.OnnxWriter.attr;
import static org.rnn4j.onnx.OnnxWriter.ints;
import static org.rnn4j.onnx.OnnxWriter.node;
import static org.rnn4j.onnx.OnnxWriter.tensor;
import static org.rnn4j.onnx.OnnxWriter.valueInfo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

/**
 * The same network as a PyTorch-named safetensors file and as an ONNX file (written here, with
 * the inverse mapping: PyTorch gate blocks to ONNX order) must give the same outputs.
 */
class OnnxPytorchEquivalenceTest {
  @TempDir
  Path dir;

  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");
  private static final double ABS = 2e-5;
  private static final double REL = 2e-4;

  /** For each ONNX gate block, the PyTorch block it holds: LSTM i,o,f,c ← i,f,g,o; GRU z,r,h ← r,z,n. */
  private static int[] onnxOrder(CellType cell) {
    return switch (cell) {
      case LSTM -> new int[] {0, 3, 1, 2};
      case GRU, GRU_RESET_BEFORE -> new int[] {1, 0, 2};
      default -> new int[] {0};
    };
  }

  private static void putBlocks(List<Float> out, float[] src, int[] order, int block) {
    for (int k : order) {
      for (int e = 0; e < block; e++) {
        out.add(src[k * block + e]);
      }
    }
  }

  private static float[] array(List<Float> l) {
    float[] a = new float[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  /** ONNX W, R, B of one layer of a PyTorch model. */
  private static float[][] onnxWeights(ModelWeights w, int layer) {
    ModelSpec s = w.spec();
    int h = s.hiddenSize();
    int in = s.layerInputSize(layer);
    int[] order = onnxOrder(s.cell());
    List<Float> wl = new ArrayList<>();
    List<Float> rl = new ArrayList<>();
    List<Float> bl = new ArrayList<>();
    for (int d = 0; d < s.directions(); d++) {
      putBlocks(wl, w.get(ModelWeights.name("weight_ih", layer, d)), order, h * in);
      putBlocks(rl, w.get(ModelWeights.name("weight_hh", layer, d)), order, h * h);
      putBlocks(bl, w.get(ModelWeights.name("bias_ih", layer, d)), order, h);
      putBlocks(bl, w.get(ModelWeights.name("bias_hh", layer, d)), order, h);
    }
    return new float[][] {array(wl), array(rl), array(bl)};
  }

  private Model pytorchModel(ModelWeights w) throws Exception {
    Path file = dir.resolve("model.safetensors");
    ModelFiles.write(w, file);
    return Model.load(file, SCALAR);
  }

  private OnnxModel onnxModel(byte[] bytes) throws Exception {
    Path file = dir.resolve("model.onnx");
    Files.write(file, bytes);
    return OnnxModel.load(file, SCALAR);
  }

  /**
   * A stacked bidirectional LSTM/GRU as an exporter writes it: one node per layer, Transpose +
   * Reshape between layers, Slice for each layer's initial state, Concat for the final states.
   */
  private static byte[] stackedGraph(ModelWeights w, String op, int steps, int batch, boolean withC, long... extra) {
    ModelSpec s = w.spec();
    int h = s.hiddenSize();
    int d = s.directions();
    int g = s.cell().gates();
    List<OnnxWriter.Msg> nodes = new ArrayList<>();
    List<OnnxWriter.Msg> inits = new ArrayList<>();
    String x = "X";
    StringBuilder hParts = new StringBuilder();
    StringBuilder cParts = new StringBuilder();
    inits.add(tensor("flatten_shape", new long[] {0, 0, -1}, 3));
    inits.add(tensor("axis0", new long[] {0}, 1));
    for (int k = 0; k < s.numLayers(); k++) {
      float[][] wrb = onnxWeights(w, k);
      int in = s.layerInputSize(k);
      inits.add(tensor("W" + k, wrb[0], d, g * h, in));
      inits.add(tensor("R" + k, wrb[1], d, g * h, h));
      inits.add(tensor("B" + k, wrb[2], d, 2 * g * h));
      inits.add(tensor("start" + k, new long[] {(long) k * d}, 1));
      inits.add(tensor("end" + k, new long[] {(long) (k + 1) * d}, 1));
      nodes.add(node("Slice", "h0_slice" + k, "h0,start" + k + ",end" + k + ",axis0", "h0_" + k));
      String inputs = x + ",W" + k + ",R" + k + ",B" + k + ",seq,h0_" + k;
      String outputs = "Y" + k + ",Yh" + k;
      if (withC) {
        nodes.add(node("Slice", "c0_slice" + k, "c0,start" + k + ",end" + k + ",axis0", "c0_" + k));
        inputs += ",c0_" + k;
        outputs += ",Yc" + k;
      }
      List<OnnxWriter.Msg> attrs = new ArrayList<>();
      attrs.add(attr("hidden_size", (long) h));
      attrs.add(attr("direction", d == 2 ? "bidirectional" : "forward"));
      if (extra.length > 0) {
        attrs.add(attr("linear_before_reset", extra[0]));
      }
      nodes.add(node(op, "rnn" + k, inputs, outputs, attrs.toArray(new OnnxWriter.Msg[0])));
      nodes.add(node("Transpose", "t" + k, "Y" + k, "Yt" + k, ints("perm", 0, 2, 1, 3)));
      x = k == s.numLayers() - 1 ? "y" : "X" + (k + 1);
      nodes.add(node("Reshape", "flat" + k, "Yt" + k + ",flatten_shape", x));
      hParts.append(k == 0 ? "" : ",").append("Yh").append(k);
      cParts.append(k == 0 ? "" : ",").append("Yc").append(k);
    }
    nodes.add(node("Concat", "h_n", hParts.toString(), "h_n", attr("axis", 0L)));
    List<OnnxWriter.Msg> outs = new ArrayList<>(List.of(valueInfo("y", 1, steps, batch, d * h),
        valueInfo("h_n", 1, "LD", "N", "H")));
    if (withC) {
      nodes.add(node("Concat", "c_n", cParts.toString(), "c_n", attr("axis", 0L)));
      outs.add(valueInfo("c_n", 1));
    }
    int ld = s.numLayers() * d;
    List<OnnxWriter.Msg> ins = new ArrayList<>(List.of(valueInfo("X", 1, "S", "N", s.inputSize()),
        valueInfo("seq", OnnxWriter.INT32, "N"), valueInfo("h0", 1, ld, "N", h)));
    if (withC) {
      ins.add(valueInfo("c0", 1, ld, "N", h));
    }
    return OnnxWriter.model(OnnxWriter.graph(nodes, inits, ins, outs), 13);
  }

  private void checkStacked(CellType cell, String op, long... extra) throws Exception {
    ModelSpec spec = ModelSpec.builder(cell, 5, 7).numLayers(2).bidirectional(true).build();
    ModelWeights w = ModelWeights.random(spec, 42);
    int steps = 6;
    int batch = 4;
    float[] x = RandomModels.gaussian(steps * batch * 5, 1, 1);
    int[] lengths = {6, 2, 5, 1};
    float[] h0 = RandomModels.gaussian(4 * batch * 7, 1, 2);
    float[] c0 = RandomModels.gaussian(4 * batch * 7, 1, 3);
    boolean lstm = cell == CellType.LSTM;
    ForwardResult expected;
    try (Model m = pytorchModel(w)) {
      SequenceBatch b = SequenceBatch.seqFirst(x, steps, batch, 5).withLengths(lengths).withH0(h0);
      expected = m.forward(lstm ? b.withC0(c0) : b);
    }
    try (OnnxModel m = onnxModel(stackedGraph(w, op, steps, batch, lstm, extra))) {
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put("X", Tensor.ofFloats(x, steps, batch, 5));
      in.put("seq", Tensor.ofLongs(new long[] {6, 2, 5, 1}, batch));
      in.put("h0", Tensor.ofFloats(h0, 4, batch, 7));
      if (lstm) {
        in.put("c0", Tensor.ofFloats(c0, 4, batch, 7));
      }
      Map<String, Tensor> out = m.run(in);
      assertArrayEquals(expected.output().shape(), out.get("y").shape());
      Tolerance.assertClose("y", expected.output().data(), out.get("y").floats(), ABS, REL);
      Tolerance.assertClose("h_n", expected.hN().data(), out.get("h_n").floats(), ABS, REL);
      if (lstm) {
        Tolerance.assertClose("c_n", expected.cN().data(), out.get("c_n").floats(), ABS, REL);
      }
    }
  }

  @Test
  void stackedBidirectionalLstmWithLengthsAndStates() throws Exception {
    checkStacked(CellType.LSTM, "LSTM");
  }

  @Test
  void stackedBidirectionalGruIsLinearBeforeReset1() throws Exception {
    checkStacked(CellType.GRU, "GRU", 1);
  }

  @Test
  void stackedBidirectionalGruResetBefore() throws Exception {
    checkStacked(CellType.GRU_RESET_BEFORE, "GRU", 0);
  }

  /** layout = 1 with weights as graph inputs: batch-first PyTorch, ONNX states [N, D, H]. */
  @Test
  void layout1WithWeightsAsGraphInputs() throws Exception {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 3, 4).bidirectional(true).build();
    ModelWeights w = ModelWeights.random(spec, 7);
    int steps = 5;
    int batch = 3;
    float[] xBf = RandomModels.gaussian(batch * steps * 3, 1, 4);
    float[] h0 = RandomModels.gaussian(2 * batch * 4, 1, 5); // PyTorch [D, N, H]
    float[] c0 = RandomModels.gaussian(2 * batch * 4, 1, 6);
    ForwardResult expected;
    try (Model m = pytorchModel(w)) {
      expected = m.forward(SequenceBatch.batchFirst(xBf, batch, steps, 3).withLengths(new int[] {5, 3, 4}).withH0(h0)
          .withC0(c0));
    }
    float[][] wrb = onnxWeights(w, 0);
    byte[] bytes = OnnxWriter.model(OnnxWriter.graph(
        List.of(node("LSTM", "lstm", "X,W,R,B,seq,h0,c0", "Y,Y_h,Y_c", attr("hidden_size", 4L),
            attr("direction", "bidirectional"), attr("layout", 1L))),
        List.of(), List.of(valueInfo("X", 1, "N", "S", 3), valueInfo("W", 1, 2, 16, 3), valueInfo("R", 1, 2, 16, 4),
            valueInfo("B", 1, 2, 32), valueInfo("seq", OnnxWriter.INT32, "N"), valueInfo("h0", 1, "N", 2, 4),
            valueInfo("c0", 1, "N", 2, 4)),
        List.of(valueInfo("Y", 1), valueInfo("Y_h", 1), valueInfo("Y_c", 1))), 14);
    try (OnnxModel m = onnxModel(bytes)) {
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put("X", Tensor.ofFloats(xBf, batch, steps, 3));
      in.put("W", Tensor.ofFloats(wrb[0], 2, 16, 3));
      in.put("R", Tensor.ofFloats(wrb[1], 2, 16, 4));
      in.put("B", Tensor.ofFloats(wrb[2], 2, 32));
      in.put("seq", Tensor.ofLongs(new long[] {5, 3, 4}, batch));
      in.put("h0", Tensor.ofFloats(swap01(h0, 2, batch, 4), batch, 2, 4));
      in.put("c0", Tensor.ofFloats(swap01(c0, 2, batch, 4), batch, 2, 4));
      Map<String, Tensor> out = m.run(in);
      assertArrayEquals(new int[] {batch, steps, 2, 4}, out.get("Y").shape());
      Tolerance.assertClose("Y", expected.output().data(), out.get("Y").floats(), ABS, REL);
      Tolerance.assertClose("Y_h", swap01(expected.hN().data(), 2, batch, 4), out.get("Y_h").floats(), ABS, REL);
      Tolerance.assertClose("Y_c", swap01(expected.cN().data(), 2, batch, 4), out.get("Y_c").floats(), ABS, REL);
      // Leaving out optional inputs (B, seq, h0, c0) is allowed; W cannot be left out.
      Map<String, Tensor> noOptional = new LinkedHashMap<>(in);
      noOptional.keySet().removeAll(List.of("B", "seq", "h0", "c0"));
      m.run(noOptional);
      noOptional.remove("W");
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> m.run(noOptional));
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'W'"), e.getMessage());
    }
  }

  /** [a, b, h] → [b, a, h]. */
  static float[] swap01(float[] v, int a, int b, int h) {
    float[] out = new float[v.length];
    for (int i = 0; i < a; i++) {
      for (int j = 0; j < b; j++) {
        System.arraycopy(v, (i * b + j) * h, out, (j * a + i) * h, h);
      }
    }
    return out;
  }
}
