package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.rnn4j.io.RawSafetensors.assertMessage;
import static org.rnn4j.io.RawSafetensors.assertRejected;
import static org.rnn4j.io.RawSafetensors.entry;
import static org.rnn4j.io.RawSafetensors.json;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed or hostile file must fail in open() with a specific, located error. */
class SafetensorsHostileFileTest {
  @TempDir
  Path dir;

  private Path file(String header, byte[] data) throws IOException {
    return RawSafetensors.write(dir, header, data);
  }

  private Path oneTensor(String entryJson, byte[] data) throws IOException {
    return file("{" + entryJson + "}", data);
  }

  // --- the length prefix ---

  @Test
  void fileShorterThanTheLengthPrefixIsRejected() throws IOException {
    assertRejected(RawSafetensors.write(dir, new byte[0]), "0 bytes", "too short");
    assertRejected(RawSafetensors.write(dir, new byte[7]), "7 bytes", "too short");
  }

  @Test
  void headerCutShortIsRejected() throws IOException {
    byte[] header = json("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}").getBytes(StandardCharsets.UTF_8);
    byte[] cut = Arrays.copyOf(header, 20);
    Path p = RawSafetensors.write(dir, RawSafetensors.file(header.length, cut, new byte[0]));
    ModelFormatException e = assertRejected(p, "header length " + header.length, "exceeds the 20 bytes");
    assertEquals(0, e.byteOffset());
  }

  @Test
  void headerLengthClaimingMoreThanTheFileIsRejected() throws IOException {
    byte[] header = json("{}").getBytes(StandardCharsets.UTF_8);
    Path p = RawSafetensors.write(dir, RawSafetensors.file(1000, header, new byte[6]));
    assertRejected(p, "header length 1000", "exceeds the 8 bytes");
  }

  @Test
  void headerLengthCuttingTheJsonShortIsRejected() throws IOException {
    byte[] header = json("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}").getBytes(StandardCharsets.UTF_8);
    // The prefix claims 10 bytes, so the JSON ends inside "dtype" and the rest counts as data.
    Path p = RawSafetensors.write(dir, RawSafetensors.file(10, header, new byte[0]));
    ModelFormatException e = assertRejected(p, "malformed header JSON", "unterminated string");
    assertEquals(8 + 6, e.byteOffset()); // where the string starts
  }

  @Test
  void headerLengthOf2Pow40FailsFastWithoutAllocating() throws IOException {
    Path p = RawSafetensors.write(dir, RawSafetensors.file(1L << 40, json("{}").getBytes(StandardCharsets.UTF_8),
        new byte[0]));
    assertTimeoutPreemptively(Duration.ofSeconds(5),
        () -> assertRejected(p, "header length 1099511627776", "exceeds the limit"));
  }

  @Test
  void headerLengthWithTheTopBitSetIsReadAsUnsigned() throws IOException {
    Path p = RawSafetensors.write(dir, RawSafetensors.file(-1L, new byte[8], new byte[0]));
    assertRejected(p, "header length 18446744073709551615", "exceeds the limit");
  }

  // --- JSON syntax ---

  static Stream<Arguments> malformedHeaders() {
    return Stream.of(
        Arguments.of("empty header", "", "unexpected end of input", 8),
        Arguments.of("unclosed object", "{", "expected a string key", 9),
        Arguments.of("trailing garbage", "{} x", "after the end of the JSON value", 11),
        Arguments.of("missing colon", "{\"a\" 1}", "expected ':'", 13),
        Arguments.of("single quotes", "{'a':1}", "expected a string key", 9),
        Arguments.of("trailing comma", "{\"__metadata__\":{},}", "expected a string key", 27),
        Arguments.of("bad literal", "{\"a\":tru}", "expected 'true'", 13),
        Arguments.of("bad escape", "{\"a\\x\":1}", "backslash followed by 'x'", 11),
        Arguments.of("leading zero", "{\"a\":01}", "leading zero", 13),
        Arguments.of("raw control character", "{\"a\u0001\":1}", "control character 0x01", 11),
        Arguments.of("lone surrogate", "{\"\\ud800\":1}", "unpaired high surrogate", 10),
        Arguments.of("huge integer", "{\"a\":{\"shape\":[99999999999999999999]}}", "outside the 64-bit range", 23),
        Arguments.of("comment", "{/* c */}", "expected a string key", 9));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedHeaders")
  void malformedJsonIsRejectedWithItsOffset(String what, String header, String fragment, long offset)
      throws IOException {
    ModelFormatException e = assertRejected(file(header, new byte[0]), "malformed header JSON", fragment,
        "at byte offset " + offset);
    assertEquals(offset, e.byteOffset());
  }

  @Test
  void invalidUtf8InTheHeaderIsRejected() throws IOException {
    byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
    Path p = RawSafetensors.write(dir, RawSafetensors.file(header.length, header, new byte[0]));
    assertRejected(p, "invalid UTF-8", "at byte offset 10");
  }

  @Test
  void headerThatIsNotAnObjectIsRejected() throws IOException {
    assertRejected(file("[]", new byte[0]), "header is a JSON array, expected an object");
    assertRejected(file("\"x\"", new byte[0]), "header is a JSON string, expected an object");
  }

  @Test
  void deepNestingIsRejectedWithoutOverflowingTheStack() throws IOException {
    String deep = "[".repeat(200_000);
    ModelFormatException e = assertRejected(file("{\"__metadata__\":" + deep, new byte[0]), "nesting deeper than 64");
    // The root object is level 1 and the first '[' (header byte 16) level 2, so level 65 is 63 bytes on.
    assertEquals(8 + 16 + 63, e.byteOffset());
  }

  // --- structure ---

  @Test
  void duplicateTensorNamesAreRejected() throws IOException {
    String header = "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}";
    assertRejected(file(header, new byte[8]), "duplicate key 'w'");
  }

  @Test
  void duplicateKeysInsideAnEntryAreRejected() throws IOException {
    String header = json("{'w':{'dtype':'F32','dtype':'F16','shape':[1],'data_offsets':[0,4]}}");
    assertRejected(file(header, new byte[4]), "duplicate key 'dtype'");
  }

  @Test
  void entryThatIsNotAnObjectIsRejected() throws IOException {
    ModelFormatException e = assertRejected(file(json("{'w':[1,2]}"), new byte[0]), "tensor 'w'",
        "entry is a JSON array");
    assertEquals("w", e.tensorName());
  }

  @Test
  void unknownKeyInAnEntryIsRejected() throws IOException {
    String header = json("{'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4],'strides':[1]}}");
    assertRejected(file(header, new byte[4]), "tensor 'w'", "unknown key 'strides'");
  }

  @Test
  void missingFieldsAreRejected() throws IOException {
    assertRejected(file(json("{'w':{'shape':[1],'data_offsets':[0,4]}}"), new byte[4]), "tensor 'w'",
        "missing 'dtype'");
    assertRejected(file(json("{'w':{'dtype':'F32','data_offsets':[0,4]}}"), new byte[4]), "tensor 'w'",
        "missing 'shape'");
    assertRejected(file(json("{'w':{'dtype':'F32','shape':[1]}}"), new byte[4]), "tensor 'w'",
        "missing 'data_offsets'");
  }

  @Test
  void wrongTypedFieldsAreRejected() throws IOException {
    assertRejected(file(json("{'w':{'dtype':32,'shape':[1],'data_offsets':[0,4]}}"), new byte[4]),
        "tensor 'w'", "'dtype' is a JSON number, expected a string");
    assertRejected(file(json("{'w':{'dtype':'F32','shape':'1','data_offsets':[0,4]}}"), new byte[4]),
        "tensor 'w'", "'shape' is a JSON string, expected an array");
    assertRejected(file(json("{'w':{'dtype':'F32','shape':[null],'data_offsets':[0,4]}}"), new byte[4]),
        "tensor 'w'", "dimension 0 of 'shape' is a JSON null");
    assertRejected(file(json("{'w':{'dtype':'F32','shape':[1],'data_offsets':{'begin':0}}}"), new byte[4]),
        "tensor 'w'", "'data_offsets' is a JSON object, expected an array");
  }

  @Test
  void dataOffsetsWithoutExactlyTwoElementsAreRejected() throws IOException {
    assertRejected(oneTensor(json("'w':{'dtype':'F32','shape':[1],'data_offsets':[0,4,8]}"), new byte[8]),
        "tensor 'w'", "'data_offsets' has 3 elements");
  }

  @Test
  void unknownDtypeIsRejected() throws IOException {
    ModelFormatException e = assertRejected(oneTensor(entry("w", "F8_E4M3", "[1]", 0, 1), new byte[1]),
        "tensor 'w'", "unsupported dtype 'F8_E4M3'");
    assertEquals("w", e.tensorName());
    assertRejected(oneTensor(entry("w", "f32", "[1]", 0, 4), new byte[4]), "tensor 'w'", "unsupported dtype 'f32'");
  }

  @Test
  void negativeDimensionIsRejected() throws IOException {
    assertRejected(oneTensor(entry("w", "F32", "[2,-1]", 0, 0), new byte[0]), "tensor 'w'",
        "dimension 1 of 'shape' is negative: -1");
  }

  @Test
  void fractionalDimensionIsRejected() throws IOException {
    assertRejected(oneTensor(entry("w", "F32", "[2.0]", 0, 8), new byte[8]), "tensor 'w'",
        "dimension 0 of 'shape' is not an integer");
    assertRejected(oneTensor(entry("w", "F32", "[1e1]", 0, 40), new byte[40]), "tensor 'w'",
        "dimension 0 of 'shape' is not an integer");
  }

  @Test
  void negativeOffsetIsRejected() throws IOException {
    assertRejected(oneTensor(entry("w", "F32", "[1]", -4, 0), new byte[4]), "tensor 'w'",
        "begin offset in 'data_offsets' is negative: -4");
  }

  @Test
  void shapeProductOverflowIsRejected() throws IOException {
    assertRejected(oneTensor(entry("w", "F32", "[4294967296,4294967296]", 0, 0), new byte[0]), "tensor 'w'",
        "element count of shape [4294967296, 4294967296] overflows");
  }

  @Test
  void byteSizeOverflowIsRejected() throws IOException {
    assertRejected(oneTensor(entry("w", "F64", "[" + (1L << 61) + "]", 0, 0), new byte[0]), "tensor 'w'",
        "byte size of F64 shape [" + (1L << 61) + "] overflows");
  }

  @Test
  void byteCountNotMatchingDtypeAndShapeIsRejected() throws IOException {
    String header = "{" + entry("w", "F32", "[2,3]", 0, 16) + "}";
    ModelFormatException e = assertRejected(file(header, new byte[24]), "tensor 'w'",
        "data_offsets [0, 16] spans 16 bytes", "6 elements of F32", "need 24 bytes");
    assertEquals(8 + header.length(), e.byteOffset()); // where the tensor's data starts
  }

  @Test
  void beginAfterEndIsRejected() throws IOException {
    assertRejected(oneTensor(entry("w", "U8", "[0]", 8, 4), new byte[8]), "tensor 'w'",
        "data_offsets [8, 4] has begin > end");
  }

  @Test
  void offsetsBeyondTheDataSectionAreRejected() throws IOException {
    String header = "{" + entry("ok", "F32", "[1]", 0, 4) + "," + entry("far", "F32", "[2]", 4, 12) + "}";
    ModelFormatException e = assertRejected(file(header, new byte[8]), "tensor 'far'",
        "end offset 12 is beyond the data section of 8 bytes");
    assertEquals("far", e.tensorName());
    assertTrue(e.byteOffset() > 0);
  }

  @Test
  void dataCutShortIsRejected() throws IOException {
    // A valid file truncated in its last tensor.
    String header = "{" + entry("a", "F32", "[4]", 0, 16) + "}";
    assertRejected(file(header, new byte[10]), "tensor 'a'", "end offset 16", "data section of 10 bytes");
  }

  @Test
  void overlappingTensorsAreRejected() throws IOException {
    String header = "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[4]", 8, 24) + "}";
    ModelFormatException e = assertRejected(file(header, new byte[24]), "tensor 'b'", "bytes [8, 24)",
        "overlap tensor 'a' at bytes [0, 16)");
    assertEquals("b", e.tensorName());
  }

  @Test
  void tensorNestedInsideAnotherIsRejectedWhateverTheHeaderOrder() throws IOException {
    String header = "{" + entry("inner", "F32", "[1]", 4, 8) + "," + entry("outer", "F32", "[4]", 0, 16) + "}";
    assertRejected(file(header, new byte[16]), "tensor 'inner'", "overlap tensor 'outer'");
  }

  @Test
  void emptyTensorsAtTheSameOffsetDoNotOverlap() throws IOException {
    String header = "{" + entry("a", "F32", "[0]", 4, 4) + "," + entry("b", "F32", "[2]", 0, 8) + ","
        + entry("c", "I64", "[3,0]", 4, 4) + "}";
    try (SafetensorsReader r = SafetensorsReader.open(file(header, new byte[8]))) {
      assertEquals(3, r.tensors().size());
    }
  }

  @Test
  void metadataValueThatIsNotAStringIsRejected() throws IOException {
    ModelFormatException e = assertRejected(file(json("{'__metadata__':{'epochs':12}}"), new byte[0]),
        "__metadata__ value for key 'epochs' is a JSON number, expected a string");
    assertNull(e.tensorName());
  }

  @Test
  void metadataThatIsNotAnObjectIsRejected() throws IOException {
    assertRejected(file(json("{'__metadata__':'x'}"), new byte[0]), "__metadata__ is a JSON string");
  }

  @Test
  void hostileNamesAreEscapedAndShortenedInMessages() throws IOException {
    String longName = "x".repeat(10_000);
    ModelFormatException e = assertRejected(oneTensor(entry(longName, "F99", "[1]", 0, 1), new byte[1]),
        "unsupported dtype 'F99'", "(10000 chars)");
    assertTrue(e.getMessage().length() < 500, e.getMessage());
    assertEquals(longName, e.tensorName());
    e = assertRejected(oneTensor(entry("a\\nb", "F99", "[1]", 0, 1), new byte[1]), "tensor 'a\\nb'");
    assertFalse(e.getMessage().contains("\n"));
  }

  // --- reading ---

  private SafetensorsReader openValid() throws IOException {
    String header = "{" + entry("f", "F32", "[2]", 0, 8) + "," + entry("i", "I64", "[1]", 8, 16) + ","
        + entry("flag", "BOOL", "[2]", 16, 18) + "}";
    return SafetensorsReader.open(file(header, new byte[18]));
  }

  @Test
  void readingAnIntegerTensorAsFloatsIsRejected() throws IOException {
    try (SafetensorsReader r = openValid()) {
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> r.readFloats("i"));
      assertMessage(e, r.path(), "tensor 'i'", "dtype I64 cannot be read as floats");
      assertEquals("i", e.tensorName());
    }
  }

  @Test
  void readingBoolAsFloatsOrLongsIsRejected() throws IOException {
    try (SafetensorsReader r = openValid()) {
      assertMessage(assertThrows(ModelFormatException.class, () -> r.readFloats("flag")), r.path(),
          "tensor 'flag'", "dtype BOOL cannot be read as floats");
      assertMessage(assertThrows(ModelFormatException.class, () -> r.readLongs("flag")), r.path(),
          "tensor 'flag'", "dtype BOOL cannot be read as longs");
    }
  }

  @Test
  void readingAFloatTensorAsLongsIsRejected() throws IOException {
    try (SafetensorsReader r = openValid()) {
      assertMessage(assertThrows(ModelFormatException.class, () -> r.readLongs("f")), r.path(),
          "tensor 'f'", "dtype F32 cannot be read as longs");
    }
  }

  @Test
  void missingTensorIsNamedWithTheFile() throws IOException {
    try (SafetensorsReader r = openValid()) {
      ModelFormatException e = assertThrows(ModelFormatException.class, () -> r.info("nope"));
      assertEquals("no tensor 'nope' in " + r.path(), e.getMessage());
      assertThrows(ModelFormatException.class, () -> r.readFloats("nope"));
      UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> r.rawBytes("nope"));
      assertInstanceOf(ModelFormatException.class, u.getCause());
    }
  }

  @Test
  void readingAfterCloseThrowsIllegalState() throws IOException {
    SafetensorsReader r = openValid();
    r.close();
    r.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> r.readFloats("f"));
    assertThrows(IllegalStateException.class, () -> r.readLongs("i"));
    assertThrows(IllegalStateException.class, () -> r.rawBytes("f"));
  }

  @Test
  void readingMoreElementsThanAJavaArrayHoldsIsRejectedWithoutAllocating() throws IOException {
    long tooMany = Integer.MAX_VALUE - 7L; // one above the supported maximum
    String header = "{" + entry("big", "I8", "[" + tooMany + "]", 0, tooMany) + ","
        + entry("half", "F16", "[" + tooMany + "]", tooMany, 3 * tooMany) + "}";
    Path p = file(header, new byte[0]);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(f.length() + 3 * tooMany); // sparse: no disk space is used
    }
    try (SafetensorsReader r = SafetensorsReader.open(p)) {
      assertMessage(assertThrows(ModelFormatException.class, () -> r.readLongs("big")), p,
          "tensor 'big'", tooMany + " elements are more than a Java array can hold");
      assertMessage(assertThrows(ModelFormatException.class, () -> r.readFloats("half")), p,
          "tensor 'half'", tooMany + " elements are more than a Java array can hold");
      UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> r.rawBytes("half"));
      assertTrue(u.getMessage().contains("more than one ByteBuffer can address"), u.getMessage());
    }
  }
}
