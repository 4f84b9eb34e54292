package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.onnx.Tensor;
import picocli.CommandLine;

/** The ONNX parts of the CLI, run in-process: conformance, run with an .onnx model, info --model. */
class OnnxCliTest {
  @TempDir
  Path tmp;

  private record Outcome(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  private static Outcome cli(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Outcome(code, out.toString(), err.toString());
  }

  private static Path shared(String relative) {
    String prop = System.getProperty("rnn4j.shared.dir");
    Path dir = prop == null ? Path.of("../../shared") : Path.of(prop);
    Path p = dir.resolve(relative);
    Assumptions.assumeTrue(Files.exists(p), p + " not found (set -Drnn4j.shared.dir); ONNX CLI cases skipped");
    return p;
  }

  @Test
  void conformanceRunsBothSharedSets() {
    Outcome o = cli("conformance", shared("conformance/onnx-node").toString(),
        shared("conformance/onnx-extra").toString(), "--backend", "scalar");
    List<String> lines = o.lines();
    assertEquals("36 passed, 0 failed", lines.get(lines.size() - 1), o.out + o.err);
    assertEquals(37, lines.size());
    assertEquals(0, o.code);
  }

  @Test
  void conformanceFailureExitsNonZero() throws Exception {
    Path src = shared("conformance/onnx-node/test_gru_defaults");
    Path dst = tmp.resolve("cases/broken_gru");
    Files.createDirectories(dst.resolve("test_data_set_0"));
    Files.copy(src.resolve("model.onnx"), dst.resolve("model.onnx"));
    for (String f : List.of("input_0.pb", "input_1.pb", "input_2.pb")) {
      Files.copy(src.resolve("test_data_set_0").resolve(f), dst.resolve("test_data_set_0").resolve(f));
    }
    // The expected output of another case: right format, wrong values and shape.
    Files.copy(shared("conformance/onnx-node/test_lstm_defaults/test_data_set_0/output_0.pb"),
        dst.resolve("test_data_set_0/output_0.pb"));
    Outcome o = cli("conformance", tmp.resolve("cases").toString());
    List<String> lines = o.lines();
    assertTrue(lines.get(0).startsWith("FAIL  broken_gru"), o.out);
    assertEquals("0 passed, 1 failed", lines.get(lines.size() - 1));
    assertEquals(1, o.code);
  }

  @Test
  void runOnnxModelByGraphNames() throws Exception {
    Path dir = shared("conformance/onnx-extra/lstm_bidi_lens_h0c0_h33");
    Path model = dir.resolve("model.onnx");
    Map<String, TensorData> inputs = new LinkedHashMap<>();
    List<OnnxModel.Port> ports;
    List<OnnxModel.Port> outs;
    try (OnnxModel m = OnnxModel.load(model)) {
      ports = m.inputs();
      outs = m.outputs();
    }
    for (int i = 0; i < ports.size(); i++) {
      Tensor t = OnnxModel.readTensorProto(dir.resolve("test_data_set_0/input_" + i + ".pb"));
      long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
      inputs.put(ports.get(i).name(), t.isFloat() ? TensorData.ofFloats(t.floats(), shape)
          : TensorData.ofInts(Arrays.stream(t.longs()).mapToInt(Math::toIntExact).toArray(), shape));
    }
    Path in = tmp.resolve("in.safetensors");
    Path out = tmp.resolve("out.safetensors");
    SafetensorsWriter.write(in, inputs, Map.of());
    Outcome o = cli("run", "--model", model.toString(), "--input", in.toString(), "--output", out.toString(),
        "--backend", "scalar");
    assertEquals(0, o.code, o.err);
    assertTrue(o.out.contains("wrote Y [11, 2, 5, 33], Y_h [2, 5, 33], Y_c [2, 5, 33]"), o.out);
    try (SafetensorsReader r = SafetensorsReader.open(out)) {
      for (int i = 0; i < outs.size(); i++) {
        float[] expected = OnnxModel.readTensorProto(dir.resolve("test_data_set_0/output_" + i + ".pb")).floats();
        float[] actual = r.readFloats(outs.get(i).name());
        for (int k = 0; k < expected.length; k++) {
          assertEquals(expected[k], actual[k], 2e-5 + 2e-4 * Math.abs(expected[k]), outs.get(i).name() + "[" + k + "]");
        }
      }
    }
    // Optional inputs the file lacks are absent; a tensor the model does not take is an error.
    inputs.remove("sequence_lens");
    inputs.remove("initial_c");
    SafetensorsWriter.write(in, inputs, Map.of());
    assertEquals(0, cli("run", "--model", model.toString(), "--input", in.toString(), "--output", out.toString())
        .code);
    inputs.put("x", TensorData.ofFloats(new float[1], 1));
    SafetensorsWriter.write(in, inputs, Map.of());
    Outcome bad = cli("run", "--model", model.toString(), "--input", in.toString(), "--output", out.toString());
    assertEquals(1, bad.code);
    assertTrue(bad.err.contains("tensor 'x' is not an input of the model"), bad.err);
  }

  @Test
  void infoDescribesOnnxGraph() {
    Outcome o = cli("info", "--model", shared("conformance/onnx-node/test_lstm_with_peepholes/model.onnx").toString());
    assertEquals(0, o.code, o.err);
    assertTrue(o.out.contains("(LSTM)") && o.out.contains("Inputs:") && o.out.contains("P FLOAT[1, 9]"), o.out);
  }
}
