package org.rnn4j.cli;

import java.util.List;
import java.util.Locale;

/** Draws load-test runs as a standalone SVG: throughput per run, and latency p50/p90/p99 per run. */
final class LoadtestChart {
  private static final String[] COLORS = {"#4e79a7", "#f28e2b", "#e15759"};
  private static final int PANEL_W = 420;
  private static final int PANEL_H = 260;
  private static final int TOP = 50;
  private static final int LEFT = 60;

  private LoadtestChart() {
  }

  static String svg(List<LoadtestCommand.Row> rows) {
    int width = 2 * (LEFT + PANEL_W) + 40;
    int height = TOP + PANEL_H + 40 + 18 * rows.size() + 20;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
    sb.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    double maxTp = 0;
    double maxLat = 0;
    for (LoadtestCommand.Row r : rows) {
      maxTp = Math.max(maxTp, r.throughput());
      maxLat = Math.max(maxLat, r.p99());
    }
    panel(sb, LEFT, "throughput (requests/s, higher is better)", rows, maxTp, new String[] {"req/s"}, true);
    panel(sb, 2 * LEFT + PANEL_W + 20, "latency (ms, lower is better): p50 / p90 / p99", rows, maxLat,
        new String[] {"p50", "p90", "p99"}, false);
    int y = TOP + PANEL_H + 40;
    for (int i = 0; i < rows.size(); i++) {
      LoadtestCommand.Row r = rows.get(i);
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%d: %s — %d clients, T=%d, mean batch %s, "
          + "errors %s</text>%n", LEFT, y + 18 * i, i + 1, esc(r.label()), r.clients(), r.steps(),
          LoadtestCommand.fmt(r.meanBatch()), esc(r.errors())));
    }
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void panel(StringBuilder sb, int x0, String title, List<LoadtestCommand.Row> rows, double max,
      String[] series, boolean throughput) {
    double top = max <= 0 ? 1 : max * 1.1;
    sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", x0, TOP - 25,
        esc(title)));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0,
        TOP + PANEL_H, x0 + PANEL_W, TOP + PANEL_H));
    sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", x0, TOP,
        x0, TOP + PANEL_H));
    for (int g = 0; g <= 4; g++) {
      double v = top * g / 4;
      int y = TOP + PANEL_H - (int) (PANEL_H * g / 4.0);
      sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", x0 - 4, y + 4,
          LoadtestCommand.fmt(v)));
    }
    int groups = Math.max(1, rows.size());
    double groupW = (double) PANEL_W / groups;
    double barW = groupW * 0.8 / series.length;
    for (int i = 0; i < rows.size(); i++) {
      LoadtestCommand.Row r = rows.get(i);
      double[] vals = throughput ? new double[] {r.throughput()} : new double[] {r.p50(), r.p90(), r.p99()};
      for (int s = 0; s < vals.length; s++) {
        double h = PANEL_H * vals[s] / top;
        double x = x0 + i * groupW + groupW * 0.1 + s * barW;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
            + "<title>%s %s: %s</title></rect>%n", x, TOP + PANEL_H - h, barW * 0.95, h, COLORS[s % COLORS.length],
            esc(r.label()), series[s], LoadtestCommand.fmt(vals[s])));
        sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%s"
            + "</text>%n", x + barW / 2, TOP + PANEL_H - h - 3, LoadtestCommand.fmt(vals[s])));
      }
      sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
          x0 + i * groupW + groupW / 2, TOP + PANEL_H + 16, i + 1));
    }
    if (!throughput) {
      for (int s = 0; s < series.length; s++) {
        int lx = x0 + PANEL_W - 150 + 50 * s;
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
            + "<text x=\"%d\" y=\"%d\">%s</text>%n", lx, TOP - 12, COLORS[s], lx + 14, TOP - 3, series[s]));
      }
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
