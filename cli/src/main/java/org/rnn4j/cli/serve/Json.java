package org.rnn4j.cli.serve;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader and writer, enough for the inference protocol.
 *
 * <p>Reading gives {@code Map<String, Object>} (insertion order, duplicate keys refused),
 * {@code List<Object>}, {@code String}, {@code Double}, {@code Boolean} and {@link #NULL}. An
 * array of numbers only is read as a {@link Numbers} (a primitive double[]), because tensors are
 * large: boxing every element would cost several times the body's size. Nesting is limited (no
 * stack overflow from hostile input); anything else malformed is a {@link JsonException} with the
 * offset.
 */
public final class Json {
  /** JSON null. */
  public static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  private static final int MAX_DEPTH = 64;

  /** A JSON array whose elements are all numbers. */
  public record Numbers(double[] values, int length) {
    @Override
    public String toString() {
      return Arrays.toString(Arrays.copyOf(values, Math.min(length, 8))) + (length > 8 ? "…" : "");
    }
  }

  /** Malformed JSON: says what and where. */
  public static final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    JsonException(String message, int offset) {
      super(message + " at offset " + offset);
    }
  }

  private final String s;
  private int pos;

  private Json(String s) {
    this.s = s;
  }

  /** Parses one JSON value; only whitespace may follow it. */
  public static Object parse(String text) throws JsonException {
    Json p = new Json(text);
    p.skipWs();
    Object v = p.value(0);
    p.skipWs();
    if (p.pos != text.length()) {
      throw new JsonException("unexpected text after the JSON value", p.pos);
    }
    return v;
  }

  private Object value(int depth) throws JsonException {
    if (pos >= s.length()) {
      throw new JsonException("unexpected end of input", pos);
    }
    char ch = s.charAt(pos);
    return switch (ch) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", NULL);
      default -> {
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
          yield number();
        }
        throw new JsonException("unexpected character '" + printable(ch) + "'", pos);
      }
    };
  }

  private Object literal(String word, Object v) throws JsonException {
    if (!s.startsWith(word, pos)) {
      throw new JsonException("invalid literal (expected " + word + ")", pos);
    }
    pos += word.length();
    return v;
  }

  private Map<String, Object> object(int depth) throws JsonException {
    checkDepth(depth);
    pos++; // {
    Map<String, Object> m = new LinkedHashMap<>();
    skipWs();
    if (peek() == '}') {
      pos++;
      return m;
    }
    while (true) {
      skipWs();
      if (peek() != '"') {
        throw new JsonException("expected a string key", pos);
      }
      int keyAt = pos;
      String key = string();
      skipWs();
      expect(':');
      skipWs();
      Object v = value(depth);
      if (m.put(key, v) != null) {
        throw new JsonException("duplicate key \"" + key + "\"", keyAt);
      }
      skipWs();
      char ch = next();
      if (ch == '}') {
        return m;
      }
      if (ch != ',') {
        throw new JsonException("expected ',' or '}'", pos - 1);
      }
    }
  }

  private Object array(int depth) throws JsonException {
    checkDepth(depth);
    pos++; // [
    skipWs();
    if (peek() == ']') {
      pos++;
      return new Numbers(new double[0], 0);
    }
    double[] nums = new double[16];
    int n = 0;
    List<Object> list = null; // becomes non-null at the first element that is not a number
    while (true) {
      skipWs();
      char ch = peek();
      boolean numeric = list == null && (ch == '-' || (ch >= '0' && ch <= '9'));
      if (numeric) {
        if (n == nums.length) {
          nums = Arrays.copyOf(nums, n * 2);
        }
        nums[n++] = number();
      } else {
        if (list == null) {
          list = new ArrayList<>(n + 4);
          for (int i = 0; i < n; i++) {
            list.add(nums[i]);
          }
          nums = null;
        }
        list.add(value(depth));
      }
      skipWs();
      char sep = next();
      if (sep == ']') {
        return list != null ? list : new Numbers(nums, n);
      }
      if (sep != ',') {
        throw new JsonException("expected ',' or ']'", pos - 1);
      }
    }
  }

  private double number() throws JsonException {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) {
        pos++;
      }
    } else {
      throw new JsonException("invalid number", start);
    }
    if (peek() == '.') {
      pos++;
      if (!isDigit(peek())) {
        throw new JsonException("invalid number (digit expected after '.')", start);
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!isDigit(peek())) {
        throw new JsonException("invalid number (digit expected in exponent)", start);
      }
      while (isDigit(peek())) {
        pos++;
      }
    }
    if (isDigit(peek())) {
      throw new JsonException("invalid number (leading zero)", start);
    }
    return FloatText.parseDouble(s, start, pos);
  }

  private String string() throws JsonException {
    int start = pos;
    pos++; // "
    StringBuilder sb = null;
    int runStart = pos;
    while (true) {
      if (pos >= s.length()) {
        throw new JsonException("unterminated string", start);
      }
      char ch = s.charAt(pos);
      if (ch == '"') {
        String tail = s.substring(runStart, pos);
        pos++;
        return sb == null ? tail : sb.append(tail).toString();
      }
      if (ch < 0x20) {
        throw new JsonException("control character in string", pos);
      }
      if (ch != '\\') {
        pos++;
        continue;
      }
      if (sb == null) {
        sb = new StringBuilder();
      }
      sb.append(s, runStart, pos);
      pos++;
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 > s.length()) {
            throw new JsonException("truncated \\u escape", pos);
          }
          int cp = 0;
          for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0) {
              throw new JsonException("invalid \\u escape", pos);
            }
            cp = cp * 16 + d;
          }
          pos += 4;
          sb.append((char) cp);
        }
        default -> throw new JsonException("invalid escape '\\" + printable(e) + "'", pos - 1);
      }
      runStart = pos;
    }
  }

  private void checkDepth(int depth) throws JsonException {
    if (depth > MAX_DEPTH) {
      throw new JsonException("nesting deeper than " + MAX_DEPTH, pos);
    }
  }

  private void skipWs() {
    while (pos < s.length()) {
      char ch = s.charAt(pos);
      if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
        return;
      }
      pos++;
    }
  }

  private char peek() {
    return pos < s.length() ? s.charAt(pos) : '\0';
  }

  private char next() throws JsonException {
    if (pos >= s.length()) {
      throw new JsonException("unexpected end of input", pos);
    }
    return s.charAt(pos++);
  }

  private void expect(char ch) throws JsonException {
    if (pos >= s.length() || s.charAt(pos) != ch) {
      throw new JsonException("expected '" + ch + "'", pos);
    }
    pos++;
  }

  private static boolean isDigit(char ch) {
    return ch >= '0' && ch <= '9';
  }

  private static String printable(char ch) {
    return ch < 0x20 || ch > 0x7e ? String.format("\\u%04x", (int) ch) : String.valueOf(ch);
  }

  // ------------------------------------------------------------------ writing

  /** Appends v as JSON: Map, List/array, CharSequence, Number, Boolean, NULL/null, float[], int[], long[]. */
  public static StringBuilder write(StringBuilder sb, Object v) {
    if (v == null || v == NULL) {
      sb.append("null");
    } else if (v instanceof CharSequence cs) {
      quote(sb, cs);
    } else if (v instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (v instanceof Float f) {
      appendFloat(sb, f);
    } else if (v instanceof Double d) {
      sb.append(Double.isFinite(d) ? (d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue())
          : d.toString()) : "null");
    } else if (v instanceof Number n) {
      sb.append(n.longValue());
    } else if (v instanceof float[] a) {
      sb.append('[');
      for (int i = 0; i < a.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        appendFloat(sb, a[i]);
      }
      sb.append(']');
    } else if (v instanceof int[] a) {
      sb.append('[');
      for (int i = 0; i < a.length; i++) {
        sb.append(i > 0 ? "," : "").append(a[i]);
      }
      sb.append(']');
    } else if (v instanceof long[] a) {
      sb.append('[');
      for (int i = 0; i < a.length; i++) {
        sb.append(i > 0 ? "," : "").append(a[i]);
      }
      sb.append(']');
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        quote(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (v instanceof Iterable<?> it) {
      sb.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(sb, o);
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
    }
    return sb;
  }

  public static String write(Object v) {
    return write(new StringBuilder(), v).toString();
  }

  /**
   * Shortest decimal that reads back as the same float ({@code Float.toString}: since JDK 19 the
   * Schubfach algorithm, ~47 ns a float here, faster than our own 9-digit writer measured at ~77 ns;
   * bench/serving/ServingCostProbe.java); JSON has no NaN/Infinity, so those become null.
   */
  private static void appendFloat(StringBuilder sb, float f) {
    if (!Float.isFinite(f)) {
      sb.append("null");
    } else if (f == 0f) {
      sb.append(Float.floatToRawIntBits(f) == 0 ? "0" : "-0.0");
    } else {
      sb.append(f);
    }
  }

  private static void quote(StringBuilder sb, CharSequence cs) {
    sb.append('"');
    for (int i = 0; i < cs.length(); i++) {
      char ch = cs.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    sb.append('"');
  }
}
