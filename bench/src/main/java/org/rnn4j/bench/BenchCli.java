package org.rnn4j.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.rnn4j.CellType;
import org.rnn4j.ModelWeights;
import org.rnn4j.backend.BackendRegistry;

/**
 * {@code rnn4j bench}: a quick comparison of the rnn4j backends, ONNX Runtime and the newcomer's
 * loops on one configuration (or, with {@code --full}, the standard matrix), same weights, input
 * and threads; each checked against the scalar backend before it is timed. Prints a table
 * (the auto-selected backend marked), progress while it runs, and optionally CSV, JSON and an SVG
 * bar chart. Not JMH: a warm-up of at least {@code --warmup} seconds, then the median of calls over
 * {@code --seconds}; the JMH suite ({@link RnnBenchmark}) is the careful measurement.
 *
 * <p>Lives in the bench module (whose jar carries ONNX Runtime) so that the CLI jar never does;
 * {@code ./rnn4j bench} builds and runs it. Without ONNX Runtime its row says why.
 */
public final class BenchCli {
  static final String USAGE = """
      usage: rnn4j bench [options]
        --cell lstm|gru|gru_reset_before|rnn_tanh|rnn_relu   (default lstm)
        --input N --hidden N --steps N --batch N          (default 512 512 50 1)
        --layers N --bidirectional                        (default 1 layer, one direction)
        --threads N        threads of every implementation (default 1)
        --impl a,b,...     of scalar,simd,blas,native,ort,newcomer (default all); an rnn4j
                           backend may be named NAME/bf16 (bf16 weights)
        --precision LIST   fp32, bf16 or fp32,bf16: the rnn4j backends in each (default fp32;
                           ORT and newcomer run fp32 only)
        --interleave       measure the implementations in alternating rounds (1 untimed + 3 timed
                           calls each per round) instead of one after the other: ratios that hold
                           up on a shared, noisy machine
        --warmup S         warm-up seconds per implementation (default 3; the Vector API
                           code needs ~2-3 s of JIT before it is fast)
        --seconds S        measuring seconds per implementation (default 2)
        --full             the standard matrix (bench/RESULTS.md) instead of one configuration
        --csv FILE  --json FILE  --plot FILE.svg
      """;

  /** One row of the table. */
  record Row(String config, String impl, boolean auto, String status, double ms, double gflops, double seqPerS,
      double maxDiff, int calls) {
    boolean ok() {
      return status.equals("ok");
    }
  }

  private final PrintStream out;
  private final PrintStream err;
  private final boolean terminal;

  BenchCli(PrintStream out, PrintStream err, boolean terminal) {
    this.out = out;
    this.err = err;
    this.terminal = terminal;
  }

  public static void main(String[] args) {
    // The registry logs its choice at INFO; the table shows it. RNN4J_LOG=INFO shows the log again.
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    java.util.logging.Level level = java.util.logging.Level.parse(System.getenv().getOrDefault("RNN4J_LOG", "WARNING"));
    root.setLevel(level);
    for (java.util.logging.Handler h : root.getHandlers()) {
      h.setLevel(level);
    }
    System.exit(new BenchCli(System.out, System.err, System.console() != null && System.getenv("CI") == null)
        .run(args));
  }

  int run(String[] args) {
    String cell = "lstm";
    int input = 512;
    int hidden = 512;
    int steps = 50;
    int batch = 1;
    int layers = 1;
    boolean bi = false;
    int threads = 1;
    List<String> impls = Runners.ALL;
    List<String> precisions = List.of("fp32");
    boolean interleave = false;
    double warmup = 3.0;
    double seconds = 2.0;
    boolean full = false;
    Path csv = null;
    Path json = null;
    Path plot = null;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "-h", "--help" -> {
            out.print(USAGE);
            return 0;
          }
          case "--cell" -> cell = value(args, ++i, a);
          case "--input" -> input = Integer.parseInt(value(args, ++i, a));
          case "--hidden" -> hidden = Integer.parseInt(value(args, ++i, a));
          case "--steps" -> steps = Integer.parseInt(value(args, ++i, a));
          case "--batch" -> batch = Integer.parseInt(value(args, ++i, a));
          case "--layers" -> layers = Integer.parseInt(value(args, ++i, a));
          case "--bidirectional" -> bi = true;
          case "--threads" -> threads = Integer.parseInt(value(args, ++i, a));
          case "--impl" -> impls = List.of(value(args, ++i, a).split(","));
          case "--precision" -> precisions = List.of(value(args, ++i, a).split(","));
          case "--interleave" -> interleave = true;
          case "--warmup" -> warmup = Double.parseDouble(value(args, ++i, a));
          case "--seconds" -> seconds = Double.parseDouble(value(args, ++i, a));
          case "--full" -> full = true;
          case "--csv" -> csv = Path.of(value(args, ++i, a));
          case "--json" -> json = Path.of(value(args, ++i, a));
          case "--plot" -> plot = Path.of(value(args, ++i, a));
          default -> throw new IllegalArgumentException("unknown option '" + a + "'");
        }
      }
      for (String impl : impls) {
        if (!Runners.known(impl)) {
          throw new IllegalArgumentException("unknown implementation '" + impl + "'; known: "
              + String.join(",", Runners.ALL) + " (rnn4j backends also as NAME/bf16)");
        }
      }
      // Every rnn4j backend in every listed precision (simd, simd/bf16, …); ORT and newcomer in fp32 only.
      List<String> expanded = new ArrayList<>();
      for (String impl : impls) {
        for (String p : precisions) {
          String named = Runners.isRnn4j(Runners.base(impl)) ? Runners.withPrecision(impl, p) : impl;
          if (!expanded.contains(named)) {
            expanded.add(named);
          }
        }
      }
      impls = expanded;
      if (threads < 1) {
        throw new IllegalArgumentException("--threads must be ≥ 1");
      }
      List<BenchConfig> configs = new ArrayList<>();
      if (full) {
        BenchConfig.STANDARD.forEach(c -> configs.add(BenchConfig.parse(c)));
      } else {
        configs.add(new BenchConfig(CellType.fromId(cell), input, hidden, layers, bi, steps, batch));
      }
      Runners.applyThreads(threads); // before the registry creates any backend
      this.interleave = interleave;
      List<Row> rows = measure(configs, impls, threads, warmup, seconds);
      if (csv != null) {
        Files.writeString(csv, csv(rows, threads), StandardCharsets.UTF_8);
        out.println("wrote " + csv);
      }
      if (json != null) {
        Files.writeString(json, json(rows, threads), StandardCharsets.UTF_8);
        out.println("wrote " + json);
      }
      if (plot != null) {
        Files.writeString(plot, BarChartSvg.render(rows, "rnn4j bench, " + threads + " thread(s), "
            + shortMachine()), StandardCharsets.UTF_8);
        out.println("wrote " + plot);
      }
      return rows.stream().anyMatch(r -> r.status().startsWith("FAILED")) ? 1 : 0;
    } catch (IllegalArgumentException e) {
      err.println("rnn4j bench: " + e.getMessage());
      err.print(USAGE);
      return 2;
    } catch (IOException e) {
      err.println("rnn4j bench: " + e);
      return 1;
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  private List<Row> measure(List<BenchConfig> configs, List<String> impls, int threads, double warmup,
      double seconds) {
    String auto;
    try {
      BackendRegistry.Selection s = BackendRegistry.getDefault().selection();
      auto = s.backend().name();
      out.println("auto-selected backend: " + auto + " (" + s.why() + ")");
    } catch (RuntimeException e) {
      auto = "";
      out.println("auto-selection failed: " + e.getMessage());
    }
    out.printf("threads: %d (rnn4j.threads, rnn4j.simd.threads, rnn4j.blas.threads, ORT intra-op); Java %s; %s%n",
        threads, System.getProperty("java.version"), shortMachine());
    for (String impl : impls) {
      // What bf16 means on each backend asked for in bf16 (widening or AMX, activations rounded or not).
      if (impl.endsWith("/bf16")) {
        String name = impl.substring(0, impl.length() - "/bf16".length());
        try {
          out.println(impl + ": " + BackendRegistry.getDefault().get(name).kernels().bf16Kernels());
        } catch (RuntimeException e) {
          out.println(impl + ": " + e.getMessage());
        }
      }
    }
    List<Row> all = new ArrayList<>();
    int total = configs.size() * impls.size();
    int done = 0;
    for (BenchConfig c : configs) {
      out.printf("%n%s: %.3f GFLOP per call%n", c.label(), c.flopsPerCall() / 1e9);
      ModelWeights w = c.weights();
      float[] x = c.inputData();
      List<Row> rows = new ArrayList<>();
      if (interleave) {
        progress(done += impls.size(), total, c.id() + " " + String.join(",", impls) + " (interleaved)");
        rows.addAll(measureInterleaved(c, w, x, impls, auto, threads, warmup, seconds));
      } else {
        for (String impl : impls) {
          progress(++done, total, c.id() + " " + impl);
          rows.add(measureOne(c, w, x, impl, impl.equals(auto), threads, warmup, seconds));
        }
      }
      progressDone();
      table(c, rows);
      all.addAll(rows);
    }
    out.println();
    out.println("* = auto-selected. ms/call: median after a warm-up; × ORT / × scalar: their time / this row's. "
        + "For careful numbers: the JMH suite (bench/RESULTS.md).");
    return all;
  }

  private boolean interleave;

  /**
   * Every implementation of {@code impls} in rounds: per round, each one makes one untimed call
   * (its weights back in cache) and then {@link #BURST} timed calls, so that load from other
   * processes on a shared machine falls on all of them alike; the median per implementation.
   */
  private List<Row> measureInterleaved(BenchConfig c, ModelWeights w, float[] x, List<String> impls, String auto,
      int threads, double warmup, double seconds) {
    List<Row> rows = new ArrayList<>();
    List<String> live = new ArrayList<>();
    List<Runner> runners = new ArrayList<>();
    List<Double> diffs = new ArrayList<>();
    try {
      for (String impl : impls) {
        Runner r;
        try {
          r = Runners.create(impl, w, threads);
        } catch (Runner.Unavailable | RuntimeException e) {
          rows.add(new Row(c.id(), impl, impl.equals(auto), "unavailable: " + e.getMessage(), Double.NaN, Double.NaN,
              Double.NaN, Double.NaN, 0));
          continue;
        }
        try {
          diffs.add(Runners.check(impl, r, c, w));
        } catch (IllegalStateException e) {
          r.close();
          rows.add(new Row(c.id(), impl, impl.equals(auto), "FAILED: " + e.getMessage(), Double.NaN, Double.NaN,
              Double.NaN, Double.NaN, 0));
          continue;
        }
        r.bind(x, c.steps(), c.batch());
        runners.add(r);
        live.add(impl);
      }
      for (Runner r : runners) {
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        int calls = 0;
        while (calls < 2 || System.nanoTime() < warmEnd) {
          r.call();
          calls++;
        }
      }
      List<List<Long>> times = new ArrayList<>();
      runners.forEach(r -> times.add(new ArrayList<>()));
      long end = System.nanoTime() + (long) (seconds * runners.size() * 1e9);
      while (times.isEmpty() || times.get(0).size() < 3 * BURST || System.nanoTime() < end) {
        for (int i = 0; i < runners.size(); i++) {
          Runner r = runners.get(i);
          r.call();
          for (int b = 0; b < BURST; b++) {
            long t0 = System.nanoTime();
            r.call();
            times.get(i).add(System.nanoTime() - t0);
          }
        }
        if (runners.isEmpty()) {
          break;
        }
      }
      for (int i = 0; i < runners.size(); i++) {
        long[] sorted = times.get(i).stream().mapToLong(Long::longValue).sorted().toArray();
        double ms = sorted[sorted.length / 2] / 1e6;
        String impl = live.get(i);
        rows.add(new Row(c.id(), impl, impl.equals(auto), "ok", ms, c.flopsPerCall() / (ms * 1e6),
            c.batch() / (ms / 1e3), diffs.get(i), sorted.length));
      }
    } finally {
      runners.forEach(Runner::close);
    }
    rows.sort(java.util.Comparator.comparingInt(r -> impls.indexOf(r.impl())));
    return rows;
  }

  /** Timed calls per implementation and round in {@code --interleave} mode. */
  private static final int BURST = 3;

  private Row measureOne(BenchConfig c, ModelWeights w, float[] x, String impl, boolean auto, int threads,
      double warmup, double seconds) {
    Runner r;
    try {
      r = Runners.create(impl, w, threads);
    } catch (Runner.Unavailable e) {
      return new Row(c.id(), impl, auto, "unavailable: " + e.getMessage(), Double.NaN, Double.NaN, Double.NaN,
          Double.NaN, 0);
    } catch (RuntimeException e) {
      return new Row(c.id(), impl, auto, "unavailable: " + e.getMessage(), Double.NaN, Double.NaN, Double.NaN,
          Double.NaN, 0);
    }
    try (r) {
      double diff;
      try {
        diff = Runners.check(impl, r, c, w);
      } catch (IllegalStateException e) {
        return new Row(c.id(), impl, auto, "FAILED: " + e.getMessage(), Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, 0);
      }
      r.bind(x, c.steps(), c.batch());
      long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
      int warmCalls = 0;
      while (warmCalls < 2 || System.nanoTime() < warmEnd) {
        r.call();
        warmCalls++;
      }
      List<Long> times = new ArrayList<>();
      long end = System.nanoTime() + (long) (seconds * 1e9);
      while (times.size() < 3 || System.nanoTime() < end) {
        long t0 = System.nanoTime();
        r.call();
        times.add(System.nanoTime() - t0);
      }
      long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
      double ms = sorted[sorted.length / 2] / 1e6;
      return new Row(c.id(), impl, auto, "ok", ms, c.flopsPerCall() / (ms * 1e6), c.batch() / (ms / 1e3), diff,
          sorted.length);
    }
  }

  private void progress(int done, int total, String what) {
    String line = String.format("[%d/%d] %s ...", done, total, what);
    if (terminal) {
      err.print("\r" + line + " ".repeat(Math.max(0, 60 - line.length())));
    } else {
      err.println(line);
    }
    err.flush();
  }

  private void progressDone() {
    if (terminal) {
      err.print("\r" + " ".repeat(70) + "\r");
      err.flush();
    }
  }

  private void table(BenchConfig c, List<Row> rows) {
    Double ort = msOf(rows, "ort");
    Double scalar = msOf(rows, "scalar");
    out.printf("%-2s%-9s%12s%12s%10s%8s%10s  %s%n", "", "impl", "ms/call", "seq/s", "GFLOP/s", "× ORT", "× scalar",
        "max |diff| vs scalar");
    for (Row r : rows) {
      String mark = r.auto() ? "* " : "  ";
      if (!r.ok()) {
        out.printf("%s%-9s  %s%n", mark, r.impl(), r.status());
        continue;
      }
      out.printf(Locale.ROOT, "%s%-9s%12.3f%12.1f%10.2f%8s%10s  %.1e%n", mark, r.impl(), r.ms(), r.seqPerS(),
          r.gflops(), ratio(ort, r.ms()), ratio(scalar, r.ms()), r.maxDiff());
    }
  }

  private static Double msOf(List<Row> rows, String impl) {
    return rows.stream().filter(r -> r.impl().equals(impl) && r.ok()).map(Row::ms).findFirst().orElse(null);
  }

  private static String ratio(Double peer, double ms) {
    return peer == null ? "–" : String.format(Locale.ROOT, "%.2f", peer / ms);
  }

  static String csv(List<Row> rows, int threads) {
    StringBuilder s = new StringBuilder(
        "config,impl,threads,auto_selected,status,ms_per_call,sequences_per_s,gflops,max_abs_diff,calls\n");
    for (Row r : rows) {
      s.append(r.config()).append(',').append(r.impl()).append(',').append(threads).append(',').append(r.auto())
          .append(',').append('"').append(r.status().replace("\"", "\"\"")).append('"').append(',')
          .append(num(r.ms())).append(',').append(num(r.seqPerS())).append(',').append(num(r.gflops())).append(',')
          .append(num(r.maxDiff())).append(',').append(r.calls()).append('\n');
    }
    return s.toString();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : Double.toString(v);
  }

  static String json(List<Row> rows, int threads) {
    StringBuilder s = new StringBuilder("{\n  \"java\": ").append(Json.quote(System.getProperty("java.version")))
        .append(",\n  \"machine\": ").append(Json.quote(Report.machine())).append(",\n  \"threads\": ")
        .append(threads).append(",\n  \"onnxruntime\": ").append(Json.quote(buildProperty("onnxruntime.version")))
        .append(",\n  \"rows\": [");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      s.append(i == 0 ? "\n" : ",\n").append("    {\"config\": ").append(Json.quote(r.config()))
          .append(", \"impl\": ").append(Json.quote(r.impl())).append(", \"auto_selected\": ").append(r.auto())
          .append(", \"status\": ").append(Json.quote(r.status())).append(", \"ms_per_call\": ")
          .append(Json.number(r.ms())).append(", \"sequences_per_s\": ").append(Json.number(r.seqPerS()))
          .append(", \"gflops\": ").append(Json.number(r.gflops())).append(", \"max_abs_diff\": ")
          .append(Json.number(r.maxDiff())).append(", \"calls\": ").append(r.calls()).append('}');
    }
    return s.append("\n  ]\n}\n").toString();
  }

  private static String shortMachine() {
    return Report.machine();
  }

  /** A value of {@code bench.properties} (versions the build filtered in), or "unknown". */
  static String buildProperty(String key) {
    Properties p = new Properties();
    try (InputStream in = BenchCli.class.getResourceAsStream("bench.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // unknown
    }
    return p.getProperty(key, "unknown");
  }

  static List<String> split(String s) {
    return Arrays.asList(s.split(","));
  }
}
