package org.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnn4j.onnx.OnnxWriter.attr;
import static org.rnn4j.onnx.OnnxWriter.ints;
import static org.rnn4j.onnx.OnnxWriter.node;
import static org.rnn4j.onnx.OnnxWriter.tensor;
import static org.rnn4j.onnx.OnnxWriter.valueInfo;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.onnx.OnnxWriter.Msg;

/** The glue-op interpreter, op by op, with hand-computed results. */
class OnnxGlueOpsTest {
  private static final float[] X23 = {1, 2, 3, 4, 5, 6}; // [[1,2,3],[4,5,6]]

  /** Runs one node on input "x" [2, 3] (plus initializers) at an opset; returns output "y". */
  private static Tensor run1(int opset, Msg node, List<Msg> inits) throws Exception {
    byte[] b = OnnxWriter.model(OnnxWriter.graph(List.of(node), inits, List.of(valueInfo("x", 1, 2, 3)),
        List.of(valueInfo("y", 0))), opset);
    try (OnnxModel m = OnnxModel.load(b, "glue.onnx", BackendRegistry.getDefault().get("scalar"))) {
      return m.run(Map.of("x", Tensor.ofFloats(X23, 2, 3))).get("y");
    }
  }

  private static void assertTensor(Tensor t, int[] shape, float... values) {
    assertArrayEquals(shape, t.shape(), "shape");
    assertArrayEquals(values, t.floats(), 1e-6f);
  }

  @Test
  void transposeSqueezeUnsqueezeReshape() throws Exception {
    assertTensor(run1(13, node("Transpose", "t", "x", "y"), List.of()), new int[] {3, 2}, 1, 4, 2, 5, 3, 6);
    assertTensor(run1(11, node("Unsqueeze", "u", "x", "y", ints("axes", 0, -1)), List.of()), new int[] {1, 2, 3, 1},
        X23);
    assertTensor(run1(13, node("Unsqueeze", "u", "x,ax", "y"), List.of(tensor("ax", new long[] {1}, 1))),
        new int[] {2, 1, 3}, X23);
    Msg squeezeGraph = node("Squeeze", "s", "u", "y");
    byte[] b = OnnxWriter.model(OnnxWriter.graph(List.of(node("Unsqueeze", "u", "x,ax", "u"), squeezeGraph),
        List.of(tensor("ax", new long[] {0, 2}, 2)), List.of(valueInfo("x", 1, 2, 3)), List.of(valueInfo("y", 1))), 13);
    try (OnnxModel m = OnnxModel.load(b, "sq.onnx", BackendRegistry.getDefault().get("scalar"))) {
      assertTensor(m.run(Map.of("x", Tensor.ofFloats(X23, 2, 3))).get("y"), new int[] {2, 3}, X23);
    }
    assertTensor(run1(13, node("Reshape", "r", "x,s", "y"), List.of(tensor("s", new long[] {0, -1, 1}, 3))),
        new int[] {2, 3, 1}, X23);
    assertTensor(run1(4, node("Reshape", "r", "x", "y", ints("shape", 3, 2)), List.of()), new int[] {3, 2}, X23);
  }

  @Test
  void sliceWithNegativeStepsAndClamping() throws Exception {
    // x[:, ::-2] → columns 2, 0
    assertTensor(run1(13, node("Slice", "s", "x,st,en,ax,sp", "y"), List.of(tensor("st", new long[] {-1}, 1),
        tensor("en", new long[] {Long.MIN_VALUE}, 1), tensor("ax", new long[] {1}, 1), tensor("sp", new long[] {-2}, 1))),
        new int[] {2, 2}, 3, 1, 6, 4);
    // opset 9 attributes; ends beyond the dimension are clamped
    assertTensor(run1(9, node("Slice", "s", "x", "y", ints("starts", 1), ints("ends", 100), ints("axes", 0)),
        List.of()), new int[] {1, 3}, 4, 5, 6);
  }

  @Test
  void gatherConcatCast() throws Exception {
    assertTensor(run1(13, node("Gather", "g", "x,i", "y", attr("axis", 1L)), List.of(tensor("i", new long[] {-1, 0},
        2))), new int[] {2, 2}, 3, 1, 6, 4);
    assertTensor(run1(13, node("Gather", "g", "x,i", "y"), List.of(tensor("i", new long[] {1}, new int[0]))),
        new int[] {3}, 4, 5, 6);
    assertTensor(run1(13, node("Concat", "c", "x,x", "y", attr("axis", -1L)), List.of()), new int[] {2, 6},
        1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6);
    Tensor asInt = run1(13, node("Cast", "c", "x", "y", attr("to", 7L)), List.of());
    assertArrayEquals(new long[] {1, 2, 3, 4, 5, 6}, asInt.longs());
    assertThrows(Exception.class, () -> run1(13, node("Gather", "g", "x,i", "y"),
        List.of(tensor("i", new long[] {2}, 1))));
  }

  @Test
  void matmulGemmAdd() throws Exception {
    // [2,3] x [3] → [2]
    assertTensor(run1(13, node("MatMul", "m", "x,v", "y"), List.of(tensor("v", new float[] {1, 0, -1}, 3))),
        new int[] {2}, -2, -2);
    // batched with broadcasting: [2,3] x [2,3,1]
    assertTensor(run1(13, node("MatMul", "m", "x,b", "y"), List.of(tensor("b", new float[] {1, 1, 1, 0, 0, 1}, 2, 3,
        1))), new int[] {2, 2, 1}, 6, 15, 3, 6);
    // Gemm: 0.5 · x · Wᵀ + 2 · c, c broadcast over rows
    assertTensor(run1(13, node("Gemm", "g", "x,w,c", "y", attr("transB", 1L), attr("alpha", 0.5f), attr("beta", 2f)),
        List.of(tensor("w", new float[] {1, 0, 0, 0, 1, 0}, 2, 3), tensor("c", new float[] {1, -1}, 2))),
        new int[] {2, 2}, 2.5f, -1, 4, 0.5f);
    assertTensor(run1(13, node("Add", "a", "x,r", "y"), List.of(tensor("r", new float[] {10, 20, 30}, 3))),
        new int[] {2, 3}, 11, 22, 33, 14, 25, 36);
  }

  @Test
  void activationsAndSoftmaxForms() throws Exception {
    Tensor s = run1(13, node("Softmax", "s", "x", "y", attr("axis", 0L)), List.of());
    float e3 = (float) (1 / (1 + Math.exp(-3)));
    assertTensor(s, new int[] {2, 3}, 1 - e3, 1 - e3, 1 - e3, e3, e3, e3);
    // Before opset 13 the input is flattened at axis (default 1): rows of 3 here, same as axis=-1.
    Tensor legacy = run1(11, node("LogSoftmax", "s", "x", "y", attr("axis", 0L)), List.of());
    double lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4) + Math.exp(5) + Math.exp(6));
    assertEquals(1 - lse, legacy.floats()[0], 1e-5);
    assertEquals(6 - lse, legacy.floats()[5], 1e-5);
    assertEquals((float) Math.tanh(2), run1(13, node("Tanh", "t", "x", "y"), List.of()).floats()[1], 1e-6f);
    assertEquals((float) (1 / (1 + Math.exp(-1))), run1(13, node("Sigmoid", "t", "x", "y"), List.of()).floats()[0],
        1e-6f);
    assertEquals(0f, run1(13, node("Relu", "r", "x,x", "y"), List.of()).floats()[0] - 1f, 1e-6f);
  }

  @Test
  void errorsNameTheNode() {
    // At run time (x is a graph input): an IllegalArgumentException naming the node.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run1(13,
        node("Reshape", "bad_reshape", "x,s", "y"), List.of(tensor("s", new long[] {4}, 1))));
    assertTrue(e.getMessage().startsWith("node 'bad_reshape' (Reshape): cannot reshape [2, 3]"), e.getMessage());
    // Folded at load (only initializers involved): a ModelFormatException naming the node.
    byte[] b = OnnxWriter.model(OnnxWriter.graph(List.of(node("Reshape", "fold", "c,s", "y")),
        List.of(tensor("c", X23, 2, 3), tensor("s", new long[] {5}, 1)), List.of(), List.of(valueInfo("y", 1))), 13);
    org.rnn4j.io.ModelFormatException f = assertThrows(org.rnn4j.io.ModelFormatException.class,
        () -> OnnxModel.load(b, "fold.onnx", BackendRegistry.getDefault().get("scalar")));
    assertTrue(f.getMessage().contains("node 'fold' (Reshape): cannot reshape"), f.getMessage());
  }
}
