package org.rnn4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import org.rnn4j.CellType;

/**
 * Turns JMH JSON results ({@code -rf json}) of {@link RnnBenchmark}, {@link StepBenchmark},
 * {@link TrainingBenchmark} and {@link CeilingBenchmark} into the Markdown tables of {@code bench/RESULTS.md}: per configuration
 * ms per call, sequences/s, GFLOP/s, % of the sgemm ceiling, weight GB/s (batch 1) and % of the
 * streaming ceiling, bytes allocated per call ({@code -prof gc}), speed relative to ONNX Runtime;
 * the streaming step; the ceilings; and the ✓/✗ table of the backend issues' targets.
 *
 * <pre>
 * java -cp bench/target/rnn4j-benchmarks.jar org.rnn4j.bench.Report [--out bench/RESULTS.md] \
 *     [--title TEXT] results/*.json
 * </pre>
 * With {@code --out FILE}, the text between {@value #BEGIN} and {@value #END} in FILE is replaced
 * (FILE is created holding just the tables when it does not exist or has no markers); without it,
 * the tables go to standard output.
 */
public final class Report {
  static final String BEGIN = "<!-- BEGIN GENERATED: org.rnn4j.bench.Report -->";
  static final String END = "<!-- END GENERATED -->";

  /** One JMH result: benchmark class.method, parameters, time per op in ms, and what else we show. */
  record Result(String benchmark, Map<String, String> params, double ms, double msError, double allocBytes,
      Map<String, Object> raw) {
    String param(String name, String dflt) {
      return params.getOrDefault(name, dflt);
    }

    /**
     * The implementation, with {@code /bf16} when it ran in bf16 (the {@code precision} parameter)
     * and {@code @c1} when its fork ran on a C1-only JVM ({@code -XX:TieredStopAtLevel=1..3} in
     * JMH's {@code jvmArgs}, e.g. from {@code -jvmArgsAppend}): where native must stand in for simd.
     */
    String impl() {
      return Runners.withPrecision(param("impl", "?"), param("precision", "fp32")) + (c1Only() ? "@c1" : "");
    }

    private boolean c1Only() {
      if (raw.get("jvmArgs") instanceof List<?> args) {
        for (Object a : args) {
          if (String.valueOf(a).matches("-XX:TieredStopAtLevel=[123]")) {
            return true;
          }
        }
      }
      return false;
    }

    int threads() {
      return Integer.parseInt(param("threads", "1"));
    }

    String config() {
      return param("config", "?");
    }
  }

  /**
   * A target of the backend issues: {@code impl}'s speed ≥ {@code min} × {@code peer}'s on the rows
   * {@code when} selects; a peer "a|b" is the faster of a and b on that row.
   */
  record Target(String label, String impl, String peer, double min, BiPredicate<BenchConfig, Integer> when) {
  }

  /** Issue #5's batch-1 rows: LSTM and GRU I = H = 512 T = 100 and I = H = 1024 T = 50, one layer. */
  private static boolean issue5Streaming(BenchConfig c) {
    boolean shape = c.input() == c.hidden() && (c.hidden() == 512 && c.steps() == 100
        || c.hidden() == 1024 && c.steps() == 50);
    return c.batch() == 1 && c.layers() == 1 && !c.bidirectional() && shape
        && (c.cell() == CellType.LSTM || c.cell() == CellType.GRU);
  }

  static final List<Target> TARGETS = List.of(
      new Target("simd ≥ 0.9× ORT, batched (B > 1)", "simd", "ort", 0.9, (c, t) -> c.batch() > 1),
      new Target("simd ≥ 1.0× ORT, batched B = 16", "simd", "ort", 1.0, (c, t) -> c.batch() == 16),
      new Target("simd ≥ 1.0× ORT, batch 1, 1 thread", "simd", "ort", 1.0, (c, t) -> c.batch() == 1 && t == 1),
      new Target("simd ≥ 1.2× ORT, batch 1, 2 threads (LSTM/GRU 512 T = 100, 1024 T = 50)", "simd", "ort", 1.2,
          (c, t) -> issue5Streaming(c) && t == 2),
      new Target("simd ≥ 10× scalar", "simd", "scalar", 10, (c, t) -> true),
      new Target("simd within 1.2× of the fastest other backend (≥ 0.83× its speed)", "simd", "native|blas",
          1 / 1.2, (c, t) -> true),
      new Target("blas ≥ 0.9× ORT", "blas", "ort", 0.9, (c, t) -> true),
      new Target("native within 1.2× of simd (≥ 0.83× simd's speed)", "native", "simd", 1 / 1.2, (c, t) -> true),
      new Target("simd bf16 ≥ 1.8× ORT fp32, batch 1", "simd/bf16", "ort", 1.8, (c, t) -> c.batch() == 1),
      new Target("simd bf16 ≥ 1.8× simd fp32, batch 1", "simd/bf16", "simd", 1.8, (c, t) -> c.batch() == 1),
      new Target("native bf16 ≥ 1.8× native fp32, batch 1", "native/bf16", "native", 1.8, (c, t) -> c.batch() == 1),
      new Target("native ≥ 10× scalar on a C1-only JVM", "native@c1", "scalar@c1", 10, (c, t) -> true));

  private Report() {
  }

  public static void main(String[] args) throws IOException {
    Path out = null;
    String title = null;
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--title" -> title = args[++i];
        case "-h", "--help" -> {
          System.out.println("usage: Report [--out RESULTS.md] [--title TEXT] result.json...");
          return;
        }
        default -> files.add(Path.of(args[i]));
      }
    }
    if (files.isEmpty()) {
      System.err.println("usage: Report [--out RESULTS.md] [--title TEXT] result.json...");
      System.exit(2);
    }
    List<Result> results = new ArrayList<>();
    for (Path f : files) {
      results.addAll(read(Files.readString(f, StandardCharsets.UTF_8)));
    }
    List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
    String md = markdown(results, title, names, machine());
    if (out == null) {
      System.out.print(md);
    } else {
      Files.writeString(out, splice(Files.exists(out) ? Files.readString(out) : null, md), StandardCharsets.UTF_8);
      System.err.println("Report: " + results.size() + " results from " + files.size() + " file(s) into " + out);
    }
  }

  /** {@code existing} with the generated block replaced, or just the block. */
  static String splice(String existing, String generated) {
    String block = BEGIN + "\n" + generated + END + "\n";
    if (existing == null) {
      return block;
    }
    int b = existing.indexOf(BEGIN);
    int e = existing.indexOf(END);
    if (b < 0 || e < b) {
      return existing + (existing.endsWith("\n") ? "\n" : "\n\n") + block;
    }
    int after = e + END.length();
    if (after < existing.length() && existing.charAt(after) == '\n') {
      after++;
    }
    return existing.substring(0, b) + block + existing.substring(after);
  }

  /** The results in one JMH JSON file. */
  @SuppressWarnings("unchecked")
  static List<Result> read(String json) {
    List<Result> out = new ArrayList<>();
    for (Object o : (List<Object>) Json.parse(json)) {
      Map<String, Object> r = (Map<String, Object>) o;
      String bench = (String) r.get("benchmark");
      String shortName = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
      Map<String, String> params = new LinkedHashMap<>();
      Object p = r.get("params");
      if (p instanceof Map<?, ?> pm) {
        pm.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
      }
      Map<String, Object> primary = (Map<String, Object>) r.get("primaryMetric");
      double scale = toMs((String) primary.get("scoreUnit"));
      double alloc = Double.NaN;
      Object sec = r.get("secondaryMetrics");
      if (sec instanceof Map<?, ?> sm) {
        for (Map.Entry<?, ?> e : sm.entrySet()) {
          if (((String) e.getKey()).endsWith("gc.alloc.rate.norm")) {
            alloc = number(((Map<String, Object>) e.getValue()).get("score"));
          }
        }
      }
      out.add(new Result(shortName, params, number(primary.get("score")) * scale,
          number(primary.get("scoreError")) * scale, alloc, r));
    }
    return out;
  }

  private static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static double toMs(String unit) {
    return switch (unit) {
      case "s/op" -> 1e3;
      case "ms/op" -> 1;
      case "us/op" -> 1e-3;
      case "ns/op" -> 1e-6;
      default -> throw new IllegalArgumentException("Report needs average-time results (x/op), got " + unit);
    };
  }

  /** CPU model, ISA, cores and OS of this machine, from /proc/cpuinfo where there is one. */
  static String machine() {
    String cpu = "unknown CPU";
    String isa = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name") && cpu.equals("unknown CPU")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
        }
        if (line.startsWith("flags") && isa.isEmpty()) {
          Set<String> f = Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
          isa = f.contains("avx512f") ? "AVX-512" : f.contains("avx2") ? (f.contains("fma") ? "AVX2+FMA" : "AVX2")
              : "no AVX2";
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave it unknown
    }
    return cpu + (isa.isEmpty() ? "" : ", " + isa) + ", " + Runtime.getRuntime().availableProcessors()
        + " processors, " + System.getProperty("os.name") + " " + System.getProperty("os.version");
  }

  // ------------------------------------------------------------------ tables

  static String markdown(List<Result> results, String title, List<String> files, String machine) {
    StringBuilder s = new StringBuilder();
    if (title != null) {
      s.append("## ").append(title).append("\n\n");
    }
    setup(s, results, files, machine);
    List<Result> forward = of(results, "RnnBenchmark.forward");
    List<Result> step = of(results, "StepBenchmark.step");
    Map<String, Double> sgemm = new LinkedHashMap<>();
    Map<String, Double> stream = new LinkedHashMap<>();
    for (Result r : of(results, "CeilingBenchmark.sgemm")) {
      BenchConfig c = BenchConfig.parse(r.config());
      int[] g = c.gemmShape();
      sgemm.put(key(r.config(), r.threads()), 2.0 * g[0] * g[1] * g[2] / (r.ms() * 1e6));
    }
    for (Result r : of(results, "CeilingBenchmark.stream")) {
      stream.put(key(r.config(), r.threads()), BenchConfig.parse(r.config()).weightBytes() / (r.ms() * 1e6));
    }
    if (!forward.isEmpty()) {
      s.append("### Forward pass (`RnnBenchmark`)\n\n");
      s.append("GFLOP/s counts the matrix products only, 2·G·H·(I + H) per step, row, layer and direction. "
          + "% sgemm: of OpenBLAS sgemm on a product of the same FLOP at the same threads. Weight GB/s "
          + "(batch 1): T × weight bytes per call (every step reads every weight matrix), and % stream: of "
          + "summing an array of the weights' size. × ORT: ONNX Runtime's time / this row's time at the same "
          + "threads (> 1 = faster than ORT). Allocation: `-prof gc` `gc.alloc.rate.norm`.\n\n");
      for (String config : configs(forward)) {
        forwardTable(s, config, forward, sgemm, stream);
      }
    }
    if (!step.isEmpty()) {
      s.append("### Streaming step (`StepBenchmark`, T = 1 per call, state carried)\n\n");
      for (String config : configs(step)) {
        stepTable(s, config, step, stream);
      }
    }
    List<Result> subnormal = of(results, "SubnormalBenchmark.forward");
    if (!subnormal.isEmpty()) {
      subnormalTable(s, subnormal);
    }
    List<Result> train = of(results, "TrainingBenchmark.train");
    if (!train.isEmpty()) {
      s.append("### Training step (`TrainingBenchmark`: forward + backward + Adam + re-pack)\n\n");
      s.append("GFLOP/s: 3 × the forward's matrix-product FLOP (backward does twice the forward's) per step. "
          + "forward: the same pass alone, as the step runs it (recording the tape), in the same fork; "
          + "step / forward: target ≤ 3.3. % sgemm: of `CeilingBenchmark.sgemm` at the same threads; target "
          + "≥ 70%. split: `kernels` = the backend's own threads inside each product, `batch` = the batch's "
          + "rows in one shard per thread on the trainer's pool, products single-threaded. Allocation: "
          + "`-prof gc` `gc.alloc.rate.norm` of the step.\n\n");
      List<Result> fwd = of(results, "TrainingBenchmark.forward");
      for (String config : configs(train)) {
        trainingTable(s, config, train, fwd, sgemm);
      }
    }
    if (!sgemm.isEmpty() || !stream.isEmpty()) {
      ceilings(s, results);
    }
    floors(s, results, forward);
    if (!forward.isEmpty()) {
      targets(s, forward);
    }
    return s.toString();
  }

  private static List<Result> of(List<Result> results, String benchmark) {
    return results.stream().filter(r -> r.benchmark().equals(benchmark)).toList();
  }

  private static String key(String config, int threads) {
    return config + "|" + threads;
  }

  /** Configurations in the standard order, then any others in the order met. */
  private static List<String> configs(List<Result> rows) {
    Set<String> seen = new LinkedHashSet<>();
    rows.forEach(r -> seen.add(r.config()));
    List<String> out = new ArrayList<>();
    for (String c : BenchConfig.STANDARD) {
      if (seen.remove(c)) {
        out.add(c);
      }
    }
    out.addAll(seen);
    return out;
  }

  private static final Comparator<Result> ROW_ORDER = Comparator.comparingInt(Result::threads)
      .thenComparingInt(r -> {
        int i = Runners.ALL.indexOf(Runners.base(r.impl()));
        return (i < 0 ? 99 : i) * 2 + (Runners.precision(r.impl()) == org.rnn4j.Precision.FP32 ? 0 : 1);
      });

  private static void setup(StringBuilder s, List<Result> results, List<String> files, String machine) {
    Set<String> jvms = new TreeSet<>();
    Set<String> settings = new TreeSet<>();
    Set<String> threads = new TreeSet<>();
    for (Result r : results) {
      Map<String, Object> m = r.raw();
      jvms.add(m.get("jdkVersion") + " (" + m.get("vmName") + " " + m.get("vmVersion") + "), JMH "
          + m.get("jmhVersion") + ", options " + m.get("jvmArgs"));
      settings.add(str(m.get("warmupIterations")) + "×" + m.get("warmupTime") + " warm-up, "
          + str(m.get("measurementIterations")) + "×" + m.get("measurementTime") + " measurement, "
          + str(m.get("forks")) + " fork(s)");
      threads.add(Integer.toString(r.threads()));
    }
    s.append("- Source: ").append(String.join(", ", files)).append(" (").append(results.size())
        .append(" results)\n");
    s.append("- JVM: ").append(String.join("; ", jvms)).append('\n');
    s.append("- JMH settings: ").append(String.join("; ", settings)).append('\n');
    s.append("- Threads (rnn4j.threads = rnn4j.simd.threads = rnn4j.blas.threads = ORT intra-op): ")
        .append(String.join(", ", threads)).append('\n');
    s.append("- ONNX Runtime: ").append(ortVersion()).append("; machine (where this report was generated): ")
        .append(machine).append("\n\n");
  }

  private static String ortVersion() {
    return "Java API " + BenchCli.buildProperty("onnxruntime.version") + " (CPU execution provider)";
  }

  private static String str(Object o) {
    return o instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : String.valueOf(o);
  }

  private static void forwardTable(StringBuilder s, String config, List<Result> forward, Map<String, Double> sgemm,
      Map<String, Double> stream) {
    BenchConfig c = BenchConfig.parse(config);
    s.append("#### ").append(c.label()).append(" (`").append(config).append("`): ")
        .append(fmt(c.flopsPerCall() / 1e9, 3)).append(" GFLOP per call, weights ")
        .append(fmt(c.weightBytes() / 1048576.0, 1)).append(" MiB\n\n");
    boolean b1 = c.batch() == 1;
    s.append("| impl | threads | ms/call | ± | seq/s | GFLOP/s | % sgemm |")
        .append(b1 ? " weight GB/s | % stream |" : "").append(" alloc B/call | × ORT |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|").append(b1 ? "---:|---:|" : "").append("---:|---:|\n");
    List<Result> rows = forward.stream().filter(r -> r.config().equals(config)).sorted(ROW_ORDER).toList();
    for (Result r : rows) {
      double gflops = c.flopsPerCall() / (r.ms() * 1e6);
      Double ceiling = sgemm.get(key(config, r.threads()));
      Double bw = stream.get(key(config, r.threads()));
      // bf16 rows stream half the bytes: 2 per weight.
      double gbs = c.weightBytesPerCall() / (Runners.precision(r.impl()) == org.rnn4j.Precision.BF16 ? 2 : 1)
          / (r.ms() * 1e6);
      s.append("| ").append(r.impl()).append(" | ").append(r.threads()).append(" | ").append(fmt(r.ms(), 3))
          .append(" | ").append(fmt(r.msError(), 3)).append(" | ").append(fmt(c.batch() / (r.ms() / 1e3), 1))
          .append(" | ").append(fmt(gflops, 2)).append(" | ")
          .append(ceiling == null ? "–" : fmt(100 * gflops / ceiling, 0) + "%").append(" |");
      if (b1) {
        s.append(' ').append(fmt(gbs, 1)).append(" | ").append(bw == null ? "–" : fmt(100 * gbs / bw, 0) + "%")
            .append(" |");
      }
      s.append(' ').append(bytes(r.allocBytes())).append(" | ").append(ratio(ortMs(forward, config, r.threads()),
          r.ms())).append(" |\n");
    }
    s.append('\n');
  }

  private static void stepTable(StringBuilder s, String config, List<Result> step, Map<String, Double> stream) {
    BenchConfig c = BenchConfig.parse(config);
    s.append("#### ").append(c.withSteps(1).label()).append(" (`").append(config).append("`), one step per call\n\n");
    s.append("| impl | threads | µs/step | ± | steps/s | GFLOP/s | weight GB/s | % stream | alloc B/step | × ORT |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    double flops = c.flopsPerRowStep() * c.batch();
    for (Result r : step.stream().filter(r -> r.config().equals(config)).sorted(ROW_ORDER).toList()) {
      double gbs = c.weightBytes() / (r.ms() * 1e6);
      Double bw = stream.get(key(config, r.threads()));
      s.append("| ").append(r.impl()).append(" | ").append(r.threads()).append(" | ").append(fmt(r.ms() * 1e3, 2))
          .append(" | ").append(fmt(r.msError() * 1e3, 2)).append(" | ").append(fmt(1e3 / r.ms(), 0))
          .append(" | ").append(fmt(flops / (r.ms() * 1e6), 2)).append(" | ").append(fmt(gbs, 1)).append(" | ")
          .append(bw == null ? "–" : fmt(100 * gbs / bw, 0) + "%").append(" | ").append(bytes(r.allocBytes()))
          .append(" | ").append(ratio(ortMs(step, config, r.threads()), r.ms())).append(" |\n");
    }
    s.append('\n');
  }

  private static void subnormalTable(StringBuilder s, List<Result> rows) {
    s.append("### Subnormal numbers (`SubnormalBenchmark`, 1 thread)\n\n");
    s.append("The same model with zero biases, once on a standard-normal input and once on that input × 1e-39, "
        + "which keeps every gate product, state and output subnormal (the JVM cannot set flush-to-zero). "
        + "A slowdown > 1 means subnormal arithmetic costs time.\n\n");
    s.append("| configuration | impl | normal ms | subnormal ms | slowdown |\n|---|---|---:|---:|---:|\n");
    for (String config : configs(rows)) {
      for (String impl : Runners.ALL) {
        Double normal = null;
        Double tiny = null;
        for (Result r : rows) {
          if (r.config().equals(config) && r.impl().equals(impl)) {
            if (r.param("data", "").equals("normal")) {
              normal = r.ms();
            } else if (r.param("data", "").equals("subnormal")) {
              tiny = r.ms();
            }
          }
        }
        if (normal != null || tiny != null) {
          s.append("| ").append(config).append(" | ").append(impl).append(" | ")
              .append(normal == null ? "–" : fmt(normal, 3)).append(" | ").append(tiny == null ? "–" : fmt(tiny, 3))
              .append(" | ").append(normal == null || tiny == null ? "–" : fmt(tiny / normal, 2) + "×").append(" |\n");
        }
      }
    }
    s.append('\n');
  }

  private static void trainingTable(StringBuilder s, String config, List<Result> train, List<Result> fwd,
      Map<String, Double> sgemm) {
    BenchConfig c = BenchConfig.parse(config);
    double flops = 3 * c.flopsPerCall();
    s.append("#### ").append(c.label()).append(" (`").append(config).append("`): ")
        .append(fmt(flops / 1e9, 3)).append(" GFLOP per training step\n\n");
    s.append("| impl | threads | split | step ms | ± | forward ms | step / forward | GFLOP/s | % sgemm | "
        + "alloc B/step | |\n");
    s.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|:-:|\n");
    List<Result> rows = train.stream().filter(r -> r.config().equals(config)).sorted(ROW_ORDER
        .thenComparing(r -> r.param("split", "kernels"))).toList();
    for (Result r : rows) {
      Double f = null;
      for (Result x : fwd) {
        if (x.config().equals(config) && x.impl().equals(r.impl()) && x.threads() == r.threads()
            && x.param("split", "kernels").equals(r.param("split", "kernels"))) {
          f = x.ms();
        }
      }
      double gflops = flops / (r.ms() * 1e6);
      Double ceiling = sgemm.get(key(config, r.threads()));
      double ratio = f == null ? Double.NaN : r.ms() / f;
      double pct = ceiling == null ? Double.NaN : 100 * gflops / ceiling;
      boolean ok = ratio <= 3.3 && pct >= 70;
      s.append("| ").append(r.impl()).append(" | ").append(r.threads()).append(" | ")
          .append(r.param("split", "kernels")).append(" | ").append(fmt(r.ms(), 1)).append(" | ")
          .append(fmt(r.msError(), 1)).append(" | ").append(f == null ? "–" : fmt(f, 1)).append(" | ")
          .append(fmt(ratio, 2)).append(" | ").append(fmt(gflops, 1)).append(" | ")
          .append(Double.isNaN(pct) ? "–" : fmt(pct, 0) + "%").append(" | ").append(bytes(r.allocBytes()))
          .append(" | ").append(Double.isNaN(ratio) || Double.isNaN(pct) ? "–" : ok ? "✓" : "✗").append(" |\n");
    }
    s.append('\n');
  }

  private static void ceilings(StringBuilder s, List<Result> results) {
    s.append("### Ceilings (`CeilingBenchmark`)\n\n");
    s.append("| configuration | threads | sgemm M×N×K | sgemm ms | sgemm GFLOP/s | weights MiB | stream GB/s |\n");
    s.append("|---|---:|---|---:|---:|---:|---:|\n");
    Map<String, Result[]> byKey = new LinkedHashMap<>();
    for (Result r : results) {
      int slot = r.benchmark().equals("CeilingBenchmark.sgemm") ? 0
          : r.benchmark().equals("CeilingBenchmark.stream") ? 1 : -1;
      if (slot >= 0) {
        byKey.computeIfAbsent(key(r.config(), r.threads()), k -> new Result[2])[slot] = r;
      }
    }
    for (Map.Entry<String, Result[]> e : byKey.entrySet()) {
      Result any = e.getValue()[0] != null ? e.getValue()[0] : e.getValue()[1];
      BenchConfig c = BenchConfig.parse(any.config());
      int[] g = c.gemmShape();
      Result gm = e.getValue()[0];
      Result st = e.getValue()[1];
      s.append("| ").append(any.config()).append(" | ").append(any.threads()).append(" | ").append(g[0])
          .append('×').append(g[1]).append('×').append(g[2]).append(" | ").append(gm == null ? "–" : fmt(gm.ms(), 3))
          .append(" | ").append(gm == null ? "–" : fmt(2.0 * g[0] * g[1] * g[2] / (gm.ms() * 1e6), 1))
          .append(" | ").append(fmt(c.weightBytes() / 1048576.0, 1)).append(" | ")
          .append(st == null ? "–" : fmt(c.weightBytes() / (st.ms() * 1e6), 1)).append(" |\n");
    }
    s.append('\n');
  }

  /**
   * Batch 1: the least time an implementation could take here that reads the fp32 recurrent
   * weights once per step (each step needs the last one's h) and computes the input projection
   * apart from them: T passes over W_hh at the streaming rate of rnn4j's pool
   * ({@code CeilingBenchmark.recurrence}) plus the projection's FLOP at the FMA peak
   * ({@code CeilingBenchmark.fma}), both at the row's thread count. ORT ÷ floor is the largest
   * speed-up over ONNX Runtime such an implementation could show where W_hh streams from L3 or
   * memory; where each thread's share fits in its L2 a kernel can beat the sum loop.
   */
  private static void floors(StringBuilder s, List<Result> results, List<Result> forward) {
    Map<String, Result> recurrence = new LinkedHashMap<>();
    Map<Integer, Double> fmaGflops = new LinkedHashMap<>();
    for (Result r : of(results, "CeilingBenchmark.recurrence")) {
      if (BenchConfig.parse(r.config()).batch() == 1) {
        recurrence.put(key(r.config(), r.threads()), r);
      }
    }
    for (Result r : of(results, "CeilingBenchmark.fma")) {
      double flops = 2.0 * CeilingBenchmark.FMA_CHUNKS_PER_THREAD * r.threads() * CeilingBenchmark.FMA_CHAINS
          * CeilingBenchmark.FMA_LANE_FMAS;
      fmaGflops.merge(r.threads(), flops / (r.ms() * 1e6), Math::max);
    }
    if (recurrence.isEmpty() || fmaGflops.isEmpty()) {
      return;
    }
    s.append("### Batch-1 floors (`CeilingBenchmark.recurrence` + `.fma`)\n\n");
    s.append("floor = T passes over an array the size of W_hh, each split over rnn4j's pool as a batch-1 step's "
        + "product is (the recurrent products can go no faster: each step needs the last step's h), plus the "
        + "input projection's FLOP at the FMA peak of the same threads (register-only FMA chains). Where W_hh "
        + "streams from L3 or memory, no implementation that reads fp32 W_hh once per step and runs the "
        + "projection apart from it can beat the floor, so ORT ÷ floor is the largest speed-up over ONNX Runtime "
        + "it could show; where each thread's share of W_hh fits in its L2 (small H) a kernel can beat the sum "
        + "loop, and floor ÷ simd exceeds 1.\n\n");
    s.append("| configuration | threads | recurrence ms | W_hh GB/s | FMA peak GFLOP/s | projection ms | floor ms "
        + "| simd ms | floor ÷ simd | ORT ms | ORT ÷ floor |\n");
    s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, Result> e : recurrence.entrySet()) {
      Result r = e.getValue();
      Double peak = fmaGflops.get(r.threads());
      if (peak == null) {
        continue;
      }
      BenchConfig c = BenchConfig.parse(r.config());
      double projection = c.projectionFlopsPerCall() / (peak * 1e6);
      double floor = r.ms() + projection;
      Double simd = peerMs(forward, "simd", r.config(), r.threads());
      Double ort = ortMs(forward, r.config(), r.threads());
      s.append("| ").append(r.config()).append(" | ").append(r.threads()).append(" | ").append(fmt(r.ms(), 3))
          .append(" | ").append(fmt((double) c.recurrentWeightBytes() * c.steps() / (r.ms() * 1e6), 1))
          .append(" | ").append(fmt(peak, 1)).append(" | ").append(fmt(projection, 3)).append(" | ")
          .append(fmt(floor, 3)).append(" | ").append(simd == null ? "–" : fmt(simd, 3)).append(" | ")
          .append(simd == null ? "–" : fmt(floor / simd, 2)).append(" | ").append(ort == null ? "–" : fmt(ort, 3))
          .append(" | ").append(ort == null ? "–" : fmt(ort / floor, 2) + "×").append(" |\n");
    }
    s.append('\n');
  }

  private static void targets(StringBuilder s, List<Result> forward) {
    s.append("### Targets of the backend issues (forward pass)\n\n");
    s.append("Speed ratio = the other implementation's time / this one's, per configuration and thread count "
        + "where both were measured.\n\n");
    s.append("| target | rows | passed | worst row (ratio) | |\n|---|---:|---:|---|:-:|\n");
    StringBuilder details = new StringBuilder();
    for (Target t : TARGETS) {
      int rows = 0;
      int passed = 0;
      String worst = "–";
      double worstRatio = Double.POSITIVE_INFINITY;
      for (Result r : forward.stream().filter(x -> x.impl().equals(t.impl())).sorted(ROW_ORDER).toList()) {
        BenchConfig c = BenchConfig.parse(r.config());
        if (!t.when().test(c, r.threads())) {
          continue;
        }
        Double peer = null;
        for (String p : t.peer().split("\\|")) {
          Double ms = peerMs(forward, p, r.config(), r.threads());
          if (ms != null && (peer == null || ms < peer)) {
            peer = ms;
          }
        }
        if (peer == null) {
          continue;
        }
        double ratio = peer / r.ms();
        rows++;
        boolean ok = ratio >= t.min();
        passed += ok ? 1 : 0;
        if (ratio < worstRatio) {
          worstRatio = ratio;
          worst = r.config() + ", " + r.threads() + "t (" + fmt(ratio, 2) + "×)";
        }
        details.append("| ").append(t.label()).append(" | ").append(r.config()).append(" | ").append(r.threads())
            .append(" | ").append(fmt(ratio, 2)).append("× | ").append(ok ? "✓" : "✗").append(" |\n");
      }
      s.append("| ").append(t.label()).append(" | ").append(rows).append(" | ").append(passed).append(" | ")
          .append(worst).append(" | ").append(rows == 0 ? "not measured" : passed == rows ? "✓" : "✗")
          .append(" |\n");
    }
    s.append("\n<details><summary>Every row</summary>\n\n| target | configuration | threads | ratio | |\n"
        + "|---|---|---:|---:|:-:|\n").append(details).append("\n</details>\n\n");
  }

  private static Double ortMs(List<Result> rows, String config, int threads) {
    return peerMs(rows, "ort", config, threads);
  }

  /** The peer's time on the same configuration and threads; scalar (single-threaded) at any thread count. */
  private static Double peerMs(List<Result> rows, String impl, String config, int threads) {
    Double any = null;
    for (Result r : rows) {
      if (r.impl().equals(impl) && r.config().equals(config)) {
        if (r.threads() == threads) {
          return r.ms();
        }
        any = r.ms();
      }
    }
    return impl.equals("scalar") ? any : null;
  }

  private static String ratio(Double peer, double ms) {
    return peer == null ? "–" : fmt(peer / ms, 2);
  }

  static String bytes(double b) {
    if (Double.isNaN(b)) {
      return "–";
    }
    if (b < 10_000) {
      return fmt(b, 0);
    }
    if (b < 10_000_000) {
      return fmt(b / 1024, 0) + " Ki";
    }
    return fmt(b / 1048576, 1) + " Mi";
  }

  static String fmt(double v, int decimals) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }
}
