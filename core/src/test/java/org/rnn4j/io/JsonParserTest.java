package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonParserTest {
  private static Object parse(String json) throws JsonParser.SyntaxException {
    return JsonParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonParser.SyntaxException reject(String json, String fragment) {
    return reject(json.getBytes(StandardCharsets.UTF_8), fragment);
  }

  private static JsonParser.SyntaxException reject(byte[] json, String fragment) {
    JsonParser.SyntaxException e = assertThrows(JsonParser.SyntaxException.class, () -> JsonParser.parse(json));
    assertTrue(e.getMessage().contains(fragment), () -> "message lacks '" + fragment + "': " + e.getMessage());
    return e;
  }

  @Test
  void parsesNestedValuesKeepingMemberOrder() throws Exception {
    Object v = parse(" {\"z\": [1, -2, true, false, null, \"s\"], \"a\": {}, \"m\": []} \n");
    Map<?, ?> m = assertInstanceOf(Map.class, v);
    assertEquals(List.of("z", "a", "m"), List.copyOf(m.keySet()));
    List<?> z = (List<?>) m.get("z");
    assertEquals(List.of(1L, -2L, true, false, JsonParser.NULL, "s"), z);
    assertEquals(Map.of(), m.get("a"));
    assertEquals(List.of(), m.get("m"));
  }

  @Test
  void decodesEveryEscape() throws Exception {
    assertEquals("\" \\ / \b \f \n \r \t \u00e9 \u0000",
        parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00E9 \\u0000\""));
  }

  @Test
  void decodesSurrogatePairEscapes() throws Exception {
    assertEquals("\uD83D\uDE00", parse("\"\\ud83d\\uDE00\""));
  }

  @Test
  void decodesRawUtf8() throws Exception {
    assertEquals("é\uD83D\uDE00 ü", parse("\"é\uD83D\uDE00 ü\""));
  }

  @Test
  void rejectsUnpairedSurrogates() {
    reject("\"\\ud83d\"", "unpaired high surrogate");
    reject("\"\\ud83dx\"", "unpaired high surrogate");
    reject("\"\\ud83d\\u0041\"", "instead of a low surrogate");
    reject("\"\\ude00\"", "unpaired low surrogate");
  }

  @Test
  void rejectsMalformedUnicodeEscapes() {
    reject("\"\\u12\"", "4 hex digits");
    reject("\"\\u12", "unterminated");
    reject("\"\\", "unterminated escape");
  }

  @Test
  void rejectsInvalidUtf8WithItsOffset() {
    assertEquals(2, reject(new byte[] {'"', 'a', (byte) 0xC0, (byte) 0xAF, '"'}, "invalid UTF-8").offset());
    assertEquals(1, reject(new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'}, "invalid UTF-8").offset());
    assertEquals(1, reject(new byte[] {'"', (byte) 0xE2, (byte) 0x82}, "invalid UTF-8").offset());
  }

  @Test
  void integersCoverTheLongRangeExactly() throws Exception {
    assertEquals(Long.MAX_VALUE, parse("9223372036854775807"));
    assertEquals(Long.MIN_VALUE, parse("-9223372036854775808"));
    assertEquals(0L, parse("-0"));
    reject("9223372036854775808", "outside the 64-bit range");
    reject("-9223372036854775809", "outside the 64-bit range");
    reject("1" + "0".repeat(5000), "too long");
  }

  @Test
  void fractionsAndExponentsParseAsDoubles() throws Exception {
    assertEquals(2.5, parse("2.5"));
    assertEquals(100.0, parse("1e2"));
    assertEquals(-0.015, parse("-1.5E-2"));
    reject("1e999", "outside the double range");
  }

  @Test
  void rejectsNumbersOutsideTheGrammar() {
    reject("01", "leading zero");
    reject("-", "expected a digit");
    reject("1.", "after the decimal point");
    reject(".5", "expected a value");
    reject("1e", "in the exponent");
    reject("+1", "expected a value");
    reject("0x10", "after the end of the JSON value");
  }

  @Test
  void rejectsDuplicateKeysAtTheSecondKey() {
    assertEquals(8, reject("{\"a\":1, \"a\":2}", "duplicate key 'a'").offset());
  }

  @Test
  void acceptsNestingUpToTheLimit() throws Exception {
    int d = JsonParser.MAX_DEPTH;
    Object v = parse("[".repeat(d) + "]".repeat(d));
    for (int i = 1; i < d; i++) {
      v = ((List<?>) v).get(0);
    }
    assertEquals(List.of(), v);
  }

  @Test
  void rejectsNestingBeyondTheLimit() {
    int d = JsonParser.MAX_DEPTH + 1;
    assertEquals(d - 1, reject("[".repeat(d) + "]".repeat(d), "nesting deeper than 64").offset());
    reject("{\"a\":".repeat(1_000_000), "nesting deeper than 64");
  }

  @Test
  void rejectsTrailingContentButAllowsTrailingWhitespace() throws Exception {
    assertEquals(Map.of(), parse("{} \t\r\n   "));
    reject("{}{}", "after the end of the JSON value");
    reject("{} \u0000", "after the end of the JSON value");
  }

  @Test
  void rejectsEmptyInputAndBareWords() {
    reject("", "unexpected end of input");
    reject("   ", "unexpected end of input");
    reject("nul", "expected 'null'");
    reject("True", "expected a value");
  }

  @Test
  void rejectsStructuralErrors() {
    reject("[1 2]", "expected ',' or ']'");
    reject("[1,]", "expected a value");
    reject("{\"a\":1 \"b\":2}", "expected ',' or '}'");
    reject("{1:2}", "expected a string key");
    reject("\"abc", "unterminated string");
    reject("\"a\tb\"", "control character 0x09");
  }

  @Test
  void nullIsASentinelDistinctFromAMissingMember() throws Exception {
    Map<?, ?> m = (Map<?, ?>) parse("{\"a\":null}");
    assertSame(JsonParser.NULL, m.get("a"));
    assertEquals("null", JsonParser.typeName(m.get("a")));
  }
}
