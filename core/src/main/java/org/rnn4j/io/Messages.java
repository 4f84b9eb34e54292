package org.rnn4j.io;

/** Formatting of untrusted strings (tensor names, keys) for error messages. */
final class Messages {
  /** Hostile headers may carry megabyte-long names; messages only need enough to identify them. */
  private static final int MAX_QUOTED_CHARS = 120;

  private Messages() {
  }

  /**
   * Single-quotes {@code s}, escaping control characters (so a name cannot forge extra log lines)
   * and shortening very long values.
   */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX_QUOTED_CHARS) + 8).append('\'');
    int n = Math.min(s.length(), MAX_QUOTED_CHARS);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\\' -> sb.append("\\\\");
        case '\'' -> sb.append("\\'");
        default -> {
          if (c < 0x20 || c == 0x7F) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    if (s.length() > n) {
      sb.append("...(").append(s.length()).append(" chars)");
    }
    return sb.append('\'').toString();
  }
}
