package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rnn4j.FloatTensor;
import org.rnn4j.Gradients;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.SequenceBatch;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.io.TensorInfo;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j grad}: what {@code torch.autograd.grad} returns for given upstream gradients. */
@Command(name = "grad", description = {
    "Compute gradients of L = sum(y*dy) + sum(h_n*dh_n) + sum(c_n*dc_n) (a vector-Jacobian product).",
    "Input tensors: as for 'run' (x, lengths, h0, c0) plus dy (shape of y) and optional dh_n, dc_n.",
    "Output tensors: dx, dh0, dc0 (LSTM) and grad.<name> for every parameter (e.g. grad.weight_ih_l0)."})
final class GradCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model file (.safetensors, PyTorch state_dict names).")
  Path model;

  @Option(names = "--input", required = true, description = "Input and upstream-gradient tensors (.safetensors).")
  Path input;

  @Option(names = "--output", required = true, description = "Where to write the gradients (.safetensors).")
  Path output;

  @picocli.CommandLine.Mixin
  Backends backend;

  @Option(names = "--batch-first", description = "x and dy are [B,T,·].")
  boolean batchFirst;

  @Override
  public Integer call() throws Exception {
    Backend b = backend.choose();
    Gradients g;
    ModelSpec ms;
    try (Model m = Model.load(model, b, org.rnn4j.Precision.FP32)) {
      ms = m.spec();
      SequenceBatch in = RunCommand.readInput(input, ms, batchFirst);
      try (SafetensorsReader r = SafetensorsReader.open(input)) {
        int steps = in.steps();
        int batch = in.batch();
        int width = ms.directions() * ms.outputWidth();
        long[] yShape = batchFirst ? new long[] {batch, steps, width} : new long[] {steps, batch, width};
        float[] dy = read(r, "dy", yShape, true);
        int ld = ms.directionCount();
        float[] dhN = read(r, "dh_n", new long[] {ld, batch, ms.outputWidth()}, false);
        float[] dcN = null;
        if (r.contains("dc_n")) {
          if (!ms.hasCellState()) {
            throw new ModelFormatException(input + ": tensor 'dc_n' given, but a " + ms.cell().id()
                + " model has no cell state");
          }
          dcN = read(r, "dc_n", new long[] {ld, batch, ms.hiddenSize()}, false);
        }
        g = m.vjp(in, dy, dhN, dcN);
      }
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    out.put("dx", tensor(g.dx()));
    out.put("dh0", tensor(g.dh0()));
    if (g.dc0() != null) {
      out.put("dc0", tensor(g.dc0()));
    }
    for (Map.Entry<String, FloatTensor> e : g.parameters().entrySet()) {
      out.put("grad." + e.getKey(), tensor(e.getValue()));
    }
    SafetensorsWriter.write(output, out, Map.of("rnn4j.backend", b.name()));
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf("%s on %s: wrote dx %s and %d parameter gradients to %s%n", ms, b.name(), g.dx().shapeString(),
        g.parameters().size(), output);
    pw.flush();
    return 0;
  }

  private float[] read(SafetensorsReader r, String name, long[] shape, boolean required) throws Exception {
    if (!r.contains(name)) {
      if (required) {
        throw new ModelFormatException(input + ": missing tensor '" + name + "' (shape " + Arrays.toString(shape) + ")");
      }
      return null;
    }
    TensorInfo t = r.info(name);
    if (!Arrays.equals(t.shape(), shape)) {
      throw new ModelFormatException(input + ": tensor '" + name + "' must have shape " + Arrays.toString(shape)
          + ", has " + t.shapeString());
    }
    return r.readFloats(name);
  }

  private static TensorData tensor(FloatTensor t) {
    return TensorData.ofFloats(t.data(), Arrays.stream(t.shape()).asLongStream().toArray());
  }
}
