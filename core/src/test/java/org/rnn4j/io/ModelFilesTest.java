package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.Activation;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

class ModelFilesTest {
  @TempDir
  Path dir;

  static List<ModelSpec> specs() {
    return List.of(
        ModelSpec.of(CellType.LSTM, 3, 5, 2, true),
        ModelSpec.builder(CellType.LSTM, 4, 6).projSize(2).numLayers(2).bidirectional(true).residual(true).build(),
        ModelSpec.builder(CellType.LSTM, 4, 6).peepholes(true).inputForget(true).clip(0.5f)
            .activations(List.of(List.of(Activation.of(Activation.Kind.HARD_SIGMOID), Activation.TANH,
                Activation.of(Activation.Kind.SCALED_TANH, 1.5f, 0.25f)))).build(),
        ModelSpec.of(CellType.GRU, 2, 3, 1, false),
        ModelSpec.of(CellType.GRU_RESET_BEFORE, 2, 3, 3, true),
        ModelSpec.of(CellType.RNN_TANH, 2, 3, 1, false),
        ModelSpec.of(CellType.RNN_RELU, 2, 3, 2, true),
        ModelSpec.builder(CellType.JORDAN, 2, 7).outputSize(4).numLayers(2).build());
  }

  @ParameterizedTest
  @MethodSource("specs")
  void savedModelLoadsBackIdentically(ModelSpec spec) throws IOException {
    ModelWeights w = ModelWeights.random(spec, 3);
    Path f = dir.resolve("m.safetensors");
    ModelFiles.write(w, f);
    ModelWeights back = ModelFiles.read(f);
    assertEquals(spec, back.spec());
    assertEquals(w.names(), back.names());
    for (String n : w.names()) {
      assertArrayEquals(w.get(n), back.get(n), n);
    }
  }

  private Path write(Map<String, TensorData> tensors, Map<String, String> meta) throws IOException {
    Path f = dir.resolve("t.safetensors");
    SafetensorsWriter.write(f, tensors, meta);
    return f;
  }

  private static TensorData f32(int... shape) {
    int n = 1;
    long[] s = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      n *= shape[i];
      s[i] = shape[i];
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i % 7) * 0.125f - 0.25f;
    }
    return TensorData.ofFloats(v, s);
  }

  /** A PyTorch nn.GRU(2, 3) state_dict under a prefix, with unrelated tensors around it. */
  private Map<String, TensorData> gruWithPrefix(String prefix) {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("embedding.weight", f32(10, 2));
    t.put(prefix + "weight_ih_l0", f32(9, 2));
    t.put(prefix + "weight_hh_l0", f32(9, 3));
    t.put(prefix + "bias_ih_l0", f32(9));
    t.put(prefix + "bias_hh_l0", f32(9));
    t.put("head.weight", f32(4, 3));
    return t;
  }

  @Test
  void prefixAndUnrelatedTensorsAreHandled() throws IOException {
    ModelWeights w = ModelFiles.read(write(gruWithPrefix("encoder.rnn."), Map.of()));
    assertEquals(ModelSpec.of(CellType.GRU, 2, 3, 1, false), w.spec());
  }

  @Test
  void metadataSettlesReluVersusTanh() throws IOException {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("weight_ih_l0", f32(3, 2));
    t.put("weight_hh_l0", f32(3, 3));
    assertEquals(CellType.RNN_TANH, ModelFiles.read(write(t, Map.of())).spec().cell());
    assertEquals(CellType.RNN_RELU, ModelFiles.read(write(t, Map.of("rnn4j.cell", "rnn_relu"))).spec().cell());
  }

  @Test
  void missingBiasesMeanZeros() throws IOException {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("weight_ih_l0", f32(12, 2));
    t.put("weight_hh_l0", f32(12, 3));
    ModelWeights w = ModelFiles.read(write(t, Map.of()));
    assertEquals(CellType.LSTM, w.spec().cell());
    assertArrayEquals(new float[12], w.get("bias_hh_l0"));
  }

  @Test
  void halfBfloatAndDoubleTensorsAreConverted() throws IOException {
    Map<String, TensorData> t = new LinkedHashMap<>();
    ByteBuffer half = ByteBuffer.allocate(3 * 2 * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6; i++) {
      half.putShort(Float.floatToFloat16(i * 0.5f));
    }
    ByteBuffer bf = ByteBuffer.allocate(3 * 3 * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 9; i++) {
      bf.putShort((short) (Float.floatToIntBits(i * 0.25f) >>> 16));
    }
    t.put("weight_ih_l0", new TensorData(DType.F16, new long[] {3, 2}, half.flip()));
    t.put("weight_hh_l0", new TensorData(DType.BF16, new long[] {3, 3}, bf.flip()));
    t.put("bias_ih_l0", TensorData.ofDoubles(new double[] {0.5, -0.5, 2}, 3));
    ModelWeights w = ModelFiles.read(write(t, Map.of()));
    assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, w.get("weight_ih_l0"));
    assertEquals(2f, w.get("weight_hh_l0")[8]);
    assertArrayEquals(new float[] {0.5f, -0.5f, 2f}, w.get("bias_ih_l0"));
  }

  @Test
  void wrongShapeNamesTensorAndBothShapes() throws IOException {
    Map<String, TensorData> t = gruWithPrefix("");
    t.put("weight_ih_l1", f32(9, 3));
    t.put("weight_hh_l1", f32(9, 2));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.read(write(t, Map.of())));
    assertTrue(e.getMessage().contains("tensor weight_hh_l1 has shape [9, 2], expected [9, 3]"), e.getMessage());
  }

  @Test
  void missingRecurrentWeightIsNamed() throws IOException {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("weight_ih_l0", f32(12, 2));
    t.put("weight_hh_l0", f32(12, 3));
    t.put("weight_ih_l0_reverse", f32(12, 2));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.read(write(t, Map.of())));
    assertTrue(e.getMessage().contains("missing tensor weight_hh_l0_reverse"), e.getMessage());
  }

  @Test
  void layerGapIsReported() throws IOException {
    Map<String, TensorData> t = gruWithPrefix("");
    t.put("weight_ih_l2", f32(9, 3));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.read(write(t, Map.of())));
    assertTrue(e.getMessage().contains("weight_ih_l1"), e.getMessage());
  }

  @Test
  void twoRnnsInOneFileMustBeChosenBetween() throws IOException {
    Map<String, TensorData> t = gruWithPrefix("enc.");
    t.putAll(gruWithPrefix("dec."));
    Path f = write(t, Map.of());
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.read(f));
    assertTrue(e.getMessage().contains("'dec.', 'enc.'"), e.getMessage());
    try (SafetensorsReader r = SafetensorsReader.open(f)) {
      assertEquals(CellType.GRU, ModelFiles.read(r, "dec.").spec().cell());
    }
  }

  @Test
  void fileWithoutRnnParametersIsRejected() throws IOException {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelFiles.read(write(Map.of("w", f32(2)), Map.of())));
    assertTrue(e.getMessage().contains("no RNN parameters found"), e.getMessage());
  }

  @Test
  void metadataCellThatContradictsShapesIsRejected() throws IOException {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("weight_ih_l0", f32(8, 2));
    t.put("weight_hh_l0", f32(8, 2));
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelFiles.read(write(t, Map.of("rnn4j.cell", "gru"))));
    assertTrue(e.getMessage().contains("not a multiple of 3"), e.getMessage());
  }

  @Test
  void unknownCellInMetadataIsRejected() throws IOException {
    ModelFormatException e = assertThrows(ModelFormatException.class,
        () -> ModelFiles.read(write(gruWithPrefix(""), Map.of("rnn4j.cell", "transformer"))));
    assertTrue(e.getMessage().contains("unknown cell 'transformer'"), e.getMessage());
  }

  @Test
  void projectionWeightOfWrongWidthIsRejected() throws IOException {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("weight_ih_l0", f32(16, 2));
    t.put("weight_hh_l0", f32(16, 2));
    t.put("weight_hr_l0", f32(2, 5));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFiles.read(write(t, Map.of())));
    assertTrue(e.getMessage().contains("weight_hr_l0"), e.getMessage());
  }

  @Test
  void activationsMetadataRoundTrips() throws ModelFormatException {
    List<List<Activation>> acts = List.of(List.of(Activation.of(Activation.Kind.LEAKY_RELU, 0.25f, Float.NaN),
        Activation.of(Activation.Kind.HARD_SIGMOID)), List.of(Activation.SIGMOID, Activation.of(
            Activation.Kind.AFFINE, 2f, -1f)));
    String text = ModelFiles.formatActivations(acts);
    assertEquals("LeakyRelu(0.25),HardSigmoid(0.2,0.5);Sigmoid,Affine(2.0,-1.0)", text);
    assertEquals(acts, ModelFiles.parseActivations(text, "f"));
  }
}
