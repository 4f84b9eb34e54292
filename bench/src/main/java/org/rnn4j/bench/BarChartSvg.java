package org.rnn4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained SVG bar chart of {@code rnn4j bench} rows: one panel per configuration, one
 * horizontal bar per implementation (GFLOP/s; label with ms per call), the auto-selected backend
 * highlighted, unavailable ones listed with their status.
 */
final class BarChartSvg {
  private BarChartSvg() {
  }

  private static final int WIDTH = 760;
  private static final int LABEL = 110;
  private static final int BAR_AREA = 470;
  private static final int ROW = 22;

  static String render(List<BenchCli.Row> rows, String title) {
    Map<String, List<BenchCli.Row>> byConfig = new LinkedHashMap<>();
    for (BenchCli.Row r : rows) {
      byConfig.computeIfAbsent(r.config(), k -> new ArrayList<>()).add(r);
    }
    StringBuilder body = new StringBuilder();
    int y = 40;
    for (Map.Entry<String, List<BenchCli.Row>> e : byConfig.entrySet()) {
      BenchConfig c = BenchConfig.parse(e.getKey());
      double max = e.getValue().stream().filter(BenchCli.Row::ok).mapToDouble(BenchCli.Row::gflops).max().orElse(1);
      body.append(text(10, y + 14, esc(c.label()) + " — GFLOP/s (higher is better)", "bold", "start"));
      y += 24;
      for (BenchCli.Row r : e.getValue()) {
        body.append(text(LABEL - 8, y + 15, esc(r.impl()) + (r.auto() ? " *" : ""), r.auto() ? "bold" : "normal",
            "end"));
        if (r.ok()) {
          double w = Math.max(1, BAR_AREA * r.gflops() / max);
          String color = r.impl().equals("ort") ? "#888888" : r.impl().equals("newcomer") ? "#c9a66b"
              : r.auto() ? "#1f6feb" : "#6ea8fe";
          body.append(String.format(Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %.3f ms/call, %.2f "
                  + "GFLOP/s</title></rect>%n", LABEL, y + 3, w, ROW - 6, color, esc(r.impl()), r.ms(), r.gflops()));
          body.append(text((int) (LABEL + w + 6), y + 15, String.format(Locale.ROOT, "%.2f GFLOP/s · %.3f ms",
              r.gflops(), r.ms()), "normal", "start"));
        } else {
          String status = r.status().length() > 90 ? r.status().substring(0, 87) + "..." : r.status();
          body.append(text(LABEL, y + 15, esc(status), "italic", "start"));
        }
        y += ROW;
      }
      y += 14;
    }
    int height = y + 20;
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + height
        + "\" viewBox=\"0 0 " + WIDTH + " " + height + "\" font-family=\"sans-serif\" font-size=\"12\">\n"
        + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        + text(10, 22, esc(title), "bold", "start")
        + body
        + text(10, height - 8, "* auto-selected backend · grey: ONNX Runtime · tan: newcomer loops", "italic", "start")
        + "</svg>\n";
  }

  private static String text(int x, int y, String s, String weight, String anchor) {
    String style = weight.equals("italic") ? "font-style=\"italic\"" : "font-weight=\"" + weight + "\"";
    return "<text x=\"" + x + "\" y=\"" + y + "\" " + style + " text-anchor=\"" + anchor + "\">" + s + "</text>\n";
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
