package org.rnn4j.cli;

import java.io.PrintWriter;

/**
 * Progress of long work: a bar redrawn in place on a terminal, plain lines otherwise (logs, CI,
 * pipes), at most one per {@code lineEverySeconds}.
 */
final class Progress {
  private final PrintWriter out;
  private final boolean terminal;
  private final long total;
  private final long started = System.nanoTime();
  private final double lineEverySeconds;
  private double lastLine = -1e9;
  private int lastWidth;
  private double deadlineSeconds = Double.POSITIVE_INFINITY;

  Progress(PrintWriter out, boolean terminal, long total, double lineEverySeconds) {
    this.out = out;
    this.terminal = terminal;
    this.total = total;
    this.lineEverySeconds = lineEverySeconds;
  }

  /** Work will stop at this many seconds at the latest (a time budget); the ETA takes it into account. */
  Progress deadline(double seconds) {
    this.deadlineSeconds = seconds;
    return this;
  }

  static boolean isTerminal() {
    return System.console() != null && System.getenv("CI") == null;
  }

  double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  /** Reports {@code done} of {@code total}, with a message; {@code force} prints a line even when throttled. */
  void update(long done, String message, boolean force) {
    double now = elapsedSeconds();
    double rate = done / Math.max(now, 1e-9);
    String eta = done > 0 && done < total
        ? " ETA " + duration(Math.min((total - done) / rate, Math.max(0, deadlineSeconds - now))) : "";
    if (terminal) {
      int width = 24;
      int filled = (int) (width * Math.min(1.0, (double) done / total));
      String bar = "[" + "=".repeat(filled) + (filled < width ? ">" : "") + " ".repeat(Math.max(0, width - filled - 1))
          + "]";
      String line = String.format("%s %d/%d %s%s", bar, done, total, message, eta);
      out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
      out.flush();
      if (done >= total) {
        out.println();
      }
    } else if (force || now - lastLine >= lineEverySeconds || done >= total) {
      out.printf("%d/%d %s%s%n", done, total, message, eta);
      out.flush();
      lastLine = now;
    }
  }

  /** Ends an in-place bar so that the next output starts on a fresh line. */
  void finishLine() {
    if (terminal && lastWidth > 0) {
      out.println();
      lastWidth = 0;
    }
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60)
        : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
  }
}
