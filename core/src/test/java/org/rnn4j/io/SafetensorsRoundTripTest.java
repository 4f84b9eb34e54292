package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnn4j.io.RawSafetensors.entry;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
  @TempDir
  Path dir;

  private Path writeOne(String name, TensorData data) throws IOException {
    Path p = dir.resolve("model.safetensors");
    SafetensorsWriter.write(p, Map.of(name, data), Map.of());
    return p;
  }

  @Test
  void f32TensorRoundTrips() throws IOException {
    float[] values = {1.5f, -2.25f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN, -0.0f};
    Path p = writeOne("w", TensorData.ofFloats(values, 2, 3));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      TensorInfo t = r.info("w");
      assertEquals(DType.F32, t.dtype());
      assertArrayEquals(new long[] {2, 3}, t.shape());
      assertEquals(2, t.rank());
      assertEquals(6, t.elementCount());
      assertEquals("[2, 3]", t.shapeString());
      assertArrayEquals(values, r.readFloats("w"));
    }
  }

  @Test
  void i64TensorRoundTrips() throws IOException {
    long[] values = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE};
    Path p = writeOne("ids", TensorData.ofLongs(values, 5));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(DType.I64, r.info("ids").dtype());
      assertArrayEquals(values, r.readLongs("ids"));
    }
  }

  @Test
  void i32TensorRoundTripsAsLongs() throws IOException {
    int[] values = {Integer.MIN_VALUE, -7, 0, 7, Integer.MAX_VALUE, 42};
    Path p = writeOne("counts", TensorData.ofInts(values, 3, 2));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(DType.I32, r.info("counts").dtype());
      assertArrayEquals(Arrays.stream(values).asLongStream().toArray(), r.readLongs("counts"));
    }
  }

  @Test
  void f64TensorRoundTripsThroughRawBytesAndReadsAsFloats() throws IOException {
    double[] values = {0.1, -1e-3, 3.0, Math.PI};
    Path p = writeOne("d", TensorData.ofDoubles(values, 4));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(DType.F64, r.info("d").dtype());
      double[] exact = new double[4];
      r.rawBytes("d").asDoubleBuffer().get(exact);
      assertArrayEquals(values, exact);
      float[] asFloats = r.readFloats("d");
      for (int i = 0; i < values.length; i++) {
        assertEquals((float) values[i], asFloats[i]);
      }
    }
  }

  @Test
  void metadataRoundTripsInOrder() throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("rnn4j.cell", "lstm");
    meta.put("quotes \"and\" \\ \n newlines", "unicode é \uD83D\uDE00");
    meta.put("empty", "");
    Path p = dir.resolve("m.safetensors");
    SafetensorsWriter.write(p, Map.of("x", TensorData.ofFloats(new float[] {1}, 1)), meta);
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(meta, r.metadata());
      assertEquals(List.copyOf(meta.keySet()), List.copyOf(r.metadata().keySet()));
      assertThrows(UnsupportedOperationException.class, () -> r.metadata().put("k", "v"));
    }
  }

  @Test
  void metadataIsEmptyWhenNoneWasWritten() throws IOException {
    Path p = dir.resolve("m.safetensors");
    SafetensorsWriter.write(p, Map.of("x", TensorData.ofFloats(new float[] {1}, 1)), null);
    assertFalse(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).contains("__metadata__"));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertTrue(r.metadata().isEmpty());
    }
  }

  @Test
  void tensorsKeepInsertionOrder() throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    List<String> names = List.of("zeta", "alpha", "mid.weight", "b", "a.bias");
    for (int i = 0; i < names.size(); i++) {
      tensors.put(names.get(i), TensorData.ofFloats(new float[] {i}, 1));
    }
    Path p = dir.resolve("order.safetensors");
    SafetensorsWriter.write(p, tensors, Map.of());
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(names, r.tensors().stream().map(TensorInfo::name).toList());
      for (int i = 0; i < names.size(); i++) {
        assertArrayEquals(new float[] {i}, r.readFloats(names.get(i)));
      }
    }
  }

  @Test
  void readerKeepsHeaderOrderOfHandWrittenFile() throws IOException {
    String header = "{" + entry("b", "F32", "[1]", 4, 8) + "," + entry("a", "F32", "[1]", 0, 4) + "}";
    Path p = RawSafetensors.write(dir, header, RawSafetensors.f32(1, 2));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(List.of("b", "a"), r.tensors().stream().map(TensorInfo::name).toList());
      assertArrayEquals(new float[] {2}, r.readFloats("b"));
      assertArrayEquals(new float[] {1}, r.readFloats("a"));
    }
  }

  @Test
  void dataSectionStartsEightByteAlignedWithSpacePadding() throws IOException {
    // Names of every length mod 8 exercise every amount of padding.
    for (int len = 1; len <= 8; len++) {
      Path p = writeOne("n".repeat(len), TensorData.ofFloats(new float[] {7}, 1));
      byte[] bytes = Files.readAllBytes(p);
      long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertEquals(0, (8 + headerLength) % 8, "data start for a name of length " + len);
      String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
      assertTrue(header.stripTrailing().endsWith("}"), header);
      assertTrue(header.substring(header.lastIndexOf('}') + 1).isBlank(), header);
      assertEquals(8 + headerLength + 4, bytes.length);
    }
  }

  @Test
  void tensorDataIsContiguousInWriteOrder() throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("a", TensorData.ofFloats(new float[] {1, 2, 3}, 3));
    tensors.put("b", TensorData.ofLongs(new long[] {4}, 1));
    tensors.put("c", TensorData.ofInts(new int[] {5}, 1));
    Path p = dir.resolve("c.safetensors");
    SafetensorsWriter.write(p, tensors, Map.of());
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(new TensorInfo("a", DType.F32, new long[] {3}, 0, 12), r.info("a"));
      assertEquals(new TensorInfo("b", DType.I64, new long[] {1}, 12, 20), r.info("b"));
      assertEquals(new TensorInfo("c", DType.I32, new long[] {1}, 20, 24), r.info("c"));
    }
  }

  @Test
  void scalarAndEmptyTensorsRoundTrip() throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("scalar", TensorData.ofFloats(new float[] {3.5f}));
    tensors.put("empty", TensorData.ofFloats(new float[0], 0, 5));
    tensors.put("after", TensorData.ofLongs(new long[] {9}, 1));
    Path p = dir.resolve("s.safetensors");
    SafetensorsWriter.write(p, tensors, Map.of());
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(0, r.info("scalar").rank());
      assertEquals("[]", r.info("scalar").shapeString());
      assertArrayEquals(new float[] {3.5f}, r.readFloats("scalar"));
      assertEquals(0, r.info("empty").elementCount());
      assertArrayEquals(new float[0], r.readFloats("empty"));
      assertEquals(0, r.rawBytes("empty").remaining());
      assertArrayEquals(new long[] {9}, r.readLongs("after"));
    }
  }

  @Test
  void specialCharactersInNamesRoundTrip() throws IOException {
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    List<String> names = List.of("q\"uote", "back\\slash", "new\nline", "tab\t", "ctrl\u0001", "é\uD83D\uDE00", "");
    for (String n : names) {
      tensors.put(n, TensorData.ofFloats(new float[] {n.length()}, 1));
    }
    Path p = dir.resolve("names.safetensors");
    SafetensorsWriter.write(p, tensors, Map.of());
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertEquals(names, r.tensors().stream().map(TensorInfo::name).toList());
      for (String n : names) {
        assertArrayEquals(new float[] {n.length()}, r.readFloats(n));
      }
    }
  }

  @Test
  void rawBytesIsReadOnlyLittleEndianView() throws IOException {
    Path p = writeOne("w", TensorData.ofInts(new int[] {0x01020304, -2}, 2));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      ByteBuffer b = r.rawBytes("w");
      assertTrue(b.isReadOnly());
      assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
      assertEquals(8, b.remaining());
      assertEquals(0x04, b.get(0));
      assertEquals(0x01020304, b.getInt(0));
      assertEquals(-2, b.getInt(4));
      assertThrows(ReadOnlyBufferException.class, () -> b.put(0, (byte) 0));
    }
  }

  @Test
  void containsAndInfoDescribeTensors() throws IOException {
    Path p = writeOne("w", TensorData.ofFloats(new float[] {1, 2}, 2));
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertTrue(r.contains("w"));
      assertFalse(r.contains("v"));
      assertEquals(p, r.path());
      assertEquals(List.of(new TensorInfo("w", DType.F32, new long[] {2}, 0, 8)), r.tensors());
    }
  }

  @Test
  void readsTensorSpanningSeveralMapChunks() throws IOException {
    float[] values = new float[1001];
    double[] doubles = new double[1001];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.5f - 17;
      doubles[i] = values[i];
    }
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    tensors.put("pad", TensorData.ofInts(new int[] {1}, 1)); // offsets the others by 4 bytes
    tensors.put("f", TensorData.ofFloats(values, 7, 11, 13));
    tensors.put("d", TensorData.ofDoubles(doubles, 1001));
    Path p = dir.resolve("chunks.safetensors");
    SafetensorsWriter.write(p, tensors, Map.of());
    try (SafetensorsReader r = SafetensorsReader.open(p, 64)) {
      assertArrayEquals(values, r.readFloats("f"));
      assertArrayEquals(values, r.readFloats("d"));
    }
  }

  @Test
  void writerLeavesCallerBufferUntouched() throws IOException {
    ByteBuffer caller = ByteBuffer.wrap(RawSafetensors.f32(9, 1, 2)).position(4);
    TensorData data = new TensorData(DType.F32, new long[] {2}, caller);
    Path p = writeOne("w", data);
    SafetensorsWriter.write(p, Map.of("w", data), Map.of()); // the same instance can be written again
    assertEquals(4, caller.position());
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertArrayEquals(new float[] {1, 2}, r.readFloats("w"));
    }
  }
}
