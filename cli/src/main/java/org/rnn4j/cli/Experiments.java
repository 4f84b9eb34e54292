package org.rnn4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.rnn4j.ActivationTrace;
import org.rnn4j.spi.Backend;

/**
 * The probing experiments of {@code rnn4j experiment}: small LSTMs trained on symbol languages
 * (after Edwin Chen's "Exploring LSTMs"), evaluated by greedy generation, and the neurons that
 * explain them found in {@link org.rnn4j.Model#trace} and drawn (neuron-viewer pages and SVG plots).
 */
final class Experiments {
  private Experiments() {
  }

  static final List<String> NAMES = List.of("counting", "selective-counting", "ab-memory", "copy");

  /** What a run is asked for; {@code steps} 0 means the experiment's default. */
  record Settings(long seed, long steps, Path out, Backend backend, PrintWriter log, boolean terminal) {
  }

  /** What a run produced: the report (also in results.txt) and the files written. */
  record Outcome(String report, List<Path> files) {
  }

  static Outcome run(String name, Settings s) throws IOException {
    Files.createDirectories(s.out());
    try (Run r = new Run(s)) {
      switch (name) {
        case "counting" -> counting(r);
        case "selective-counting" -> selectiveCounting(r);
        case "ab-memory" -> abMemory(r);
        case "copy" -> copy(r);
        default -> throw new IllegalArgumentException("unknown experiment '" + name + "'; choose one of "
            + String.join(", ", NAMES));
      }
      return finish(r, s);
    }
  }

  private static Outcome finish(Run r, Settings s) throws IOException {
    Path results = s.out().resolve("results.txt");
    Files.writeString(results, r.report.toString(), StandardCharsets.UTF_8);
    r.files.add(0, results);
    return new Outcome(r.report.toString(), r.files);
  }

  /** The state of one run: settings, its random stream, the report, the files so far, the models to close. */
  private static final class Run implements AutoCloseable {
    final Settings s;
    private final List<SymbolModel> models = new ArrayList<>();
    final SplittableRandom data;
    final StringBuilder report = new StringBuilder();
    final List<Path> files = new ArrayList<>();

    Run(Settings s) {
      this.s = s;
      this.data = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + 12345);
    }

    /** Keeps {@code m} open until the run ends (its trainer holds pools and, on blas, off-heap memory). */
    SymbolModel own(SymbolModel m) {
      models.add(m);
      return m;
    }

    @Override
    public void close() {
      models.forEach(SymbolModel::close);
    }

    long steps(long dflt) {
      return s.steps() > 0 ? s.steps() : dflt;
    }

    void line(String format, Object... args) {
      report.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    Path file(String name) {
      Path p = s.out().resolve(name);
      files.add(p);
      return p;
    }
  }

  // ------------------------------------------------------------------ training

  private static final int BATCH = 32;

  private static void train(Run r, String title, SymbolModel m, long steps, Supplier<SymbolTasks.Example> example)
      throws IOException {
    PrintWriter pw = r.s.log();
    pw.printf("%s: %s on %s, %d steps of %d sequences, seed %d%n", title, m.spec(), r.s.backend().name(), steps,
        BATCH, r.s.seed());
    pw.flush();
    Progress progress = new Progress(pw, r.s.terminal(), steps, 10);
    List<double[]> curve = new ArrayList<>();
    double ewma = Double.NaN;
    for (long step = 0; step < steps; step++) {
      List<SymbolTasks.Example> batch = new ArrayList<>(BATCH);
      for (int i = 0; i < BATCH; i++) {
        batch.add(example.get());
      }
      double loss = m.step(batch);
      ewma = Double.isNaN(ewma) ? loss : 0.95 * ewma + 0.05 * loss;
      curve.add(new double[] {step + 1, ewma});
      progress.update(step + 1, String.format(Locale.ROOT, "step %d  loss %.4f nats/symbol  %.0f steps/s", step + 1,
          ewma, (step + 1) / progress.elapsedSeconds()), false);
    }
    progress.finishLine();
    r.line("%s: %s, seed %d, %d steps of %d sequences (Adam, masked next-symbol loss); final loss %.4f nats per "
        + "counted symbol; %s on %s", title, m.spec(), r.s.seed(), steps, BATCH, ewma,
        Progress.duration(progress.elapsedSeconds()), r.s.backend().name());
    new LineChartSvg("rnn4j experiment " + title + ": training loss (running mean)", "step", "nats per symbol")
        .add("train", "#1f77b4", curve).write(r.file("loss.svg"));
  }

  // ------------------------------------------------------------------ counting

  private static void counting(Run r) throws IOException {
    SymbolModel m = r.own(new SymbolModel(SymbolTasks.COUNTING, 10, 1, r.s.seed(), 0.01, r.steps(4000) / 2,
        r.s.backend()));
    train(r, "counting", m, r.steps(4000), () -> SymbolTasks.counting(1 + r.data.nextInt(10)));

    // The counting neuron: the unit whose cell state correlates most with (a's read − b's read).
    List<SymbolTasks.Example> seen = new ArrayList<>();
    for (int n = 1; n <= 10; n++) {
      seen.add(SymbolTasks.counting(n));
    }
    double[] corr = counterCorrelation(m, seen, 0, "");
    int unit = argmaxAbs(corr);

    List<SymbolTasks.CountCase> cases;
    try (SymbolModel.Predictor p = m.predictor()) {
      cases = SymbolTasks.evaluateCounting(p, 25);
    }
    r.line("");
    r.line("greedy generation after the prompt a^n X (trained on n = 1..10); correct = exactly n b's, then $");
    r.line("%4s  %-14s  %-7s  %s", "n", "generated", "correct", "cell[" + unit + "] at X");
    for (SymbolTasks.CountCase c : cases) {
      ActivationTrace tr = m.trace(SymbolTasks.counting(c.n()).prompt());
      float cell = value(tr, 0, "cell", c.n(), unit);
      r.line("%4d  %-14s  %-7s  %+.3f", c.n(), SymbolTasks.compact(c.generated()), c.correct() ? "yes" : "NO", cell);
    }
    int upTo = SymbolTasks.generalisesTo(cases);
    long right = cases.stream().filter(SymbolTasks.CountCase::correct).count();
    r.line("generalises to n = %d (every n from 1 to %d correct; %d of 25 correct in all); the seed's model: 18",
        upTo, upTo, right);
    r.line("");
    r.line("counting neuron: unit %d, correlation of its cell state with (a's read - b's read) over n = 1..10: %+.3f",
        unit, corr[unit]);
    r.line("all units: %s", formatUnits(corr));
    // How evenly it counts: the cell's mean change per a and per b in the middle of a^25 X b^25.
    ActivationTrace long25 = m.trace(inputs(SymbolTasks.counting(25)));
    double up = (value(long25, 0, "cell", 20, unit) - value(long25, 0, "cell", 4, unit)) / 16;
    double down = (value(long25, 0, "cell", 26 + 20, unit) - value(long25, 0, "cell", 26 + 4, unit)) / 16;
    r.line("its cell changes by %+.3f per a and %+.3f per b (a^25 X b^25, steps 5..21 of each run): a mismatch of "
        + "%.3f per symbol, which adds up over long counts", up, down, Math.abs(up + down));
    for (int n : new int[] {5, 10, 15, 20}) {
      SymbolTasks.Example e = SymbolTasks.counting(n);
      neuronChart(r, m, inputs(e), 0, unit, List.of("cell", "hidden"), "neuron-" + unit + "-n" + n + ".svg",
          "counting neuron " + unit + " reading a^" + n + " X b^" + n);
    }
    for (int n : new int[] {10, 20}) {
      neuronPage(r, m, inputs(SymbolTasks.counting(n)), 0, "cell", unit, "neurons-n" + n + ".html");
    }
  }

  // ------------------------------------------------------------------ selective counting

  private static SymbolTasks.Example selective(SplittableRandom rnd, int n, int maxXs) {
    return SymbolTasks.selectiveCounting(n, rnd.nextInt(maxXs + 1), rnd);
  }

  private static void selectiveCounting(Run r) throws IOException {
    SymbolModel m = r.own(new SymbolModel(SymbolTasks.SELECTIVE, 10, 1, r.s.seed(), 0.01, r.steps(4000) / 2,
        r.s.backend()));
    train(r, "selective-counting", m, r.steps(4000), () -> selective(r.data, 1 + r.data.nextInt(10), 5));

    SplittableRandom test = new SplittableRandom(r.s.seed() + 777);
    r.line("");
    r.line("greedy generation after a prompt of n a's with X's among them, then Y (trained on n = 1..10, 0-5 X's);");
    r.line("correct = exactly n b's, then $; 20 random prompts per cell");
    r.line("%4s  %-10s  %-10s  %s", "n", "0-5 X's", "10 X's", "example");
    int upTo = 0;
    int upToMany = 0;
    try (SymbolModel.Predictor p = m.predictor()) {
      for (int n = 1; n <= 20; n++) {
        int few = 0;
        int many = 0;
        for (int i = 0; i < 20; i++) {
          few += solvesSelective(p, selective(test, n, 5)) ? 1 : 0;
          many += solvesSelective(p, SymbolTasks.selectiveCounting(n, 10, test)) ? 1 : 0;
        }
        SymbolTasks.Example ex = selective(test, n, 5);
        r.line("%4d  %-10s  %-10s  %s -> %s", n, few + "/20", many + "/20",
            SymbolTasks.decode(SymbolTasks.SELECTIVE, ex.prompt()), SymbolTasks.compact(SymbolTasks.decode(
                SymbolTasks.SELECTIVE, SymbolTasks.greedy(p, ex.prompt(), SymbolTasks.SELECTIVE.indexOf('$'),
                    n + 5))));
        upTo = few == 20 && upTo == n - 1 ? n : upTo;
        upToMany = many == 20 && upToMany == n - 1 ? n : upToMany;
      }
    }
    r.line("every prompt correct for n = 1..%d with 0-5 X's (as trained); with 10 X's: %s", upTo,
        upToMany == 0 ? "fails already at n = 1" : "n = 1.." + upToMany);

    // Neurons: the cell that counts a's, and input gates on a vs X.
    List<SymbolTasks.Example> seen = new ArrayList<>();
    SplittableRandom probe = new SplittableRandom(r.s.seed() + 99);
    for (int i = 0; i < 60; i++) {
      seen.add(selective(probe, 1 + probe.nextInt(10), 5));
    }
    double[] corr = counterCorrelation(m, seen, 0, "X");
    int units = m.spec().hiddenSize();
    double[][] gate = new double[units][3]; // mean input gate on a, X, b
    double[][] write = new double[units][3]; // mean input gate × candidate: what is added to the cell
    int[][] count = new int[units][3];
    for (SymbolTasks.Example e : seen) {
      int[] in = inputs(e);
      ActivationTrace tr = m.trace(in);
      for (int t = 0; t < in.length; t++) {
        int k = "aXb".indexOf(SymbolTasks.SELECTIVE.charAt(in[t]));
        if (k < 0) {
          continue;
        }
        for (int u = 0; u < units; u++) {
          gate[u][k] += value(tr, 0, "input", t, u);
          write[u][k] += value(tr, 0, "input", t, u) * value(tr, 0, "candidate", t, u);
          count[u][k]++;
        }
      }
    }
    r.line("");
    r.line("units: correlation of the cell state with the a's counted so far (minus b's read); mean input gate i "
        + "and mean write i*g (input gate x candidate, what is added to the cell) on a, X, b");
    r.line("%4s  %8s  %8s  %8s  %8s  %8s  %8s  %8s", "unit", "corr", "i on a", "i on X", "i on b", "i*g a",
        "i*g X", "i*g b");
    int gateUnit = 0;
    for (int u = 0; u < units; u++) {
      for (int k = 0; k < 3; k++) {
        gate[u][k] /= Math.max(1, count[u][k]);
        write[u][k] /= Math.max(1, count[u][k]);
      }
      r.line("%4d  %+8.3f  %8.3f  %8.3f  %8.3f  %+8.3f  %+8.3f  %+8.3f", u, corr[u], gate[u][0], gate[u][1],
          gate[u][2], write[u][0], write[u][1], write[u][2]);
      if (gate[u][0] - gate[u][1] > gate[gateUnit][0] - gate[gateUnit][1]) {
        gateUnit = u;
      }
    }
    int unit = argmaxAbs(corr);
    r.line("counting unit: %d (corr %+.3f); input gate %.3f on a, %.3f on X; it writes %+.3f per a, %+.3f per X",
        unit, corr[unit], gate[unit][0], gate[unit][1], write[unit][0], write[unit][1]);
    r.line("input gate closing most on X: unit %d (corr %+.3f); input gate %.3f on a, %.3f on X; writes %+.3f per a, "
        + "%+.3f per X", gateUnit, corr[gateUnit], gate[gateUnit][0], gate[gateUnit][1], write[gateUnit][0],
        write[gateUnit][1]);
    SymbolTasks.Example a = new SymbolTasks.Example(SymbolTasks.encode(SymbolTasks.SELECTIVE, "aaXaXaaYbbbbb$"), 7);
    SymbolTasks.Example b = new SymbolTasks.Example(
        SymbolTasks.encode(SymbolTasks.SELECTIVE, "XaXXaaXaXXXaaXaYbbbbbbb$"), 15);
    for (int u : unit == gateUnit ? new int[] {unit} : new int[] {unit, gateUnit}) {
      neuronChart(r, m, inputs(a), 0, u, List.of("cell", "hidden", "input", "candidate"),
          "neuron-" + u + "-aaXaXaaY.svg", "selective counting: unit " + u + " reading aaXaXaaYbbbbb");
      neuronChart(r, m, inputs(b), 0, u, List.of("cell", "hidden", "input", "candidate"),
          "neuron-" + u + "-long.svg", "selective counting: unit " + u + " reading XaXXaaXaXXXaaXaYbbbbbbb");
    }
    neuronPage(r, m, inputs(b), 0, "input", gateUnit, "neurons.html");
  }

  private static boolean solvesSelective(SymbolModel.Predictor p, SymbolTasks.Example e) {
    return SymbolTasks.solves(p, e, SymbolTasks.SELECTIVE.indexOf('$'), 5);
  }

  // ------------------------------------------------------------------ A/B memory

  private static void abMemory(Run r) throws IOException {
    SymbolModel m = r.own(new SymbolModel(SymbolTasks.AB_MEMORY, 10, 1, r.s.seed(), 0.01, r.steps(1500) / 2,
        r.s.backend()));
    train(r, "ab-memory", m, r.steps(1500), () -> SymbolTasks.abMemory(r.data.nextBoolean(), 1 + r.data.nextInt(10)));
    int end = SymbolTasks.AB_MEMORY.indexOf('$');
    r.line("");
    r.line("greedy generation after A x^k Y and B x^k Y (trained on k = 1..10; tested on k = 1..100, shown: "
        + "1..12, every 10th and the first failure); correct = a$ / b$");
    r.line("%4s  %-8s  %-8s", "k", "A...Y", "B...Y");
    int upTo = 0;
    boolean broken = false;
    try (SymbolModel.Predictor p = m.predictor()) {
      for (int k = 1; k <= 100; k++) {
        SymbolTasks.Example ea = SymbolTasks.abMemory(true, k);
        SymbolTasks.Example eb = SymbolTasks.abMemory(false, k);
        String ga = SymbolTasks.decode(SymbolTasks.AB_MEMORY, SymbolTasks.greedy(p, ea.prompt(), end, 4));
        String gb = SymbolTasks.decode(SymbolTasks.AB_MEMORY, SymbolTasks.greedy(p, eb.prompt(), end, 4));
        boolean ok = ga.equals("a$") && gb.equals("b$");
        boolean firstFailure = !ok && !broken;
        if (k <= 12 || k % 10 == 0 || firstFailure) {
          r.line("%4d  %-8s  %-8s", k, ga + (ga.equals("a$") ? "" : " NO"), gb + (gb.equals("b$") ? "" : " NO"));
        }
        broken |= !ok;
        upTo = broken ? upTo : k;
      }
    }
    r.line("remembers A vs B across every k up to %d x's (of 100 tested)", upTo);

    // Memory neurons: the mean cell-state difference (A run − B run) over the x's, k = 1..10.
    int units = m.spec().hiddenSize();
    double[] diff = new double[units];
    int n = 0;
    for (int k = 1; k <= 10; k++) {
      ActivationTrace ta = m.trace(inputs(SymbolTasks.abMemory(true, k)));
      ActivationTrace tb = m.trace(inputs(SymbolTasks.abMemory(false, k)));
      for (int t = 1; t <= k; t++) {
        for (int u = 0; u < units; u++) {
          diff[u] += value(ta, 0, "cell", t, u) - value(tb, 0, "cell", t, u);
        }
        n++;
      }
    }
    for (int u = 0; u < units; u++) {
      diff[u] /= n;
    }
    Integer[] order = byAbs(diff);
    r.line("");
    r.line("mean cell-state difference (after A) - (after B) over the x's, k = 1..10, largest first:");
    r.line("%s", formatUnits(diff, order));
    String[] names = {"A", "B"};
    for (int i = 0; i < 2; i++) {
      int unit = order[i];
      Map<String, double[]> lines = new LinkedHashMap<>();
      String[] labels = null;
      for (boolean first : new boolean[] {true, false}) {
        int[] in = inputs(SymbolTasks.abMemory(first, 12));
        ActivationTrace tr = m.trace(in);
        String who = first ? names[0] : names[1];
        lines.put("cell after " + who, column(tr, 0, "cell", unit));
        lines.put("hidden after " + who, column(tr, 0, "hidden", unit));
        labels = symbols(SymbolTasks.AB_MEMORY, in);
        labels[0] = "A/B";
        labels[labels.length - 1] = "a/b";
      }
      chart(r, "neuron-" + unit + ".svg", "A/B memory: unit " + unit + " reading A/B x^12 Y a/b", labels, lines);
    }
    neuronPage(r, m, inputs(SymbolTasks.abMemory(true, 12)), 0, "cell", order[0], "neurons-A.html");
    neuronPage(r, m, inputs(SymbolTasks.abMemory(false, 12)), 0, "cell", order[0], "neurons-B.html");
  }

  // ------------------------------------------------------------------ copy

  private static void copy(Run r) throws IOException {
    SymbolModel m = r.own(new SymbolModel(SymbolTasks.COPY, 24, 2, r.s.seed(), 0.01, r.steps(4000) / 2,
        r.s.backend()));
    train(r, "copy", m, r.steps(4000), () -> SymbolTasks.copy(SymbolTasks.randomWord(1 + r.data.nextInt(6), r.data)));
    int end = SymbolTasks.COPY.indexOf('$');
    SplittableRandom test = new SplittableRandom(r.s.seed() + 555);
    r.line("");
    r.line("exact-copy accuracy by length of the word before X (trained on lengths 1..6, letters a/b/c):");
    r.line("greedy generation after wX must give w$; every word where there are at most 100, else 100 random ones");
    r.line("%6s  %-12s  %s", "length", "exact copies", "example");
    try (SymbolModel.Predictor p = m.predictor()) {
      for (int len = 1; len <= 9; len++) {
        List<String> words = new ArrayList<>();
        if (Math.pow(3, len) <= 100) {
          for (int i = 0; i < Math.pow(3, len); i++) {
            StringBuilder w = new StringBuilder();
            for (int j = 0, v = i; j < len; j++, v /= 3) {
              w.append("abc".charAt(v % 3));
            }
            words.add(w.toString());
          }
        } else {
          for (int i = 0; i < 100; i++) {
            words.add(SymbolTasks.randomWord(len, test));
          }
        }
        int ok = 0;
        for (String w : words) {
          ok += SymbolTasks.solves(p, SymbolTasks.copy(w), end, 3) ? 1 : 0;
        }
        SymbolTasks.Example ex = SymbolTasks.copy(words.get(words.size() / 2));
        r.line("%6d  %-12s  %s -> %s", len, String.format(Locale.ROOT, "%d/%d %3.0f%%", ok, words.size(),
            100.0 * ok / words.size()), SymbolTasks.decode(SymbolTasks.COPY, ex.prompt()),
            SymbolTasks.decode(SymbolTasks.COPY, SymbolTasks.greedy(p, ex.prompt(), end, len + 3)));
      }
    }
    // Neurons: per layer, the unit whose cell follows (letters read − letters written), i.e. what is left to copy.
    List<SymbolTasks.Example> seen = new ArrayList<>();
    SplittableRandom probe = new SplittableRandom(r.s.seed() + 3);
    for (int i = 0; i < 60; i++) {
      seen.add(SymbolTasks.copy(SymbolTasks.randomWord(1 + probe.nextInt(6), probe)));
    }
    SymbolTasks.Example shown = SymbolTasks.copy("abcabc");
    r.line("");
    for (int layer = 0; layer < 2; layer++) {
      double[] corr = counterCorrelation(m, seen, layer, "");
      int unit = argmaxAbs(corr);
      r.line("layer %d: cell-state correlation with the letters still to copy (read - written): best unit %d "
          + "(%+.3f); all: %s", layer, unit, corr[unit], formatUnits(corr));
      neuronChart(r, m, inputs(shown), layer, unit, List.of("cell", "hidden"), "neuron-l" + layer + "-" + unit
          + ".svg", "copy: layer " + layer + " unit " + unit + " reading abcabcXabcabc");
      if (layer == 0) {
        neuronPage(r, m, inputs(shown), 0, "cell", unit, "neurons.html");
      }
    }
  }

  // ------------------------------------------------------------------ neuron analysis

  /** The inputs the model reads for an example: all its symbols but the final end symbol. */
  static int[] inputs(SymbolTasks.Example e) {
    return Arrays.copyOf(e.symbols(), e.symbols().length - 1);
  }

  /**
   * The counter a counting unit would hold after each input: +1 per symbol before the trigger
   * (except those in {@code ignored}), 0 at the trigger, −1 per symbol after it.
   */
  static double[] counter(SymbolTasks.Example e, String alphabet, String ignored) {
    int[] in = inputs(e);
    double[] c = new double[in.length];
    double v = 0;
    for (int t = 0; t < in.length; t++) {
      if (t < e.from()) {
        v += ignored.indexOf(alphabet.charAt(in[t])) >= 0 ? 0 : 1;
      } else if (t > e.from()) {
        v -= 1;
      }
      c[t] = v;
    }
    return c;
  }

  /** Per unit of {@code layer}, Pearson's correlation between its cell state and {@link #counter} over the examples. */
  private static double[] counterCorrelation(SymbolModel m, List<SymbolTasks.Example> examples, int layer,
      String ignored) {
    int units = m.spec().hiddenSize();
    List<Double> target = new ArrayList<>();
    List<double[]> cells = new ArrayList<>();
    for (SymbolTasks.Example e : examples) {
      double[] c = counter(e, m.alphabet(), ignored);
      ActivationTrace tr = m.trace(inputs(e));
      for (int t = 0; t < c.length; t++) {
        target.add(c[t]);
        double[] row = new double[units];
        for (int u = 0; u < units; u++) {
          row[u] = value(tr, layer, "cell", t, u);
        }
        cells.add(row);
      }
    }
    double[] y = target.stream().mapToDouble(Double::doubleValue).toArray();
    double[] out = new double[units];
    for (int u = 0; u < units; u++) {
      double[] x = new double[y.length];
      for (int i = 0; i < y.length; i++) {
        x[i] = cells.get(i)[u];
      }
      out[u] = pearson(x, y);
    }
    return out;
  }

  static double pearson(double[] x, double[] y) {
    int n = x.length;
    double mx = Arrays.stream(x).average().orElse(0);
    double my = Arrays.stream(y).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? 0 : sxy / Math.sqrt(sxx * syy);
  }

  static int argmaxAbs(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (Math.abs(v[i]) > Math.abs(v[best])) {
        best = i;
      }
    }
    return best;
  }

  private static Integer[] byAbs(double[] v) {
    Integer[] order = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(Math.abs(v[b]), Math.abs(v[a])));
    return order;
  }

  private static String formatUnits(double[] v) {
    Integer[] order = new Integer[v.length];
    for (int i = 0; i < v.length; i++) {
      order[i] = i;
    }
    return formatUnits(v, order);
  }

  private static String formatUnits(double[] v, Integer[] order) {
    StringBuilder b = new StringBuilder();
    for (int u : order) {
      b.append(b.length() == 0 ? "" : "  ").append(String.format(Locale.ROOT, "%d:%+.2f", u, v[u]));
    }
    return b.toString();
  }

  private static ActivationTrace.Slot slot(ActivationTrace tr, int layer) {
    return tr.slots().stream().filter(s -> s.layer() == layer && s.direction() == 0).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no layer " + layer + " in the trace"));
  }

  private static float value(ActivationTrace tr, int layer, String series, int step, int unit) {
    ActivationTrace.Slot s = slot(tr, layer);
    return s.series().get(series)[step * s.units() + unit];
  }

  private static double[] column(ActivationTrace tr, int layer, String series, int unit) {
    double[] out = new double[tr.steps()];
    for (int t = 0; t < out.length; t++) {
      out[t] = value(tr, layer, series, t, unit);
    }
    return out;
  }

  private static String[] symbols(String alphabet, int[] in) {
    String[] out = new String[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = String.valueOf(alphabet.charAt(in[i]));
    }
    return out;
  }

  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

  /** An SVG of one unit's series (cell, hidden, gates) while the model reads {@code in}. */
  private static void neuronChart(Run r, SymbolModel m, int[] in, int layer, int unit, List<String> series,
      String file, String title) throws IOException {
    ActivationTrace tr = m.trace(in);
    Map<String, double[]> lines = new LinkedHashMap<>();
    for (String s : series) {
      lines.put(s.equals("input") ? "input gate" : s.equals("candidate") ? "candidate g" : s + " state",
          column(tr, layer, s, unit));
    }
    chart(r, file, title, symbols(m.alphabet(), in), lines);
  }

  private static void chart(Run r, String file, String title, String[] labels, Map<String, double[]> lines)
      throws IOException {
    LineChartSvg c = new LineChartSvg(title, "symbol read", "value").categories(labels);
    int i = 0;
    for (Map.Entry<String, double[]> e : lines.entrySet()) {
      List<double[]> pts = new ArrayList<>();
      for (int t = 0; t < e.getValue().length; t++) {
        pts.add(new double[] {t, e.getValue()[t]});
      }
      c.add(e.getKey(), COLORS[i++ % COLORS.length], pts);
    }
    c.write(r.file(file));
  }

  /** A neuron-viewer page of every unit while the model reads {@code in}, opened at one unit. */
  private static void neuronPage(Run r, SymbolModel m, int[] in, int layer, String series, int unit, String file)
      throws IOException {
    ActivationTrace tr = m.trace(in);
    String text = SymbolTasks.decode(m.alphabet(), in);
    String html = NeuronPage.render("rnn4j experiment: " + text, text.codePoints().toArray(), tr, layer, series,
        unit);
    Files.writeString(r.file(file), html, StandardCharsets.UTF_8);
  }
}
