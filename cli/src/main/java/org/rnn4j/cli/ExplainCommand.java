package org.rnn4j.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rnn4j.ActivationTrace;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j explain}: a neuron-viewer page for a character model reading a text. */
@Command(name = "explain", description = {
    "Write a self-contained HTML page showing how a train-char model's neurons react to a text:",
    "the text coloured by one neuron (red -1, white 0, blue +1), a picker for layer, series",
    "(hidden, cell, each gate) and neuron, and a heat map of all neurons over time."})
final class ExplainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, description = "A train-char model (.safetensors).")
  Path model;

  @Option(names = "--text", required = true, description = "The text to read (or @FILE to read it from a file).")
  String text;

  @Option(names = "--out", required = true, description = "The HTML page to write.")
  Path out;

  @Option(names = "--layer", defaultValue = "0", description = "Layer shown first (default: ${DEFAULT-VALUE}).")
  int layer;

  @Option(names = "--series", defaultValue = "cell", description = "Series shown first: hidden, cell, input, forget, "
      + "candidate, output, reset, update (default: ${DEFAULT-VALUE}).")
  String series;

  @Option(names = "--neuron", defaultValue = "0", description = "Neuron shown first (default: ${DEFAULT-VALUE}).")
  int neuron;

  @picocli.CommandLine.Mixin
  Backends backend;

  @Override
  public Integer call() throws Exception {
    String body = text.startsWith("@") ? Files.readString(Path.of(text.substring(1)), StandardCharsets.UTF_8) : text;
    if (body.isEmpty()) {
      throw new IllegalArgumentException("--text is empty");
    }
    Backend b = backend.choose();
    GenerateCommand.CharModel cm = GenerateCommand.CharModel.load(model, b);
    int[] ids;
    ActivationTrace trace;
    try (var m = cm.model()) {
      if (layer < 0 || layer >= m.spec().numLayers()) {
        throw new IllegalArgumentException("--layer " + layer + " is outside 0.." + (m.spec().numLayers() - 1));
      }
      ids = cm.vocab().encode(body);
      int v = cm.vocab().size();
      float[] x = new float[ids.length * v];
      for (int t = 0; t < ids.length; t++) {
        x[t * v + ids[t]] = 1f;
      }
      trace = m.trace(x, ids.length);
    }
    int[] cps = body.codePoints().toArray();
    String html = NeuronPage.render("rnn4j neurons: " + model.getFileName(), cps, trace, layer, series, neuron);
    Files.writeString(out, html, StandardCharsets.UTF_8);
    spec.commandLine().getOut().printf("wrote %s (%d characters, %d series)%n", out, cps.length,
        trace.slots().stream().mapToInt(s -> s.series().size()).sum());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
