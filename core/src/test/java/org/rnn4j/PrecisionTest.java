package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.DType;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.Bf16;
import org.rnn4j.testing.RandomModels;

class PrecisionTest {
  @TempDir
  Path dir;

  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  @Test
  void parsesCommandLineNamesCaseInsensitively() {
    assertEquals(Precision.BF16, Precision.parse("BF16"));
    assertEquals(Precision.FP32, Precision.parse(" fp32"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
    assertTrue(e.getMessage().contains("fp32 or bf16"), e.getMessage());
  }

  @Test
  void defaultIsFp32AndThePropertyChangesIt() {
    String old = System.getProperty(Precision.PROPERTY);
    try {
      System.clearProperty(Precision.PROPERTY);
      assertEquals(Precision.FP32, Precision.defaultPrecision());
      System.setProperty(Precision.PROPERTY, "bf16");
      assertEquals(Precision.BF16, Precision.defaultPrecision());
      try (Model m = Model.of(ModelWeights.random(ModelSpec.of(CellType.GRU, 2, 3, 1, false), 1), SCALAR)) {
        assertEquals(Precision.BF16, m.precision());
      }
      System.setProperty(Precision.PROPERTY, "half");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Precision::defaultPrecision);
      assertTrue(e.getMessage().contains("-Drnn4j.precision"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty(Precision.PROPERTY);
      } else {
        System.setProperty(Precision.PROPERTY, old);
      }
    }
  }

  /** bf16 mode is, by definition, fp32 with W_ih, W_hh and W_hr rounded to bf16 (nothing else). */
  @Test
  void bf16ModeIsFp32OnWeightMatricesRoundedToBf16AndNothingElse() {
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, 5, 17).projSize(6).numLayers(2).bidirectional(true)
        .peepholes(true).build();
    ModelWeights w = ModelWeights.random(spec, 3);
    Map<String, float[]> rounded = new LinkedHashMap<>();
    for (String n : w.names()) {
      float[] v = w.get(n);
      if (n.startsWith("weight_ih") || n.startsWith("weight_hh") || n.startsWith("weight_hr")) {
        v = Bf16.roundedCopy(v, 0, v.length);
      }
      rounded.put(n, v);
    }
    SequenceBatch in = SequenceBatch.seqFirst(RandomModels.gaussian(4 * 2 * 5, 1.0, 4), 4, 2, 5)
        .withLengths(new int[] {4, 2});
    try (Model bf16 = Model.of(w, SCALAR, Precision.BF16);
        Model manual = Model.of(ModelWeights.of(spec, rounded), SCALAR, Precision.FP32);
        Model fp32 = Model.of(w, SCALAR, Precision.FP32)) {
      ForwardResult a = bf16.forward(in);
      ForwardResult b = manual.forward(in);
      assertArrayEquals(b.output().data(), a.output().data());
      assertArrayEquals(b.hN().data(), a.hN().data());
      assertArrayEquals(b.cN().data(), a.cN().data());
      assertTrue(!java.util.Arrays.equals(fp32.forward(in).output().data(), a.output().data()),
          "random weights are not bf16 values, so rounding them must change the output");
    }
  }

  @Test
  void bf16TensorsFromAFileAreTakenAsTheyAreWithoutRoundingTwice() throws IOException {
    ModelSpec spec = ModelSpec.of(CellType.GRU, 3, 7, 1, false);
    ModelWeights w = ModelWeights.random(spec, 8);
    Map<String, TensorData> t = new LinkedHashMap<>();
    for (String n : w.names()) {
      float[] v = w.get(n);
      ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : v) {
        // Truncation, not rounding: had the loader rounded the widened values again, or rounded
        // anything but the exact bf16 values, the results below would differ.
        b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
      }
      long[] shape = java.util.Arrays.stream(w.shape(n)).asLongStream().toArray();
      t.put(n, new TensorData(DType.BF16, shape, b.flip()));
    }
    Path f = dir.resolve("bf16.safetensors");
    SafetensorsWriter.write(f, t, Map.of());
    SequenceBatch in = SequenceBatch.seqFirst(RandomModels.gaussian(5 * 3, 1.0, 2), 5, 1, 3);
    try (Model bf16 = Model.load(f, SCALAR, Precision.BF16); Model fp32 = Model.load(f, SCALAR, Precision.FP32)) {
      assertArrayEquals(fp32.forward(in).output().data(), bf16.forward(in).output().data());
      assertArrayEquals(fp32.forward(in).hN().data(), bf16.forward(in).hN().data());
    }
  }

  @Test
  void trainingIsRefusedInBf16WithTheReason() {
    ModelSpec spec = ModelSpec.of(CellType.RNN_TANH, 2, 3, 1, false);
    try (Model m = Model.of(ModelWeights.random(spec, 1), SCALAR, Precision.BF16)) {
      SequenceBatch in = SequenceBatch.seqFirst(new float[4], 2, 1, 2);
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> m.record(in));
      assertTrue(e.getMessage().contains("fp32 only"), e.getMessage());
      assertThrows(UnsupportedOperationException.class, () -> m.vjp(in, new float[6], null, null));
    }
  }

  @Test
  void packingInBf16NeedsAPrecision() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SCALAR.kernels().pack(new float[4], 0, 2, 2, null));
    assertTrue(e.getMessage().contains("precision"), e.getMessage());
  }

  @Test
  void modelNamesItsPrecisionWhenNotFp32() {
    try (Model m = Model.of(ModelWeights.random(ModelSpec.of(CellType.GRU, 2, 3, 1, false), 1), SCALAR,
        Precision.BF16)) {
      assertTrue(m.toString().contains("bf16"), m.toString());
    }
  }
}
