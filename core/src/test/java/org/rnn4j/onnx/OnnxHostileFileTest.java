package org.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.rnn4j.onnx.OnnxWriter.attr;
import static org.rnn4j.onnx.OnnxWriter.node;
import static org.rnn4j.onnx.OnnxWriter.tensor;
import static org.rnn4j.onnx.OnnxWriter.valueInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.onnx.OnnxWriter.Msg;
import org.rnn4j.spi.Backend;

/** Malformed and malicious .onnx files: each gets a specific ModelFormatException, never a crash, hang or OOM. */
class OnnxHostileFileTest {
  private static final Backend SCALAR = BackendRegistry.getDefault().get("scalar");

  @TempDir
  Path dir;

  /** A small valid LSTM model. */
  private static byte[] validModel() {
    return OnnxWriter.model(OnnxWriter.graph(
        List.of(node("LSTM", "lstm", "X,W,R", ",Y_h", attr("hidden_size", 2L))),
        List.of(tensor("W", new float[8 * 3], 1, 8, 3), tensor("R", new float[8 * 2], 1, 8, 2)),
        List.of(valueInfo("X", 1, "S", "N", 3)), List.of(valueInfo("Y_h", 1, 1, "N", 2))), 14);
  }

  private static ModelFormatException refused(byte[] bytes, String... fragments) {
    ModelFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(ModelFormatException.class, () -> OnnxModel.load(bytes, "bad.onnx", SCALAR)));
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should contain '" + f + "'");
    }
    return e;
  }

  private static byte[] withGraph(Msg graph) {
    return OnnxWriter.model(graph, 14);
  }

  @Test
  void validModelLoadsFromFile() throws Exception {
    Path f = dir.resolve("ok.onnx");
    Files.write(f, validModel());
    try (OnnxModel m = OnnxModel.load(f, SCALAR)) {
      assertEquals("X", m.inputs().get(0).name());
      assertTrue(m.describe().contains("LSTM"), m.describe());
    }
    assertTrue(OnnxModel.looksLikeOnnx(f));
  }

  @Test
  void everyTruncationIsRefusedOrParsesAPrefix() {
    byte[] ok = validModel();
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      for (int n = 0; n < ok.length; n++) {
        byte[] cut = Arrays.copyOf(ok, n);
        try {
          OnnxModel.load(cut, "cut.onnx", SCALAR).close();
        } catch (ModelFormatException expected) {
          // the specific error is what we want
        } catch (RuntimeException e) {
          fail("prefix of " + n + " bytes: " + e, e);
        }
      }
    });
    refused(Arrays.copyOf(ok, ok.length - 3), "bad.onnx");
  }

  @Test
  void randomByteCorruptionNeverCrashes() {
    byte[] ok = validModel();
    SplittableRandom rnd = new SplittableRandom(2026);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      for (int trial = 0; trial < 3000; trial++) {
        byte[] b = ok.clone();
        for (int k = 0, n = 1 + rnd.nextInt(4); k < n; k++) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
        try {
          OnnxModel.load(b, "fuzz.onnx", SCALAR).close();
        } catch (ModelFormatException expected) {
          // fine
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
          fail("trial " + trial + ": " + e, e);
        }
      }
    });
  }

  @Test
  void wrongWireType() {
    byte[] b = new Msg().varint(1, 8).varint(7, 5).toBytes(); // graph as a varint
    ModelFormatException e = refused(b, "ModelProto.graph", "wire type 0");
    assertEquals(2, e.byteOffset());
  }

  @Test
  void protobufGroupsAreRefused() {
    refused(new Msg().tag(9, 3).toBytes(), "wire type 3");
  }

  @Test
  void varintOverflow() {
    byte[] b = new Msg().raw((byte) 0x08).raw(new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, -1, 0x7F}).toBytes();
    refused(b, "ir_version", "overflows");
  }

  @Test
  void hugeDeclaredLength() {
    byte[] b = new Msg().varint(1, 8).tag(7, 2).rawVarint(0xFFFF_FFFFL).raw(new byte[10]).toBytes();
    ModelFormatException e = refused(b, "ModelProto.graph", "declared length 4294967295");
    assertEquals(3, e.byteOffset());
  }

  @Test
  void absurdTensorDimsCostNothing() {
    Msg huge = new Msg().varint(1, 1 << 20).varint(1, 1 << 20).varint(1, 1 << 20).varint(2, 1).string(8, "W")
        .bytes(9, new byte[4]);
    ModelFormatException e = refused(withGraph(OnnxWriter.graph(List.of(), List.of(huge), List.of(), List.of())),
        "initializer 'W'", "more elements");
    assertEquals("W", e.tensorName());
  }

  @Test
  void tensorDataShorterThanDims() {
    Msg raw = new Msg().varint(1, 1000).varint(1, 1000).varint(2, 1).string(8, "W").bytes(9, new byte[4]);
    refused(withGraph(OnnxWriter.graph(List.of(), List.of(raw), List.of(), List.of())),
        "initializer 'W'", "raw_data holds 4 bytes, the dims need 4000000");
    Msg typed = new Msg().varint(1, 100).varint(2, 1).string(8, "B").fixed32(4, 1f).fixed32(4, 2f);
    refused(withGraph(OnnxWriter.graph(List.of(), List.of(typed), List.of(), List.of())),
        "initializer 'B'", "holds 2 values, the dims need 100");
  }

  @Test
  void negativeAndUnsupportedTensors() {
    Msg neg = new Msg().varint(1, -5).varint(2, 1).string(8, "N");
    refused(withGraph(OnnxWriter.graph(List.of(), List.of(neg), List.of(), List.of())), "'N'", "dimension 0 is -5");
    Msg str = new Msg().varint(1, 1).varint(2, 8).string(8, "S").string(6, "x");
    refused(withGraph(OnnxWriter.graph(List.of(), List.of(str), List.of(), List.of())), "'S'", "string");
    Msg ext = new Msg().varint(1, 1).varint(2, 1).string(8, "E").varint(14, 1);
    refused(withGraph(OnnxWriter.graph(List.of(), List.of(ext), List.of(), List.of())), "'E'", "externally");
  }

  @Test
  void invalidUtf8() {
    refused(new Msg().bytes(2, new byte[] {(byte) 0xC3, 0x28}).toBytes(), "producer_name", "UTF-8");
  }

  @Test
  void cycle() {
    Msg g = OnnxWriter.graph(List.of(node("Identity", "a", "b", "a"), node("Identity", "b", "a", "b")), List.of(),
        List.of(), List.of(valueInfo("a", 1)));
    refused(withGraph(g), "cycle", "node 'a' (Identity)", "node 'b' (Identity)");
  }

  @Test
  void danglingReference() {
    Msg g = OnnxWriter.graph(List.of(node("Identity", "id", "nowhere", "y")), List.of(), List.of(),
        List.of(valueInfo("y", 1)));
    refused(withGraph(g), "node 'id' (Identity) reads 'nowhere'");
    Msg out = OnnxWriter.graph(List.of(), List.of(), List.of(), List.of(valueInfo("ghost", 1)));
    refused(withGraph(out), "graph output 'ghost'");
  }

  @Test
  void valueDefinedTwice() {
    Msg g = OnnxWriter.graph(List.of(node("Identity", "one", "x", "y"), node("Identity", "two", "x", "y")), List.of(),
        List.of(valueInfo("x", 1)), List.of(valueInfo("y", 1)));
    refused(withGraph(g), "node 'two' (Identity) writes 'y'");
  }

  @Test
  void unsupportedOpAndDomain() {
    Msg g = OnnxWriter.graph(List.of(node("Conv", "conv1", "x", "y")), List.of(), List.of(valueInfo("x", 1)),
        List.of(valueInfo("y", 1)));
    refused(withGraph(g), "node 'conv1' (Conv)", "op 'Conv' is not supported", "LSTM");
    Msg custom = node("LSTM", "ms", "x", "y").string(7, "com.microsoft");
    refused(withGraph(OnnxWriter.graph(List.of(custom), List.of(), List.of(valueInfo("x", 1)),
        List.of(valueInfo("y", 1)))), "node 'ms' (LSTM)", "com.microsoft");
  }

  @Test
  void deepNesting() {
    Msg g = OnnxWriter.graph(List.of(), List.of(), List.of(), List.of());
    for (int i = 0; i < 200; i++) {
      Msg attrG = new Msg().string(1, "then_branch").varint(20, 5).message(6, g);
      g = new Msg().message(1, node("If", "if" + i, "c", "y", attrG));
    }
    refused(withGraph(g), "nested deeper than 64");
  }

  @Test
  void badAttributes() {
    Msg g = OnnxWriter.graph(List.of(node("LSTM", "l", "X,W,R", ",Y_h", attr("hidden_size", 2.5f))),
        List.of(tensor("W", new float[24], 1, 8, 3), tensor("R", new float[16], 1, 8, 2)),
        List.of(valueInfo("X", 1)), List.of(valueInfo("Y_h", 1)));
    refused(withGraph(g), "node 'l' (LSTM)", "hidden_size", "FLOAT, expected INT");
    Msg acts = OnnxWriter.graph(List.of(node("GRU", "g", "X,W,R", ",Y_h", attr("hidden_size", 2L),
            OnnxWriter.strings("activations", "Sigmoid", "Swish"))),
        List.of(tensor("W", new float[18], 1, 6, 3), tensor("R", new float[12], 1, 6, 2)),
        List.of(valueInfo("X", 1)), List.of(valueInfo("Y_h", 1)));
    refused(withGraph(acts), "node 'g' (GRU)", "Swish");
    Msg shapes = OnnxWriter.graph(List.of(node("LSTM", "w", "X,W,R", ",Y_h", attr("hidden_size", 3L))),
        List.of(tensor("W", new float[24], 1, 8, 3), tensor("R", new float[16], 1, 8, 2)),
        List.of(valueInfo("X", 1)), List.of(valueInfo("Y_h", 1)));
    refused(withGraph(shapes), "node 'w' (LSTM)", "W must be [1, 12, I]");
  }

  @Test
  void missingOpset() {
    byte[] b = new Msg().varint(1, 8).message(7, OnnxWriter.graph(List.of(), List.of(), List.of(), List.of()))
        .toBytes();
    refused(b, "opset");
  }

  @Test
  void badTestDataFile() throws Exception {
    Path f = dir.resolve("input_0.pb");
    Files.write(f, new Msg().varint(1, 3).varint(2, 1).bytes(9, new byte[5]).toBytes());
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> OnnxModel.readTensorProto(f));
    assertTrue(e.getMessage().contains("input_0.pb") && e.getMessage().contains("raw_data holds 5 bytes"),
        e.getMessage());
  }
}
