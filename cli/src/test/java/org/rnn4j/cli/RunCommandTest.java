package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.reference.SharedVectors;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

class RunCommandTest {
  @TempDir
  Path dir;

  private static final ModelSpec LSTM = ModelSpec.builder(CellType.LSTM, 3, 5).numLayers(2).bidirectional(true)
      .build();

  private Path model() throws Exception {
    Path m = dir.resolve("model.safetensors");
    ModelFiles.write(ModelWeights.random(LSTM, 7), m);
    return m;
  }

  private Path input(Map<String, TensorData> tensors) throws Exception {
    Path in = dir.resolve("input.safetensors");
    SafetensorsWriter.write(in, tensors, Map.of());
    return in;
  }

  private static Map<String, TensorData> x(int steps, int batch, int features) {
    Map<String, TensorData> t = new LinkedHashMap<>();
    t.put("x", TensorData.ofFloats(RandomModels.gaussian(steps * batch * features, 1, 3), steps, batch, features));
    return t;
  }

  @Test
  void writesWhatTheApiComputes() throws Exception {
    Map<String, TensorData> in = x(4, 2, 3);
    in.put("lengths", TensorData.ofInts(new int[] {2, 4}, 2));
    float[] h0 = RandomModels.gaussian(4 * 2 * 5, 0.5, 5);
    float[] c0 = RandomModels.gaussian(4 * 2 * 5, 0.5, 6);
    in.put("h0", TensorData.ofFloats(h0, 4, 2, 5));
    in.put("c0", TensorData.ofFloats(c0, 4, 2, 5));
    Path out = dir.resolve("out.safetensors");
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input(in).toString(), "--output",
        out.toString(), "--backend", "scalar");
    assertEquals(0, r.exitCode(), r.err());
    ForwardResult expected;
    try (Model m = Model.load(dir.resolve("model.safetensors"), BackendRegistry.getDefault().get("scalar"))) {
      expected = m.forward(SequenceBatch.seqFirst(floats(in.get("x")), 4, 2, 3).withLengths(new int[] {2, 4})
          .withH0(h0).withC0(c0));
    }
    try (SafetensorsReader o = SafetensorsReader.open(out)) {
      assertArrayEquals(new long[] {4, 2, 10}, o.info("y").shape());
      assertArrayEquals(expected.output().data(), o.readFloats("y"));
      assertArrayEquals(expected.hN().data(), o.readFloats("h_n"));
      assertArrayEquals(expected.cN().data(), o.readFloats("c_n"));
    }
  }

  private static float[] floats(TensorData t) {
    var fb = t.bytes().asFloatBuffer();
    float[] f = new float[fb.remaining()];
    fb.get(f);
    return f;
  }

  @Test
  void batchFirstInputGivesBatchFirstOutput() throws Exception {
    Map<String, TensorData> in = new LinkedHashMap<>();
    in.put("x", TensorData.ofFloats(RandomModels.gaussian(2 * 4 * 3, 1, 3), 2, 4, 3));
    Path out = dir.resolve("out.safetensors");
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input(in).toString(), "--output",
        out.toString(), "--batch-first");
    assertEquals(0, r.exitCode(), r.err());
    try (SafetensorsReader o = SafetensorsReader.open(out)) {
      assertArrayEquals(new long[] {2, 4, 10}, o.info("y").shape());
      assertArrayEquals(new long[] {4, 2, 5}, o.info("h_n").shape());
    }
  }

  /** Runs the CLI on bad input: it must exit 1 with one line naming the problem, and no stack trace. */
  private CliRunner fails(Map<String, TensorData> in, String expectedFragment) throws Exception {
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input(in).toString(), "--output",
        dir.resolve("o.safetensors").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains(expectedFragment), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertFalse(Files.exists(dir.resolve("o.safetensors")));
    return r;
  }

  @Test
  void missingXIsNamed() throws Exception {
    fails(Map.of("y", TensorData.ofFloats(new float[1], 1)), "missing tensor 'x'");
  }

  @Test
  void wrongFeatureCountIsNamed() throws Exception {
    fails(x(2, 1, 4), "tensor 'x' has 4 features");
  }

  @Test
  void xOfWrongRankIsNamed() throws Exception {
    fails(Map.of("x", TensorData.ofFloats(new float[6], 2, 3)), "tensor 'x' must have 3 dimensions");
  }

  @Test
  void lengthOutOfRangeIsNamed() throws Exception {
    Map<String, TensorData> in = x(3, 2, 3);
    in.put("lengths", TensorData.ofLongs(new long[] {3, 4}, 2));
    fails(in, "lengths[1] = 4 is out of range 1..3");
  }

  @Test
  void zeroLengthIsRejected() throws Exception {
    Map<String, TensorData> in = x(3, 2, 3);
    in.put("lengths", TensorData.ofLongs(new long[] {0, 3}, 2));
    fails(in, "lengths[0] = 0");
  }

  @Test
  void initialStateOfWrongShapeIsNamed() throws Exception {
    Map<String, TensorData> in = x(3, 2, 3);
    in.put("h0", TensorData.ofFloats(new float[2 * 2 * 5], 2, 2, 5));
    fails(in, "tensor 'h0' must have shape [4, 2, 5], has [2, 2, 5]");
  }

  @Test
  void lengthsOfWrongSizeAreNamed() throws Exception {
    Map<String, TensorData> in = x(3, 2, 3);
    in.put("lengths", TensorData.ofLongs(new long[] {1, 2, 3}, 3));
    fails(in, "tensor 'lengths' must have shape [2]");
  }

  @Test
  void corruptModelFileIsReportedInOneLine() throws Exception {
    Path bad = dir.resolve("bad.safetensors");
    Files.write(bad, new byte[] {1, 2, 3});
    CliRunner r = CliRunner.run("run", "--model", bad.toString(), "--input", bad.toString(), "--output",
        dir.resolve("o.safetensors").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }

  @Test
  void missingModelFileIsNamed() {
    CliRunner r = CliRunner.run("run", "--model", dir.resolve("nope.safetensors").toString(), "--input", "x",
        "--output", "y");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("no such file"), r.err());
  }

  @Test
  void unknownBackendListsTheValidNames() throws Exception {
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input(x(1, 1, 3)).toString(),
        "--output", dir.resolve("o.safetensors").toString(), "--backend", "gpu");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("unknown backend 'gpu'; valid names:"), r.err());
    assertTrue(r.err().contains("scalar"), r.err());
  }

  @TestFactory
  java.util.List<DynamicTest> sharedPytorchVectors() {
    return SharedVectors.perCase("conformance/pytorch", "model.safetensors", c -> {
      Path out = dir.resolve(c.getFileName() + ".out.safetensors");
      CliRunner r = CliRunner.run("run", "--model", c.resolve("model.safetensors").toString(), "--input",
          c.resolve("input.safetensors").toString(), "--output", out.toString(), "--backend", "scalar");
      assertEquals(0, r.exitCode(), r.err());
      try (SafetensorsReader o = SafetensorsReader.open(out);
          SafetensorsReader e = SafetensorsReader.open(c.resolve("expected.safetensors"))) {
        for (String name : new String[] {"y", "h_n", "c_n"}) {
          assertEquals(e.contains(name), o.contains(name), name);
          if (e.contains(name)) {
            assertArrayEquals(e.info(name).shape(), o.info(name).shape(), name);
            Tolerance.assertClose(name, e.readFloats(name), o.readFloats(name), 2e-5, 2e-4);
          }
        }
      }
    });
  }
}
