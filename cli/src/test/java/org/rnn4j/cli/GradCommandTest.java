package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.io.TensorInfo;
import org.rnn4j.reference.SharedVectors;

class GradCommandTest {
  @TempDir
  Path dir;

  /** The shared PyTorch autograd vectors, with their own tolerance (PYTORCH-CASES.md). */
  @TestFactory
  List<DynamicTest> sharedPytorchGradVectors() {
    return SharedVectors.perCase("conformance/pytorch-grad", "model.safetensors", c -> {
      Path out = dir.resolve(c.getFileName() + ".grad.safetensors");
      CliRunner r = CliRunner.run("grad", "--model", c.resolve("model.safetensors").toString(), "--input",
          c.resolve("input.safetensors").toString(), "--output", out.toString(), "--backend", "scalar");
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsReader o = SafetensorsReader.open(out);
          SafetensorsReader e = SafetensorsReader.open(c.resolve("expected.safetensors"))) {
        for (TensorInfo t : e.tensors()) {
          assertTrue(o.contains(t.name()), "missing " + t.name());
          float[] expected = e.readFloats(t.name());
          float[] actual = o.readFloats(t.name());
          double max = 0;
          for (float v : expected) {
            max = Math.max(max, Math.abs(v));
          }
          org.rnn4j.testing.Tolerance.assertClose(c.getFileName() + " " + t.name(), expected, actual,
              1e-5 + 1e-5 * max, 1e-4);
        }
      }
    });
  }

  @Test
  void missingUpstreamGradientIsNamed() throws Exception {
    Path m = dir.resolve("m.safetensors");
    ModelFiles.write(ModelWeights.random(ModelSpec.of(CellType.GRU, 2, 3, 1, false), 1), m);
    Path in = dir.resolve("in.safetensors");
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("x", TensorData.ofFloats(new float[4], 2, 1, 2));
    SafetensorsWriter.write(in, t, Map.of());
    CliRunner r = CliRunner.run("grad", "--model", m.toString(), "--input", in.toString(), "--output",
        dir.resolve("g.safetensors").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("missing tensor 'dy' (shape [2, 1, 3])"), r.err());
  }

  @Test
  void writesEveryParameterGradientUnderItsPytorchName() throws Exception {
    Path m = dir.resolve("m.safetensors");
    ModelFiles.write(ModelWeights.random(ModelSpec.builder(CellType.LSTM, 2, 3).projSize(2).bidirectional(true)
        .build(), 1), m);
    Path in = dir.resolve("in.safetensors");
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("x", TensorData.ofFloats(new float[] {1, 2, 3, 4}, 2, 1, 2));
    t.put("dy", TensorData.ofFloats(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, 2, 1, 4));
    SafetensorsWriter.write(in, t, Map.of());
    Path out = dir.resolve("g.safetensors");
    CliRunner r = CliRunner.run("grad", "--model", m.toString(), "--input", in.toString(), "--output", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsReader o = SafetensorsReader.open(out)) {
      for (String name : new String[] {"dx", "dh0", "dc0", "grad.weight_ih_l0", "grad.weight_hr_l0_reverse",
          "grad.bias_hh_l0"}) {
        assertTrue(o.contains(name), name);
      }
      assertEquals(List.of(12L, 2L), java.util.Arrays.stream(o.info("grad.weight_ih_l0").shape()).boxed().toList());
    }
  }
}
