package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnn4j.io.RawSafetensors.entry;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Conversion of stored dtypes to Java floats and longs, on hand-built files. */
class SafetensorsConversionTest {
  @TempDir
  Path dir;

  private float[] readFloats(String dtype, byte[] data, int count) throws IOException {
    Path p = RawSafetensors.write(dir, "{" + entry("t", dtype, "[" + count + "]", 0, data.length) + "}", data);
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      return r.readFloats("t");
    }
  }

  private long[] readLongs(String dtype, byte[] data, int count) throws IOException {
    Path p = RawSafetensors.write(dir, "{" + entry("t", dtype, "[" + count + "]", 0, data.length) + "}", data);
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      return r.readLongs("t");
    }
  }

  private static void assertBitsEqual(float expected, float actual) {
    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
        () -> "expected " + expected + " but was " + actual);
  }

  @Test
  void f16ConvertsNormalValues() throws IOException {
    float[] f = readFloats("F16", RawSafetensors.u16(0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0400), 5);
    assertBitsEqual(1.0f, f[0]);
    assertBitsEqual(-2.0f, f[1]);
    assertBitsEqual(0.333251953125f, f[2]);
    assertBitsEqual(65504f, f[3]); // largest finite half
    assertBitsEqual(0x1p-14f, f[4]); // smallest normal half
  }

  @Test
  void f16ConvertsSubnormals() throws IOException {
    float[] f = readFloats("F16", RawSafetensors.u16(0x0001, 0x03FF, 0x8001), 3);
    assertBitsEqual(0x1p-24f, f[0]);
    assertBitsEqual(1023 * 0x1p-24f, f[1]);
    assertBitsEqual(-0x1p-24f, f[2]);
  }

  @Test
  void f16ConvertsInfinitiesNanAndSignedZeros() throws IOException {
    float[] f = readFloats("F16", RawSafetensors.u16(0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x8000, 0x0000), 6);
    assertBitsEqual(Float.POSITIVE_INFINITY, f[0]);
    assertBitsEqual(Float.NEGATIVE_INFINITY, f[1]);
    assertTrue(Float.isNaN(f[2]));
    assertTrue(Float.isNaN(f[3]));
    assertBitsEqual(-0.0f, f[4]);
    assertBitsEqual(0.0f, f[5]);
  }

  @Test
  void bf16ConvertsByWideningToTheTopHalfOfAFloat() throws IOException {
    float[] f = readFloats("BF16", RawSafetensors.u16(0x3F80, 0xC040, 0x0001, 0x7F80, 0xFF80, 0x7FC0, 0x8000), 7);
    assertBitsEqual(1.0f, f[0]);
    assertBitsEqual(-3.0f, f[1]);
    assertBitsEqual(Float.intBitsToFloat(0x0001_0000), f[2]); // a float subnormal
    assertBitsEqual(Float.POSITIVE_INFINITY, f[3]);
    assertBitsEqual(Float.NEGATIVE_INFINITY, f[4]);
    assertTrue(Float.isNaN(f[5]));
    assertBitsEqual(-0.0f, f[6]);
  }

  @Test
  void f64RoundsToNearestFloat() throws IOException {
    float[] f = readFloats("F64", RawSafetensors.f64(0.1, 1e300, -1e-50, -0.0, Double.NaN, 16777217.0), 6);
    assertBitsEqual(0.1f, f[0]);
    assertBitsEqual(Float.POSITIVE_INFINITY, f[1]); // beyond float range
    assertBitsEqual(-0.0f, f[2]); // underflows, keeping the sign
    assertBitsEqual(-0.0f, f[3]);
    assertTrue(Float.isNaN(f[4]));
    assertBitsEqual(16777216f, f[5]); // 2^24 + 1 rounds to even
  }

  @Test
  void signedIntegerTypesSignExtend() throws IOException {
    assertArrayEquals(new long[] {-128, -1, 0, 127}, readLongs("I8", RawSafetensors.bytes(0x80, 0xFF, 0, 0x7F), 4));
    assertArrayEquals(new long[] {-32768, -1, 32767}, readLongs("I16", RawSafetensors.u16(0x8000, 0xFFFF, 0x7FFF), 3));
    assertArrayEquals(new long[] {Integer.MIN_VALUE, -1},
        readLongs("I32", RawSafetensors.i32(Integer.MIN_VALUE, -1), 2));
  }

  @Test
  void u8ZeroExtends() throws IOException {
    assertArrayEquals(new long[] {255, 128, 0, 1}, readLongs("U8", RawSafetensors.bytes(0xFF, 0x80, 0, 1), 4));
  }
}
