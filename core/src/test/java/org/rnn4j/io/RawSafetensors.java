package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Builds safetensors files byte by byte, so that tests can express any malformed layout. */
final class RawSafetensors {
  private RawSafetensors() {
  }

  /** JSON written with single quotes for readability: {@code json("{'a':1}")} is {@code {"a":1}}. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** One tensor entry, e.g. {@code 'w':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}, without braces around it. */
  static String entry(String name, String dtype, String shape, long begin, long end) {
    return json("'" + name + "':{'dtype':'" + dtype + "','shape':" + shape + ",'data_offsets':[" + begin + ","
        + end + "]}");
  }

  /** A whole file: the header's true UTF-8 length, the header, then {@code data}. */
  static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return file(h.length, h, data);
  }

  /** A whole file whose length prefix says {@code declaredLength}, whatever the header really is. */
  static byte[] file(long declaredLength, byte[] header, byte[] data) {
    return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(declaredLength).put(header).put(data).array();
  }

  static Path write(Path dir, String header, byte[] data) throws IOException {
    return write(dir, file(header, data));
  }

  static Path write(Path dir, byte[] fileBytes) throws IOException {
    Path p = Files.createTempFile(dir, "raw", ".safetensors");
    Files.write(p, fileBytes);
    return p;
  }

  static byte[] f32(float... v) {
    ByteBuffer b = le(v.length * 4);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  static byte[] f64(double... v) {
    ByteBuffer b = le(v.length * 8);
    for (double x : v) {
      b.putDouble(x);
    }
    return b.array();
  }

  static byte[] i64(long... v) {
    ByteBuffer b = le(v.length * 8);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  static byte[] i32(int... v) {
    ByteBuffer b = le(v.length * 4);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  /** 16-bit values (F16/BF16 bit patterns or I16), little-endian. */
  static byte[] u16(int... v) {
    ByteBuffer b = le(v.length * 2);
    for (int x : v) {
      b.putShort((short) x);
    }
    return b.array();
  }

  static byte[] bytes(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Asserts that opening {@code file} fails and that the message names the file and each fragment. */
  static ModelFormatException assertRejected(Path file, String... fragments) {
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> {
      try (SafetensorsReader r = SafetensorsReader.open(file)) {
        r.tensors();
      }
    });
    assertMessage(e, file, fragments);
    return e;
  }

  static void assertMessage(Exception e, Path file, String... fragments) {
    String m = e.getMessage();
    assertTrue(m.contains(file.toString()), () -> "message does not name the file: " + m);
    for (String f : fragments) {
      assertTrue(m.contains(f), () -> "message lacks '" + f + "': " + m);
    }
  }

  /** File names in {@code dir}, sorted. */
  static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static void assertListing(Path dir, String... names) throws IOException {
    assertEquals(List.of(names), listing(dir));
  }
}
