package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j experiment NAME}: the probing experiments (counting, selective counting, A/B memory, copy). */
@Command(name = "experiment", description = {
    "Train a small LSTM on a symbol language generated from --seed, test it by greedy generation,",
    "print the result table and draw the neurons that explain it (neuron-viewer pages, SVG plots).",
    "  counting            a^n X b^n, 1 <= n <= 10, 10 units; tested for n = 1..25",
    "  selective-counting  aaXaXaaYbbbbb: count the a's, ignore the X's",
    "  ab-memory           AxxxxYa / BxxxxYb: remember the first letter across 1-10 x's",
    "  copy                baaXbaa, abcXabc: a 2-layer LSTM copies the word before X",
    "Writes results.txt, loss.svg, neuron-*.svg and neurons*.html into --out."})
final class ExperimentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "counting, selective-counting, ab-memory or copy.")
  String name;

  @Option(names = "--seed", defaultValue = "1", description = "Seed for the data and the weights (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--out", description = "Folder for the table and pictures (default: experiments/NAME).")
  Path out;

  @Option(names = "--steps", defaultValue = "0", description = "Training steps; 0 = the experiment's default.")
  long steps;

  @picocli.CommandLine.Mixin
  Backends backend;

  @Override
  public Integer call() throws Exception {
    if (!Experiments.NAMES.contains(name)) {
      throw new IllegalArgumentException("unknown experiment '" + name + "'; choose one of "
          + String.join(", ", Experiments.NAMES));
    }
    if (steps < 0) {
      throw new IllegalArgumentException("--steps must be >= 0, got " + steps);
    }
    PrintWriter pw = spec.commandLine().getOut();
    Backend b = backend.choose();
    Path dir = out != null ? out : Path.of("experiments", name);
    Experiments.Outcome o = Experiments.run(name, new Experiments.Settings(seed, steps, dir, b, pw,
        Progress.isTerminal()));
    pw.print(o.report());
    pw.println("wrote:");
    for (Path p : o.files()) {
      pw.println("  " + p);
    }
    pw.flush();
    return 0;
  }
}
