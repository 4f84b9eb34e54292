package org.rnn4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.Workspace;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.BackendUnavailableException;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j demo}: one deterministic model (2-layer bidirectional LSTM) on every available
 * backend: which one automatic selection picks and why, whether they agree, and how fast each is.
 */
@Command(name = "demo", description = "Run a 2-layer bidirectional LSTM on every available backend and compare them.")
final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--input-size", defaultValue = "128", description = "Input features (default: ${DEFAULT-VALUE}).")
  int inputSize;

  @Option(names = "--hidden", defaultValue = "256", description = "Hidden size (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--steps", defaultValue = "32", description = "Sequence length (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--batch", defaultValue = "8", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--runs", defaultValue = "3", description = "Timed runs per backend, after one warm-up (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--seed", defaultValue = "42", description = "Seed for weights and input (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--tour-minutes", defaultValue = "1", description = "Then train a small character model on "
      + "rnn4j's sources for this long, sample from it and write a neuron-viewer page; 0 skips the tour "
      + "(default: ${DEFAULT-VALUE}).")
  double tourMinutes;

  @Option(names = "--out", defaultValue = "rnn4j-demo", description = "Where the tour writes its files "
      + "(default: ${DEFAULT-VALUE}).")
  java.nio.file.Path outDir;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    ModelSpec ms = ModelSpec.of(CellType.LSTM, inputSize, hidden, 2, true);
    ModelWeights weights = ModelWeights.random(ms, seed);
    float[] x = new float[steps * batch * inputSize];
    SplittableRandom rnd = new SplittableRandom(seed + 1);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    // Ragged lengths so the packed path runs too: the longest row has every step.
    int[] lengths = new int[batch];
    for (int b = 0; b < batch; b++) {
      lengths[b] = Math.max(1, steps - b * steps / (2 * batch));
    }
    SequenceBatch in = SequenceBatch.seqFirst(x, steps, batch, inputSize).withLengths(lengths);
    long rowSteps = Arrays.stream(lengths).sum();
    double flops = flopsPerRowStep(ms) * rowSteps;

    out.printf("rnn4j demo: %s, %,d parameters%n", ms, weights.parameterCount());
    out.printf("input: T=%d, B=%d, lengths %s (%d row-steps, %.2f GFLOP per call)%n%n", steps, batch,
        Arrays.toString(lengths), rowSteps, flops / 1e9);
    BackendRegistry reg = BackendRegistry.getDefault();
    String selected;
    try {
      BackendRegistry.Selection s = reg.selection();
      selected = s.backend().name();
      out.println("auto-selected backend: " + selected + " (" + s.why() + ")");
    } catch (BackendUnavailableException e) {
      out.println("auto-selection failed: " + e.getMessage());
      selected = "";
    }
    out.println();
    out.printf("%-3s%-9s%-12s%12s%10s  %s%n", "", "backend", "status", "ms/call", "GFLOP/s", "max |diff| vs scalar");
    // The scalar reference runs first, whatever its place in the table, so every row can be compared with it.
    float[] reference;
    try (Model m = Model.of(weights, reg.get("scalar"))) {
      reference = concat(m.forward(in));
    }
    int failures = 0;
    for (BackendRegistry.Entry e : reg.entries()) {
      String mark = e.name().equals(selected) ? " * " : "   ";
      if (e.disabled() || !e.probe().available()) {
        out.printf("%s%-9s%-12s %s%n", mark, e.name(), e.disabled() ? "disabled" : "unavailable", e.probe().reason());
        continue;
      }
      Backend b = reg.get(e.name());
      try (Model m = Model.of(weights, b)) {
        Workspace ws = m.newWorkspace();
        // Warm up until the JIT has compiled the kernels: at least two calls and one second.
        ForwardResult r = m.forward(in, ws);
        long warmStart = System.nanoTime();
        for (int i = 0; i < 1 || System.nanoTime() - warmStart < 1_000_000_000L; i++) {
          r = m.forward(in, ws);
        }
        long[] times = new long[Math.max(1, runs)];
        for (int i = 0; i < times.length; i++) {
          long t0 = System.nanoTime();
          r = m.forward(in, ws);
          times[i] = System.nanoTime() - t0;
        }
        Arrays.sort(times);
        double ms2 = times[times.length / 2] / 1e6;
        String diff;
        if (e.name().equals("scalar")) {
          diff = "0 (reference)";
        } else {
          double d = maxAbsDiff(reference, concat(r));
          diff = String.format("%.2e", d);
          if (!(d <= 1e-3)) {
            failures++;
            diff += "  DISAGREES";
          }
        }
        out.printf("%s%-9s%-12s%12.2f%10.2f  %-22s %s%n", mark, e.name(), "ok", ms2, flops / (ms2 * 1e6), diff,
            e.probe().details().getOrDefault("threads", "1") + " thread(s)");
      }
    }
    out.println();
    out.println("* = auto-selected. Timings: median of " + Math.max(1, runs) + " runs after a warm-up of at least one"
        + " second, Java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
        + " processors. For careful numbers use the JMH suite in bench/.");
    out.flush();
    if (failures > 0) {
      return 1;
    }
    return tourMinutes > 0 ? tour(out) : 0;
  }

  /** The rest of the tour: train-char for a minute, a sample, a neuron-viewer page. */
  private int tour(PrintWriter out) throws Exception {
    java.nio.file.Files.createDirectories(outDir);
    String model = outDir.resolve("char-lstm.safetensors").toString();
    String page = outDir.resolve("neurons.html").toString();
    out.printf("%nNext: a character-level LSTM learns rnn4j's own Java sources for %s (train-char)...%n",
        Progress.duration(tourMinutes * 60));
    out.flush();
    int rc = sub("train-char", "--out", model, "--hidden", "128", "--layers", "2", "--seq", "64", "--batch", "32",
        "--minutes", Double.toString(tourMinutes), "--steps", "100000", "--eval-every", "50", "--save-every", "100",
        "--val-chars", "5000");
    if (rc != 0) {
      return rc;
    }
    out.printf("%nA sample from it (generate --temperature 0.7):%n");
    out.flush();
    rc = sub("generate", "--model", model, "--prime", "  public ", "--length", "300", "--temperature", "0.7");
    if (rc != 0) {
      return rc;
    }
    out.printf("%nIts neurons reading a piece of Model.java (explain):%n");
    out.flush();
    rc = sub("explain", "--model", model, "--text", TOUR_TEXT, "--out", page, "--series", "cell");
    out.printf("%nOpen %s in a browser; retrain longer with ./rnn4j train-char --out %s --resume --minutes 10%n",
        page, model);
    out.flush();
    return rc;
  }

  private int sub(String... args) {
    picocli.CommandLine cl = Main.commandLine();
    cl.setOut(spec.commandLine().getOut());
    cl.setErr(spec.commandLine().getErr());
    return cl.execute(args);
  }

  private static final String TOUR_TEXT = """
      /** Runs a batch of sequences, reusing {@code ws}; only the results are allocated. */
      public ForwardResult forward(SequenceBatch in, Workspace ws) {
        if (in.features() != spec.inputSize()) {
          throw new IllegalArgumentException("x: " + in.features() + " features per step");
        }
        for (int layer = 0; layer < spec.numLayers(); layer++) {
          input = out;
        }
      }
      """;

  /** Multiply-adds of the input and recurrent products, ×2: 2·G·H·(I_k + Hout) per direction and layer. */
  static double flopsPerRowStep(ModelSpec ms) {
    double f = 0;
    for (int k = 0; k < ms.numLayers(); k++) {
      f += ms.directions() * 2.0 * ms.gateRows() * (ms.layerInputSize(k) + ms.outputWidth());
    }
    return f;
  }

  private static float[] concat(ForwardResult r) {
    float[] y = r.output().data();
    float[] h = r.hN().data();
    float[] c = r.cN() == null ? new float[0] : r.cN().data();
    float[] all = Arrays.copyOf(y, y.length + h.length + c.length);
    System.arraycopy(h, 0, all, y.length, h.length);
    System.arraycopy(c, 0, all, y.length + h.length, c.length);
    return all;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      double d = Math.abs((double) a[i] - b[i]);
      if (!(d <= m)) {
        m = d; // NaN propagates as NaN
      }
    }
    return m;
  }
}
