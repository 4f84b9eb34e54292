package org.rnn4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A small self-contained SVG line chart (loss curves and the like): axes, ticks, legend. */
final class LineChartSvg {
  record Series(String name, String color, List<double[]> points) {
  }

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<Series> series = new ArrayList<>();
  private String[] categories;

  LineChartSvg(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  LineChartSvg add(String name, String color, List<double[]> points) {
    series.add(new Series(name, color, points));
    return this;
  }

  /**
   * Labels the x axis with these names at x = 0, 1, 2, … instead of numbers (the symbols of a
   * sequence a neuron reads).
   */
  LineChartSvg categories(String[] names) {
    this.categories = names.clone();
    return this;
  }

  String render() {
    int w = 720;
    int h = 420;
    int left = 70;
    int right = 20;
    int top = 40;
    int bottom = 55;
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (Series s : series) {
      for (double[] p : s.points()) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    if (minX > maxX) {
      minX = 0;
      maxX = 1;
      minY = 0;
      maxY = 1;
    }
    if (maxX == minX) {
      maxX = minX + 1;
    }
    minY = Math.min(0, minY);
    if (maxY <= minY) {
      maxY = minY + 1;
    }
    double pw = w - left - right;
    double ph = h - top - bottom;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", w, h, w, h));
    svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", w, h));
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
        left, esc(title)));
    for (int i = 0; i <= 5; i++) {
      double v = minY + (maxY - minY) * i / 5;
      double y = top + ph - ph * i / 5;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left, left + pw, y, y, left - 6, y + 4,
          tick(v)));
      if (categories == null) {
        double xv = minX + (maxX - minX) * i / 5;
        double x = left + pw * i / 5;
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>%n", x,
            top + ph + 18, tick(xv)));
      }
    }
    if (categories != null) {
      for (int i = 0; i < categories.length; i++) {
        if (i < minX || i > maxX) {
          continue;
        }
        double x = left + pw * (i - minX) / (maxX - minX);
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
            + "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-family=\"monospace\">%s</text>%n", x, x, top,
            top + ph, x, top + ph + 18, esc(categories[i])));
      }
    }
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
        + "stroke=\"#333\"/>%n", left, top, pw, ph));
    svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
        left + pw / 2, h - 12, esc(xLabel)));
    svg.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" "
        + "transform=\"rotate(-90 16 %.1f)\">%s</text>%n", top + ph / 2, top + ph / 2, esc(yLabel)));
    int legendY = top + 16;
    for (Series s : series) {
      StringBuilder pts = new StringBuilder();
      for (double[] p : s.points()) {
        double x = left + pw * (p[0] - minX) / (maxX - minX);
        double y = top + ph - ph * (p[1] - minY) / (maxY - minY);
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
          + "points=\"%s\"/>%n", s.color(), pts.toString().trim()));
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
          + "stroke-width=\"3\"/><text x=\"%.1f\" y=\"%d\">%s</text>%n", left + pw - 150, left + pw - 130, legendY,
          legendY, s.color(), left + pw - 124, legendY + 4, esc(s.name())));
      legendY += 18;
    }
    return svg.append("</svg>\n").toString();
  }

  /** Writes the chart atomically. */
  void write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, render(), StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String tick(double v) {
    return Math.abs(v) >= 1000 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
