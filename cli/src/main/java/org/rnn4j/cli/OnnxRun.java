package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.io.TensorInfo;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.onnx.Tensor;
import org.rnn4j.spi.Backend;

/**
 * {@code rnn4j run} for an .onnx model: each graph input (not an initializer) is read from the
 * input file under its graph name, each graph output is written under its graph name.
 */
final class OnnxRun {
  private OnnxRun() {
  }

  static int run(Path model, Path input, Path output, Backend backend, PrintWriter out) throws Exception {
    long start = System.nanoTime();
    Map<String, Tensor> results;
    try (OnnxModel m = OnnxModel.load(model, backend)) {
      results = m.run(readInputs(input, m));
    }
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    List<String> written = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : results.entrySet()) {
      Tensor t = e.getValue();
      long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
      tensors.put(e.getKey(), t.isFloat() ? TensorData.ofFloats(t.floats(), shape) : TensorData.ofLongs(t.longs(),
          shape));
      written.add(e.getKey() + " " + t.shapeString());
    }
    SafetensorsWriter.write(output, tensors, Map.of("rnn4j.backend", backend.name()));
    out.printf("%s on %s: wrote %s to %s (%.1f ms)%n", model.getFileName(), backend.name(), String.join(", ", written),
        output, (System.nanoTime() - start) / 1e6);
    out.flush();
    return 0;
  }

  /** The model's inputs from a safetensors file; optional inputs the file lacks stay absent. */
  static Map<String, Tensor> readInputs(Path file, OnnxModel m) throws Exception {
    Map<String, Tensor> in = new LinkedHashMap<>();
    try (SafetensorsReader r = SafetensorsReader.open(file)) {
      List<String> names = new ArrayList<>();
      for (OnnxModel.Port p : m.inputs()) {
        names.add(p.name());
      }
      for (TensorInfo t : r.tensors()) {
        if (!names.contains(t.name())) {
          throw new ModelFormatException(file + ": tensor '" + t.name() + "' is not an input of the model; its inputs "
              + "are " + m.inputs());
        }
        int[] shape = new int[t.rank()];
        for (int i = 0; i < shape.length; i++) {
          if (t.shape()[i] > Integer.MAX_VALUE) {
            throw new ModelFormatException(file + ": tensor '" + t.name() + "' is too large: " + t.shapeString());
          }
          shape[i] = (int) t.shape()[i];
        }
        boolean floating = switch (t.dtype()) {
          case F64, F32, F16, BF16 -> true;
          case I64, I32, I16, I8, U8 -> false;
          default -> throw new ModelFormatException(file + ": tensor '" + t.name() + "' has dtype " + t.dtype()
              + ", which ONNX inputs cannot take here (float or integer types only)");
        };
        in.put(t.name(), floating ? Tensor.ofFloats(r.readFloats(t.name()), shape)
            : Tensor.ofLongs(r.readLongs(t.name()), shape));
      }
    }
    return in;
  }
}
