package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j accuracy}: how far a reduced precision (bf16) moves y, h_n and c_n from fp32, on the
 * standard configurations (PyTorch-default uniform(±1/√H) weights, standard-normal inputs), batched
 * (B = 64), with growing sequence length, and on random models of every cell type. Deterministic seeds, so the
 * table is reproducible; the bench/RESULTS-bf16.md table is its output.
 */
@Command(name = "accuracy", description = {
    "Measure max abs/rel deviation of --precision (default bf16) from fp32 on y, h_n, c_n: LSTM/GRU I=H=512",
    "T=100 B=1 (PyTorch-default weights, standard-normal inputs, worst of --seeds), batched (T=50 B=64), growth",
    "with T, and random models of every cell type. Rel: the max abs deviation over the largest |fp32| value of the tensor."})
final class AccuracyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--seeds", defaultValue = "3", description = "Weight/input seeds per configuration; the worst is "
      + "reported (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = "--markdown", description = "Also write the tables to this file (Markdown).")
  Path markdown;

  @Option(names = "--quick", description = "Smaller sizes (for a smoke test): I=H=64 and T up to 50.")
  boolean quick;

  @picocli.CommandLine.Mixin
  Backends backend;

  @picocli.CommandLine.Mixin
  Precisions precision;

  /** One configuration of the table. */
  record Row(String group, String name, ModelSpec spec, int steps, int batch) {
  }

  /** The worst deviation over the seeds, per output. */
  record Result(Row row, Deviation y, Deviation h, Deviation c) {
  }

  static List<Row> rows(boolean quick) {
    int big = quick ? 64 : 512;
    int[] growth = quick ? new int[] {10, 50} : new int[] {10, 50, 100, 200};
    int rnd = quick ? 32 : 256;
    List<Row> rows = new ArrayList<>();
    for (CellType c : new CellType[] {CellType.LSTM, CellType.GRU}) {
      rows.add(new Row("standard", c.id() + " I=H=" + big + " T=" + (quick ? 50 : 100) + " B=1",
          ModelSpec.of(c, big, big, 1, false), quick ? 50 : 100, 1));
    }
    if (!quick) {
      rows.add(new Row("standard", "lstm I=H=1024 T=50 B=1", ModelSpec.of(CellType.LSTM, 1024, 1024, 1, false), 50, 1));
      rows.add(new Row("standard", "gru I=H=1024 T=50 B=1", ModelSpec.of(CellType.GRU, 1024, 1024, 1, false), 50, 1));
    }
    // Batched: every step's recurrent product has B rows, which is where a backend may round the
    // activations too (native's AMX tiles, from 16 rows), so h is rounded at every step.
    for (CellType c : new CellType[] {CellType.LSTM, CellType.GRU}) {
      int t = quick ? 20 : 50;
      int batch = quick ? 16 : 64;
      rows.add(new Row("batched", c.id() + " I=H=" + big + " T=" + t + " B=" + batch,
          ModelSpec.of(c, big, big, 1, false), t, batch));
    }
    for (CellType c : new CellType[] {CellType.LSTM, CellType.GRU}) {
      for (int t : growth) {
        rows.add(new Row("growth with T", c.id() + " I=H=" + big + " T=" + t + " B=1",
            ModelSpec.of(c, big, big, 1, false), t, 1));
      }
    }
    for (CellType c : CellType.values()) {
      ModelSpec.Builder b = ModelSpec.builder(c, rnd, rnd).numLayers(2).bidirectional(true);
      if (c == CellType.JORDAN) {
        b.outputSize(rnd / 4);
      }
      rows.add(new Row("random models", c.id() + " I=H=" + rnd + " 2-layer bidirectional T=50 B=4", b.build(), 50, 4));
    }
    rows.add(new Row("random models", "lstm I=H=" + rnd + " proj " + rnd / 2 + " 3-layer residual T=50 B=4",
        ModelSpec.builder(CellType.LSTM, rnd, rnd).projSize(rnd / 2).numLayers(3).residual(true).build(), 50, 4));
    return rows;
  }

  static Result measure(Row row, Backend b, Precision p, int seeds) {
    Deviation y = new Deviation(0, 0);
    Deviation h = new Deviation(0, 0);
    Deviation c = new Deviation(0, 0);
    for (int s = 0; s < seeds; s++) {
      ModelWeights w = ModelWeights.random(row.spec(), 1000 + s);
      SplittableRandom rnd = new SplittableRandom(2000 + s);
      float[] x = new float[row.steps() * row.batch() * row.spec().inputSize()];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      SequenceBatch in = SequenceBatch.seqFirst(x, row.steps(), row.batch(), row.spec().inputSize());
      ForwardResult low;
      ForwardResult ref;
      try (Model m = Model.of(w, b, p)) {
        low = m.forward(in);
      }
      try (Model m = Model.of(w, b, Precision.FP32)) {
        ref = m.forward(in);
      }
      y = y.max(Deviation.of(low.output().data(), ref.output().data()));
      h = h.max(Deviation.of(low.hN().data(), ref.hN().data()));
      if (ref.cN() != null) {
        c = c.max(Deviation.of(low.cN().data(), ref.cN().data()));
      }
    }
    return new Result(row, y, h, row.spec().hasCellState() ? c : null);
  }

  @Override
  public Integer call() throws Exception {
    Backend b = backend.choose();
    Precision p = precision.name == null ? Precision.BF16 : precision.choose();
    if (p == Precision.FP32) {
      throw new IllegalArgumentException("accuracy compares a reduced precision with fp32: --precision bf16");
    }
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds must be ≥ 1, got " + seeds);
    }
    PrintWriter out = spec.commandLine().getOut();
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "%s vs fp32 on backend %s (%s); worst of %d seed(s) per row.%n%n", p, b.name(),
        b.kernels().bf16Kernels(), seeds));
    out.print(md);
    out.flush();
    String group = null;
    for (Row row : rows(quick)) {
      if (!row.group().equals(group)) {
        group = row.group();
        String head = String.format("%n### %s%n%n| configuration | y max abs | y max rel | h_n max abs | h_n max rel "
            + "| c_n max abs | c_n max rel |%n|---|---:|---:|---:|---:|---:|---:|%n", group);
        md.append(head);
        out.print(head);
      }
      Result r = measure(row, b, p, seeds);
      String line = String.format(Locale.ROOT, "| %s | %.2e | %.2e | %.2e | %.2e | %s | %s |%n", row.name(),
          r.y().maxAbs(), r.y().maxRel(), r.h().maxAbs(), r.h().maxRel(),
          r.c() == null ? "–" : String.format(Locale.ROOT, "%.2e", r.c().maxAbs()),
          r.c() == null ? "–" : String.format(Locale.ROOT, "%.2e", r.c().maxRel()));
      md.append(line);
      out.print(line);
      out.flush();
    }
    if (markdown != null) {
      Files.writeString(markdown, md.toString());
      out.println();
      out.println("wrote " + markdown);
    }
    out.flush();
    return 0;
  }
}
