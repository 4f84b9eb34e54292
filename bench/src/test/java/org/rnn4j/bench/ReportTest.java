package org.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Report} on a small hand-made JMH JSON file (the format of JMH 1.37's -rf json, with -prof gc). */
class ReportTest {
  @TempDir
  Path dir;

  private static String sample() throws IOException {
    try (InputStream in = ReportTest.class.getResourceAsStream("jmh-sample.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsScoresUnitsAndAllocation() throws IOException {
    List<Report.Result> rs = Report.read(sample());
    assertEquals(12, rs.size());
    Report.Result simd = rs.get(1);
    assertEquals("RnnBenchmark.forward", simd.benchmark());
    assertEquals("simd", simd.impl());
    assertEquals("lstm_512_512_50_1", simd.config());
    assertEquals(1, simd.threads());
    assertEquals(8.0, simd.ms(), 1e-12);
    assertEquals(102600, simd.allocBytes(), 1e-9);
    Report.Result step = rs.get(8);
    assertEquals(0.150, step.ms(), 1e-12); // 150 us/op
    assertTrue(Double.isNaN(rs.get(6).allocBytes())); // run without -prof gc
  }

  @Test
  void tablesHoldTheDerivedNumbers() throws IOException {
    String md = Report.markdown(Report.read(sample()), "Test run", List.of("jmh-sample.json"), "test machine");
    assertTrue(md.startsWith("## Test run\n"), md);
    assertTrue(md.contains("25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+9-LTS), JMH 1.37"), md);
    assertTrue(md.contains("1×1 s warm-up, 2×1 s measurement, 1 fork(s)"), md);
    assertTrue(md.contains("#### LSTM I=512 H=512 T=50 B=1 (`lstm_512_512_50_1`): 0.210 GFLOP per call, weights 8.0 MiB"),
        md);
    // simd: 8 ms, 125 seq/s, 26.21 GFLOP/s, 50% of sgemm (52.43 GFLOP/s), 52.4 GB/s = 313% of stream
    // (16.78 GB/s), 100 Ki allocated, 1.25x ORT.
    assertTrue(md.contains("| simd | 1 | 8.000 | 0.100 | 125.0 | 26.21 | 50% | 52.4 | 313% | 100 Ki | 1.25 |"), md);
    assertTrue(md.contains("| ort | 1 | 10.000 | 0.100 | 100.0 | 20.97 | 40% | 41.9 | 250% | 101 Ki | 1.00 |"), md);
    // Batched table: no weight-bandwidth columns, no allocation measured.
    assertTrue(md.contains("| simd | 1 | 250.000 | 0.100 | 256.0 | 53.69 | – | – | 0.80 |"), md);
    // Streaming step in microseconds.
    assertTrue(md.contains("| simd | 1 | 150.00 | 0.10 | 6,667 |"), md);
    assertTrue(md.contains("| ort | 1 | 300.00 |"), md);
    // Ceilings.
    assertTrue(md.contains("| lstm_512_512_50_1 | 1 | 50×2048×1024 | 4.000 | 52.4 | 8.0 | 16.8 |"), md);
    // Targets.
    assertTrue(md.contains("| simd ≥ 0.9× ORT, batched (B > 1) | 1 | 0 | lstm_512_512_50_64, 1t (0.80×) | ✗ |"), md);
    assertTrue(md.contains("| simd ≥ 1.0× ORT, batch 1, 1 thread | 1 | 1 | lstm_512_512_50_1, 1t (1.25×) | ✓ |"), md);
    assertTrue(md.contains("| simd ≥ 1.0× ORT, batched B = 16 | 0 | 0 | – | not measured |"), md);
    assertTrue(md.contains("| simd ≥ 1.2× ORT, batch 1, 2 threads (LSTM/GRU 512 T = 100, 1024 T = 50) | 0 | 0 | – "
        + "| not measured |"), md);
    assertTrue(md.contains("| simd ≥ 10× scalar | 1 | 1 | lstm_512_512_50_1, 1t (12.50×) | ✓ |"), md);
    assertTrue(md.contains("| blas ≥ 0.9× ORT | 1 | 0 | lstm_512_512_50_1, 1t (0.83×) | ✗ |"), md);
    assertTrue(md.contains("| native within 1.2× of simd (≥ 0.83× simd's speed) | 1 | 1 | lstm_512_512_50_1, 1t (0.89×) | ✓ |"),
        md);
    // blas 12 ms and native 9 ms: the faster one, native, takes 9 / 8 of simd's time.
    assertTrue(md.contains("| simd within 1.2× of the fastest other backend (≥ 0.83× its speed) | 1 | 1 | "
        + "lstm_512_512_50_1, 1t (1.13×) | ✓ |"), md);
  }

  @Test
  void outReplacesOnlyTheGeneratedBlock() throws IOException {
    Path json = dir.resolve("r.json");
    Files.writeString(json, sample());
    Path md = dir.resolve("RESULTS.md");
    Files.writeString(md, "# Results\n\nintro\n\n" + Report.BEGIN + "\nold tables\n" + Report.END + "\n\nfooter\n");
    Report.main(new String[] {"--out", md.toString(), json.toString()});
    String text = Files.readString(md);
    assertTrue(text.startsWith("# Results\n\nintro\n\n" + Report.BEGIN + "\n"), text);
    assertTrue(text.endsWith(Report.END + "\n\nfooter\n"), text);
    assertTrue(!text.contains("old tables"), text);
    assertTrue(text.contains("| simd | 1 | 8.000 |"), text);
    // Running it again gives the same file.
    Report.main(new String[] {"--out", md.toString(), json.toString()});
    assertEquals(text, Files.readString(md));
  }

  @Test
  void subnormalTablePairsNormalAndSubnormalTimesPerImplementation() throws IOException {
    String json = "[" + subnormalRow("simd", "normal", 10.0) + "," + subnormalRow("simd", "subnormal", 12.5) + ","
        + subnormalRow("ort", "normal", 8.0) + "]";
    List<Report.Result> rs = new java.util.ArrayList<>(Report.read(sample()));
    rs.addAll(Report.read(json));
    String md = Report.markdown(rs, "Test run", List.of("jmh-sample.json"), "test machine");
    assertTrue(md.contains("### Subnormal numbers (`SubnormalBenchmark`, 1 thread)"), md);
    assertTrue(md.contains("| lstm_512_512_100_1 | simd | 10.000 | 12.500 | 1.25× |"), md);
    assertTrue(md.contains("| lstm_512_512_100_1 | ort | 8.000 | – | – |"), md);
  }

  private static String subnormalRow(String impl, String data, double ms) {
    return "{\"benchmark\":\"org.rnn4j.bench.SubnormalBenchmark.forward\",\"params\":{\"impl\":\"" + impl
        + "\",\"data\":\"" + data + "\",\"config\":\"lstm_512_512_100_1\"},\"primaryMetric\":{\"score\":" + ms
        + ",\"scoreError\":0.1,\"scoreUnit\":\"ms/op\"}}";
  }

  @Test
  void forksOnAC1OnlyJvmAreRowsOfTheirOwnWithTheirTarget() {
    java.util.Map<String, Object> c1 = java.util.Map.of("jvmArgs", List.of("--add-modules", "jdk.incubator.vector",
        "-XX:TieredStopAtLevel=1"));
    java.util.Map<String, Object> c2 = java.util.Map.of("jvmArgs", List.of("--add-modules", "jdk.incubator.vector"));
    String config = "lstm_512_512_100_1";
    List<Report.Result> rs = List.of(
        new Report.Result("RnnBenchmark.forward", java.util.Map.of("impl", "scalar", "config", config), 600, 1, 0, c1),
        new Report.Result("RnnBenchmark.forward", java.util.Map.of("impl", "native", "config", config), 15, 1, 0, c1),
        new Report.Result("RnnBenchmark.forward", java.util.Map.of("impl", "native", "config", config), 14, 1, 0, c2),
        new Report.Result("RnnBenchmark.forward", java.util.Map.of("impl", "ort", "config", config), 12, 1, 0, c2));
    assertEquals("native@c1", rs.get(1).impl());
    assertEquals("native", rs.get(2).impl());
    String md = Report.markdown(rs, null, List.of("c1.json"), "test machine");
    assertTrue(md.contains("| native@c1 | 1 | 15.000 |"), md);
    assertTrue(md.contains("| native ≥ 10× scalar on a C1-only JVM | 1 | 1 | lstm_512_512_100_1, 1t (40.00×) | ✓ |"), md);
  }

  @Test
  void trainingTableShowsStepOverForwardAndShareOfTheCeiling() {
    java.util.Map<String, Object> raw = java.util.Map.of();
    String config = "lstm_512_512_50_64";
    List<Report.Result> rs = List.of(
        new Report.Result("TrainingBenchmark.train", java.util.Map.of("impl", "simd", "config", config, "threads",
            "1", "split", "kernels"), 3000, 10, 0, raw),
        new Report.Result("TrainingBenchmark.forward", java.util.Map.of("impl", "simd", "config", config, "threads",
            "1", "split", "kernels"), 1000, 5, 0, raw),
        new Report.Result("CeilingBenchmark.sgemm", java.util.Map.of("config", config, "threads", "1"), 500, 1, 0,
            raw));
    String md = Report.markdown(rs, null, List.of("t.json"), "test machine");
    // 3 × 13.42 GFLOP = 40.27 GFLOP in 3 s = 13.4 GFLOP/s; the sgemm of one forward's FLOP in 0.5 s = 26.8 GFLOP/s.
    assertTrue(md.contains("40.265 GFLOP per training step"), md);
    assertTrue(md.contains("| simd | 1 | kernels | 3,000.0 | 10.0 | 1,000.0 | 3.00 | 13.4 | 50% | 0 | ✗ |"), md);
  }

  @Test
  void batchOneFloorIsTheRecurrenceAtTheStreamingRatePlusTheProjectionAtTheFmaPeak() {
    java.util.Map<String, Object> raw = java.util.Map.of();
    String config = "lstm_512_512_100_1";
    java.util.Map<String, String> two = java.util.Map.of("config", config, "threads", "2");
    // fma at 2 threads: 2 × 4 chunks × 2 threads × 12 chains × 2^20 = 201.3 MFLOP in 0.4 ms = 503.3 GFLOP/s.
    List<Report.Result> rs = List.of(
        new Report.Result("CeilingBenchmark.recurrence", two, 2.0, 0.1, Double.NaN, raw),
        new Report.Result("CeilingBenchmark.fma", two, 0.4, 0.01, Double.NaN, raw),
        new Report.Result("RnnBenchmark.forward", java.util.Map.of("impl", "simd", "config", config, "threads",
            "2"), 2.5, 0.1, Double.NaN, raw),
        new Report.Result("RnnBenchmark.forward", java.util.Map.of("impl", "ort", "config", config, "threads",
            "2"), 2.75, 0.1, Double.NaN, raw));
    String md = Report.markdown(rs, null, List.of("t.json"), "test machine");
    // 100 passes over 4 MiB of W_hh in 2 ms = 209.7 GB/s; the projection (2 × 100 × 2048 × 512 = 0.2097 GFLOP)
    // at 503.3 GFLOP/s = 0.417 ms; floor 2.417 ms; simd at 0.97 of it; ORT 2.75 / 2.417 = 1.14.
    assertTrue(md.contains("| lstm_512_512_100_1 | 2 | 2.000 | 209.7 | 503.3 | 0.417 | 2.417 | 2.500 | 0.97 | "
        + "2.750 | 1.14× |"), md);
  }
}
