package org.rnn4j.io;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict RFC 8259 JSON parser over UTF-8 bytes, sized for safetensors headers.
 *
 * <p>Values map to: object → {@link LinkedHashMap} (document order, duplicate keys rejected),
 * array → {@link List}, string → {@link String}, integer → {@link Long}, number with a fraction or
 * exponent → {@link Double}, true/false → {@link Boolean}, null → {@link #NULL}. Integers outside the
 * long range are rejected rather than rounded, since offsets and dimensions must be exact.
 *
 * <p>Because the input may be hostile, nesting depth is bounded (recursion cannot overflow the stack),
 * the input must be valid UTF-8, lone surrogates are rejected, and every error carries the byte
 * offset at which it was detected.
 */
final class JsonParser {
  static final int MAX_DEPTH = 64;

  /** Numbers longer than this cannot be meaningful here and would only cost time to convert. */
  private static final int MAX_NUMBER_CHARS = 1000;

  /** JSON null; a sentinel so that a member that is present but null differs from a missing one. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** A syntax error at a byte offset of the parsed input. */
  static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int offset;

    SyntaxException(String message, int offset) {
      super(message);
      this.offset = offset;
    }

    /** Offset into the parsed byte array. */
    int offset() {
      return offset;
    }
  }

  private final byte[] in;
  private int pos;

  private JsonParser(byte[] in) {
    this.in = in;
  }

  /** Parses exactly one JSON value, optionally surrounded by whitespace. */
  static Object parse(byte[] in) throws SyntaxException {
    checkUtf8(in);
    JsonParser p = new JsonParser(in);
    p.skipWhitespace();
    Object value = p.value(0);
    p.skipWhitespace();
    if (p.pos != in.length) {
      throw p.error("unexpected " + p.describeCurrent() + " after the end of the JSON value");
    }
    return value;
  }

  /** A short name of a parsed value's JSON type, for error messages. */
  static String typeName(Object value) {
    if (value instanceof Map) {
      return "object";
    } else if (value instanceof List) {
      return "array";
    } else if (value instanceof String) {
      return "string";
    } else if (value instanceof Long || value instanceof Double) {
      return "number";
    } else if (value instanceof Boolean) {
      return "boolean";
    } else if (value == NULL) {
      return "null";
    }
    return value == null ? "nothing" : value.getClass().getSimpleName();
  }

  /**
   * Validating up front lets string parsing decode byte runs directly: a run never ends inside a
   * multi-byte sequence because it only ends at ASCII '"', '\\' or a control byte.
   */
  private static void checkUtf8(byte[] in) throws SyntaxException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer src = ByteBuffer.wrap(in);
    CharBuffer out = CharBuffer.allocate(8192);
    while (true) {
      CoderResult r = decoder.decode(src, out, true);
      if (r.isError()) {
        throw new SyntaxException("invalid UTF-8", src.position());
      }
      if (r.isOverflow()) {
        out.clear();
      } else {
        return;
      }
    }
  }

  private Object value(int depth) throws SyntaxException {
    if (pos >= in.length) {
      throw error("unexpected end of input, expected a value");
    }
    return switch (in[pos]) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", NULL);
      case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> number();
      default -> throw error("unexpected " + describeCurrent() + ", expected a value");
    };
  }

  private Map<String, Object> object(int depth) throws SyntaxException {
    checkDepth(depth);
    pos++; // '{'
    Map<String, Object> members = new LinkedHashMap<>();
    skipWhitespace();
    if (peek('}')) {
      pos++;
      return members;
    }
    while (true) {
      skipWhitespace();
      if (!peek('"')) {
        throw error("unexpected " + describeCurrent() + ", expected a string key");
      }
      int keyOffset = pos;
      String key = string();
      if (members.containsKey(key)) {
        throw new SyntaxException("duplicate key " + Messages.quote(key), keyOffset);
      }
      skipWhitespace();
      expect(':');
      skipWhitespace();
      members.put(key, value(depth));
      skipWhitespace();
      if (peek('}')) {
        pos++;
        return members;
      }
      expect(',', "',' or '}'");
    }
  }

  private List<Object> array(int depth) throws SyntaxException {
    checkDepth(depth);
    pos++; // '['
    List<Object> elements = new ArrayList<>();
    skipWhitespace();
    if (peek(']')) {
      pos++;
      return elements;
    }
    while (true) {
      skipWhitespace();
      elements.add(value(depth));
      skipWhitespace();
      if (peek(']')) {
        pos++;
        return elements;
      }
      expect(',', "',' or ']'");
    }
  }

  private void checkDepth(int depth) throws SyntaxException {
    if (depth > MAX_DEPTH) {
      throw error("nesting deeper than " + MAX_DEPTH + " levels");
    }
  }

  private String string() throws SyntaxException {
    int start = pos;
    pos++; // opening quote
    StringBuilder sb = null;
    int runStart = pos;
    while (true) {
      if (pos >= in.length) {
        throw new SyntaxException("unterminated string", start);
      }
      byte b = in[pos];
      if (b == '"') {
        String run = new String(in, runStart, pos - runStart, StandardCharsets.UTF_8);
        pos++;
        return sb == null ? run : sb.append(run).toString();
      } else if (b == '\\') {
        if (sb == null) {
          sb = new StringBuilder();
        }
        sb.append(new String(in, runStart, pos - runStart, StandardCharsets.UTF_8));
        escape(sb);
        runStart = pos;
      } else if ((b & 0xFF) < 0x20) {
        throw error(String.format("unescaped control character 0x%02X in string", b & 0xFF));
      } else {
        pos++;
      }
    }
  }

  private void escape(StringBuilder sb) throws SyntaxException {
    int escapeOffset = pos;
    pos++; // backslash
    if (pos >= in.length) {
      throw new SyntaxException("unterminated escape sequence", escapeOffset);
    }
    byte c = in[pos++];
    switch (c) {
      case '"' -> sb.append('"');
      case '\\' -> sb.append('\\');
      case '/' -> sb.append('/');
      case 'b' -> sb.append('\b');
      case 'f' -> sb.append('\f');
      case 'n' -> sb.append('\n');
      case 'r' -> sb.append('\r');
      case 't' -> sb.append('\t');
      case 'u' -> {
        char ch = hex4(escapeOffset);
        if (Character.isHighSurrogate(ch)) {
          // Java strings are UTF-16, so a pair is appended as is; alone it is not a character.
          if (pos + 1 < in.length && in[pos] == '\\' && in[pos + 1] == 'u') {
            int lowOffset = pos;
            pos += 2;
            char low = hex4(lowOffset);
            if (!Character.isLowSurrogate(low)) {
              throw new SyntaxException(String.format(
                  "high surrogate \\u%04X followed by \\u%04X instead of a low surrogate",
                  (int) ch, (int) low), escapeOffset);
            }
            sb.append(ch).append(low);
          } else {
            throw new SyntaxException(String.format("unpaired high surrogate \\u%04X", (int) ch),
                escapeOffset);
          }
        } else if (Character.isLowSurrogate(ch)) {
          throw new SyntaxException(String.format("unpaired low surrogate \\u%04X", (int) ch),
              escapeOffset);
        } else {
          sb.append(ch);
        }
      }
      default -> throw new SyntaxException("invalid escape: backslash followed by " + describe(c),
          escapeOffset);
    }
  }

  private char hex4(int escapeOffset) throws SyntaxException {
    int v = 0;
    for (int i = 0; i < 4; i++) {
      if (pos >= in.length) {
        throw new SyntaxException("unterminated \\u escape", escapeOffset);
      }
      int d = hexDigit(in[pos]);
      if (d < 0) {
        throw new SyntaxException("\\u escape needs 4 hex digits, found " + describe(in[pos]),
            escapeOffset);
      }
      v = (v << 4) | d;
      pos++;
    }
    return (char) v;
  }

  private static int hexDigit(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    } else if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    } else if (b >= 'A' && b <= 'F') {
      return b - 'A' + 10;
    }
    return -1;
  }

  private Object number() throws SyntaxException {
    int start = pos;
    if (peek('-')) {
      pos++;
    }
    if (!peekDigit()) {
      throw error("unexpected " + describeCurrent() + ", expected a digit");
    }
    if (in[pos] == '0') {
      pos++;
      if (peekDigit()) {
        throw new SyntaxException("number with a leading zero", start);
      }
    } else {
      skipDigits();
    }
    boolean integral = true;
    if (peek('.')) {
      integral = false;
      pos++;
      requireDigit("after the decimal point");
      skipDigits();
    }
    if (peek('e') || peek('E')) {
      integral = false;
      pos++;
      if (peek('+') || peek('-')) {
        pos++;
      }
      requireDigit("in the exponent");
      skipDigits();
    }
    int length = pos - start;
    if (length > MAX_NUMBER_CHARS) {
      throw new SyntaxException("number of " + length + " characters is too long", start);
    }
    String text = new String(in, start, length, StandardCharsets.US_ASCII);
    if (integral) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new SyntaxException("integer " + abbreviate(text) + " is outside the 64-bit range", start);
      }
    }
    double d = Double.parseDouble(text);
    if (Double.isInfinite(d)) {
      throw new SyntaxException("number " + abbreviate(text) + " is outside the double range", start);
    }
    return d;
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }

  private void requireDigit(String where) throws SyntaxException {
    if (!peekDigit()) {
      throw error("unexpected " + describeCurrent() + ", expected a digit " + where);
    }
  }

  private void skipDigits() {
    while (peekDigit()) {
      pos++;
    }
  }

  private boolean peekDigit() {
    return pos < in.length && in[pos] >= '0' && in[pos] <= '9';
  }

  private Object literal(String word, Object value) throws SyntaxException {
    for (int i = 0; i < word.length(); i++) {
      if (pos + i >= in.length || in[pos + i] != word.charAt(i)) {
        throw error("invalid literal, expected '" + word + "'");
      }
    }
    pos += word.length();
    return value;
  }

  private void skipWhitespace() {
    while (pos < in.length) {
      byte b = in[pos];
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return;
      }
      pos++;
    }
  }

  private boolean peek(char c) {
    return pos < in.length && in[pos] == c;
  }

  private void expect(char c) throws SyntaxException {
    expect(c, "'" + c + "'");
  }

  private void expect(char c, String expected) throws SyntaxException {
    if (!peek(c)) {
      throw error("unexpected " + describeCurrent() + ", expected " + expected);
    }
    pos++;
  }

  private SyntaxException error(String message) {
    return new SyntaxException(message, pos);
  }

  private String describeCurrent() {
    return pos >= in.length ? "end of input" : describe(in[pos]);
  }

  private static String describe(byte b) {
    int v = b & 0xFF;
    return v > 0x20 && v < 0x7F ? "'" + (char) v + "'" : String.format("byte 0x%02X", v);
  }
}
