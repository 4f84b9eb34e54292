package org.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
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
 * {@link OnnxExport}: random models of every exportable kind, written as ONNX, read back by
 * rnn4j's own {@link OnnxModel}, must give the original {@link Model}'s y, h_n and c_n.
 */
class OnnxExportTest {
  @TempDir
  Path dir;

  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  static Stream<ModelSpec> exportable() {
    Activation hardSigmoid = Activation.of(Activation.Kind.HARD_SIGMOID, 0.25f, 0.45f);
    Activation leaky = Activation.of(Activation.Kind.LEAKY_RELU, 0.05f, Float.NaN);
    Activation scaledTanh = Activation.of(Activation.Kind.SCALED_TANH, 1.5f, 0.7f);
    return Stream.of(
        ModelSpec.of(CellType.LSTM, 5, 7, 1, false),
        ModelSpec.of(CellType.LSTM, 4, 6, 3, false),
        ModelSpec.of(CellType.LSTM, 3, 5, 2, true),
        ModelSpec.builder(CellType.LSTM, 4, 6).peepholes(true).bidirectional(true).build(),
        ModelSpec.builder(CellType.LSTM, 4, 6).inputForget(true).clip(0.8f).numLayers(2).build(),
        ModelSpec.builder(CellType.LSTM, 4, 6).bidirectional(true)
            .activations(List.of(List.of(hardSigmoid, scaledTanh, Activation.TANH),
                List.of(Activation.SIGMOID, leaky, Activation.of(Activation.Kind.SOFTSIGN)))).build(),
        ModelSpec.of(CellType.GRU, 5, 7, 1, false),
        ModelSpec.of(CellType.GRU, 3, 4, 2, true),
        ModelSpec.of(CellType.GRU_RESET_BEFORE, 5, 7, 2, false),
        ModelSpec.builder(CellType.GRU_RESET_BEFORE, 3, 4).bidirectional(true).clip(1.5f).build(),
        ModelSpec.of(CellType.RNN_TANH, 6, 9, 2, true),
        ModelSpec.of(CellType.RNN_RELU, 6, 9, 1, false),
        ModelSpec.builder(CellType.RNN_TANH, 3, 4).residual(true).build()); // one layer: residual is a no-op
  }

  @ParameterizedTest
  @MethodSource("exportable")
  void exportedModelComputesTheSameAsTheOriginal(ModelSpec spec) throws Exception {
    assertNull(OnnxExport.unsupportedReason(spec));
    ModelWeights w = ModelWeights.random(spec, 11);
    Path file = dir.resolve("m.onnx");
    OnnxExport.write(w, file);
    int steps = 6;
    int batch = 3;
    float[] x = RandomModels.gaussian(steps * batch * spec.inputSize(), 1.0, 5);
    ForwardResult expected;
    try (Model m = Model.of(w, SCALAR)) {
      expected = m.forward(SequenceBatch.seqFirst(x, steps, batch, spec.inputSize()));
    }
    try (OnnxModel onnx = OnnxModel.load(file, SCALAR)) {
      assertEquals(OnnxExport.OPSET, onnx.opset());
      assertEquals(List.of("X"), onnx.inputs().stream().map(OnnxModel.Port::name).toList());
      Map<String, Tensor> out = onnx.run(Map.of("X", Tensor.ofFloats(x, steps, batch, spec.inputSize())));
      assertEquals(spec.hasCellState() ? List.of("Y", "Y_h", "Y_c") : List.of("Y", "Y_h"),
          List.copyOf(out.keySet()));
      assertArrayEquals(expected.output().shape(), out.get("Y").shapeRef(), "Y shape");
      assertArrayEquals(expected.hN().shape(), out.get("Y_h").shapeRef(), "Y_h shape");
      Tolerance.assertClose("Y", expected.output().data(), out.get("Y").floats(), 1e-6, 1e-5);
      Tolerance.assertClose("Y_h", expected.hN().data(), out.get("Y_h").floats(), 1e-6, 1e-5);
      if (spec.hasCellState()) {
        Tolerance.assertClose("Y_c", expected.cN().data(), out.get("Y_c").floats(), 1e-6, 1e-5);
      }
    }
  }

  static Stream<ModelSpec> withStates() {
    return Stream.of(ModelSpec.of(CellType.LSTM, 4, 5, 1, false), ModelSpec.of(CellType.LSTM, 3, 4, 2, true),
        ModelSpec.builder(CellType.LSTM, 3, 4).peepholes(true).numLayers(2).build(),
        ModelSpec.of(CellType.GRU, 3, 4, 3, false), ModelSpec.of(CellType.RNN_TANH, 3, 4, 1, true));
  }

  @ParameterizedTest
  @MethodSource("withStates")
  void stateInputsCarryInitialStates(ModelSpec spec) throws Exception {
    ModelWeights w = ModelWeights.random(spec, 3);
    int steps = 4;
    int batch = 2;
    int ld = spec.numLayers() * spec.directions();
    float[] x = RandomModels.gaussian(steps * batch * spec.inputSize(), 1.0, 5);
    float[] h0 = RandomModels.gaussian(ld * batch * spec.hiddenSize(), 0.5, 6);
    float[] c0 = RandomModels.gaussian(ld * batch * spec.hiddenSize(), 0.5, 7);
    SequenceBatch in = SequenceBatch.seqFirst(x, steps, batch, spec.inputSize()).withH0(h0);
    ForwardResult expected;
    try (Model m = Model.of(w, SCALAR)) {
      expected = m.forward(spec.hasCellState() ? in.withC0(c0) : in);
    }
    try (OnnxModel onnx = OnnxModel.load(OnnxExport.toBytes(w, true), "states.onnx", SCALAR)) {
      Map<String, Tensor> given = new java.util.HashMap<>(Map.of("X", Tensor.ofFloats(x, steps, batch,
          spec.inputSize()), "initial_h", Tensor.ofFloats(h0, ld, batch, spec.hiddenSize())));
      if (spec.hasCellState()) {
        given.put("initial_c", Tensor.ofFloats(c0, ld, batch, spec.hiddenSize()));
      }
      Map<String, Tensor> out = onnx.run(given);
      Tolerance.assertClose("Y", expected.output().data(), out.get("Y").floats(), 1e-6, 1e-5);
      Tolerance.assertClose("Y_h", expected.hN().data(), out.get("Y_h").floats(), 1e-6, 1e-5);
      if (spec.hasCellState()) {
        Tolerance.assertClose("Y_c", expected.cN().data(), out.get("Y_c").floats(), 1e-6, 1e-5);
      }
    }
  }

  @Test
  void bytesAndFileAgree() throws Exception {
    ModelWeights w = ModelWeights.random(ModelSpec.of(CellType.GRU, 3, 4, 1, false), 1);
    Path file = dir.resolve("g.onnx");
    OnnxExport.write(w, file);
    assertArrayEquals(OnnxExport.toBytes(w), Files.readAllBytes(file));
    assertTrue(OnnxModel.looksLikeOnnx(file));
    try (OnnxModel m = OnnxModel.load(file, SCALAR)) {
      assertTrue(m.describe().contains("GRU"), m.describe());
    }
  }

  @Test
  void modelsWithoutAnOnnxEquivalentAreRefused() {
    for (ModelSpec spec : List.of(
        ModelSpec.builder(CellType.LSTM, 4, 6).projSize(3).build(),
        ModelSpec.builder(CellType.JORDAN, 4, 6).build(),
        ModelSpec.builder(CellType.GRU, 4, 4).numLayers(2).residual(true).build())) {
      ModelWeights w = ModelWeights.random(spec, 1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toBytes(w));
      assertTrue(e.getMessage().startsWith("cannot export"), e.getMessage());
      assertTrue(e.getMessage().contains(OnnxExport.unsupportedReason(spec)), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> OnnxExport.write(w, dir.resolve("x.onnx")));
      assertTrue(Files.notExists(dir.resolve("x.onnx")));
    }
  }
}
