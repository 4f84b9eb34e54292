package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rnn4j.FloatTensor;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.io.TensorInfo;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j run}: a model file and an input file in, an output file out, PyTorch's contract. */
@Command(name = "run", description = {
    "Run a model on the tensors of an input file and write the outputs.",
    "Input tensors: x float [T,B,I] ([B,T,I] with --batch-first), optional lengths int64/int32 [B],",
    "h0 [L*D,B,Hout], c0 [L*D,B,H]. Output tensors: y, h_n, c_n (LSTM), shaped as PyTorch returns them."})
final class RunCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, description = "Model file: .safetensors (PyTorch state_dict names) "
      + "or .onnx (graph inputs are read from --input and graph outputs written to --output by their names).")
  Path model;

  @Option(names = "--input", required = true, description = "Input tensors (.safetensors).")
  Path input;

  @Option(names = "--output", required = true, description = "Where to write y, h_n, c_n (.safetensors).")
  Path output;

  @picocli.CommandLine.Mixin
  Backends backend;

  @picocli.CommandLine.Mixin
  Precisions precision;

  @Option(names = "--compare-fp32", description = "With --precision bf16: also run the model in fp32 on the same "
      + "backend and input, and print the max abs/rel deviation of y, h_n, c_n (rel: to the largest |fp32| value).")
  boolean compareFp32;

  @Option(names = "--batch-first", description = "x is [B,T,I] and y is [B,T,D*Hout].")
  boolean batchFirst;

  @Override
  public Integer call() throws Exception {
    Backend b = backend.choose();
    Precision prec = precision.choose();
    if (compareFp32 && prec == Precision.FP32) {
      throw new IllegalArgumentException("--compare-fp32 compares a reduced precision with fp32: add --precision bf16");
    }
    if (OnnxModel.looksLikeOnnx(model)) {
      if (prec != Precision.FP32 || compareFp32) {
        throw new IllegalArgumentException("--precision " + prec + " applies to .safetensors models; ONNX graphs "
            + "run in fp32 (or set -D" + Precision.PROPERTY + " to apply it to their recurrent nodes)");
      }
      if (batchFirst) {
        throw new IllegalArgumentException("--batch-first does not apply to ONNX models (their nodes' layout "
            + "attribute says it)");
      }
      return OnnxRun.run(model, input, output, b, spec.commandLine().getOut());
    }
    long start = System.nanoTime();
    ForwardResult r;
    ModelSpec ms;
    ForwardResult fp32 = null;
    try (Model m = Model.load(model, b, prec)) {
      ms = m.spec();
      SequenceBatch batch = readInput(input, ms, batchFirst);
      r = m.forward(batch);
      if (compareFp32) {
        try (Model f = Model.of(m.weights(), b, Precision.FP32)) {
          fp32 = f.forward(batch);
        }
      }
    }
    Map<String, TensorData> out = new LinkedHashMap<>();
    out.put("y", tensor(r.output()));
    out.put("h_n", tensor(r.hN()));
    if (r.cN() != null) {
      out.put("c_n", tensor(r.cN()));
    }
    SafetensorsWriter.write(output, out, Map.of("rnn4j.backend", b.name(), "rnn4j.precision", prec.id()));
    long micros = (System.nanoTime() - start) / 1000;
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf("%s on %s%s: wrote y %s, h_n %s%s to %s (%.1f ms)%n", ms, b.name(),
        prec == Precision.FP32 ? "" : " in " + prec, r.output().shapeString(),
        r.hN().shapeString(), r.cN() == null ? "" : ", c_n " + r.cN().shapeString(), output, micros / 1000.0);
    if (fp32 != null) {
      pw.printf("%s vs fp32 on the same input:%n", prec);
      pw.printf("  y    %s%n", Deviation.of(r.output().data(), fp32.output().data()));
      pw.printf("  h_n  %s%n", Deviation.of(r.hN().data(), fp32.hN().data()));
      if (r.cN() != null) {
        pw.printf("  c_n  %s%n", Deviation.of(r.cN().data(), fp32.cN().data()));
      }
    }
    pw.flush();
    return 0;
  }

  private static TensorData tensor(FloatTensor t) {
    return TensorData.ofFloats(t.data(), Arrays.stream(t.shape()).asLongStream().toArray());
  }

  /** Reads and validates x, lengths, h0 and c0 against the model; every problem names the tensor. */
  static SequenceBatch readInput(Path file, ModelSpec ms, boolean batchFirst) throws Exception {
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      String where = file.toString();
      if (!r.contains("x")) {
        throw new ModelFormatException(where + ": missing tensor 'x' (float [T,B,I]" + (batchFirst ? ", batch-first" : "")
            + ")");
      }
      TensorInfo xi = r.info("x");
      if (xi.rank() != 3) {
        throw new ModelFormatException(where + ": tensor 'x' must have 3 dimensions ([" + (batchFirst ? "B, T" : "T, B")
            + ", I]), has shape " + xi.shapeString());
      }
      int d0 = dim(xi, 0, where);
      int d1 = dim(xi, 1, where);
      int features = dim(xi, 2, where);
      if (features != ms.inputSize()) {
        throw new ModelFormatException(where + ": tensor 'x' has " + features + " features (shape " + xi.shapeString()
            + "), the model expects " + ms.inputSize());
      }
      int steps = batchFirst ? d1 : d0;
      int batch = batchFirst ? d0 : d1;
      if (steps == 0 || batch == 0) {
        throw new ModelFormatException(where + ": tensor 'x' is empty (shape " + xi.shapeString() + ")");
      }
      float[] x = r.readFloats("x");
      SequenceBatch in = batchFirst ? SequenceBatch.batchFirst(x, batch, steps, features)
          : SequenceBatch.seqFirst(x, steps, batch, features);
      if (r.contains("lengths")) {
        TensorInfo li = r.info("lengths");
        if (li.rank() != 1 || li.shape()[0] != batch) {
          throw new ModelFormatException(where + ": tensor 'lengths' must have shape [" + batch + "], has "
              + li.shapeString());
        }
        long[] raw = r.readLongs("lengths");
        int[] lengths = new int[batch];
        for (int i = 0; i < batch; i++) {
          if (raw[i] < 1 || raw[i] > steps) {
            throw new ModelFormatException(where + ": lengths[" + i + "] = " + raw[i] + " is out of range 1.." + steps);
          }
          lengths[i] = (int) raw[i];
        }
        in = in.withLengths(lengths);
      }
      int ld = ms.directionCount();
      if (r.contains("h0")) {
        in = in.withH0(readState(r, "h0", new long[] {ld, batch, ms.outputWidth()}, where));
      }
      if (r.contains("c0")) {
        if (!ms.hasCellState()) {
          throw new ModelFormatException(where + ": tensor 'c0' given, but a " + ms.cell().id()
              + " model has no cell state");
        }
        in = in.withC0(readState(r, "c0", new long[] {ld, batch, ms.hiddenSize()}, where));
      }
      return in;
    }
  }

  private static float[] readState(SafetensorsReader r, String name, long[] shape, String where) throws Exception {
    TensorInfo t = r.info(name);
    if (!Arrays.equals(t.shape(), shape)) {
      throw new ModelFormatException(where + ": tensor '" + name + "' must have shape " + Arrays.toString(shape)
          + ", has " + t.shapeString());
    }
    return r.readFloats(name);
  }

  private static int dim(TensorInfo t, int axis, String where) throws ModelFormatException {
    long d = t.shape()[axis];
    if (d > Integer.MAX_VALUE) {
      throw new ModelFormatException(where + ": tensor '" + t.name() + "' is too large: " + t.shapeString());
    }
    return (int) d;
  }

}
