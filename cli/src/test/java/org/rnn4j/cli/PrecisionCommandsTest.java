package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.testing.RandomModels;

/** --precision on run and eval-char, run --compare-fp32, and the accuracy table. */
class PrecisionCommandsTest {
  @TempDir
  Path dir;

  private static final ModelSpec GRU = ModelSpec.of(CellType.GRU, 3, 33, 1, false);

  private Path model() throws Exception {
    Path m = dir.resolve("model.safetensors");
    ModelFiles.write(ModelWeights.random(GRU, 7), m);
    return m;
  }

  private Path input() throws Exception {
    Path in = dir.resolve("input.safetensors");
    SafetensorsWriter.write(in, Map.of("x", TensorData.ofFloats(RandomModels.gaussian(5 * 2 * 3, 1, 3), 5, 2, 3)),
        Map.of());
    return in;
  }

  @Test
  void runInBf16WritesWhatTheApiComputesInBf16() throws Exception {
    Path out = dir.resolve("out.safetensors");
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input().toString(), "--output",
        out.toString(), "--backend", "scalar", "--precision", "bf16");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("in bf16"), r.out());
    float[] want;
    try (Model m = Model.load(dir.resolve("model.safetensors"), BackendRegistry.getDefault().get("scalar"),
        Precision.BF16); SafetensorsReader in = SafetensorsReader.open(input())) {
      want = m.forward(SequenceBatch.seqFirst(in.readFloats("x"), 5, 2, 3)).output().data();
    }
    try (SafetensorsReader o = SafetensorsReader.open(out)) {
      assertArrayEquals(want, o.readFloats("y"));
      assertEquals("bf16", o.metadata().get("rnn4j.precision"));
    }
  }

  @Test
  void compareFp32PrintsTheDeviationOfEveryOutput() throws Exception {
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input().toString(), "--output",
        dir.resolve("o.safetensors").toString(), "--precision", "bf16", "--compare-fp32");
    assertEquals(0, r.exitCode(), r.err());
    Matcher m = Pattern.compile("y +max abs ([0-9.e+-]+), max rel ([0-9.e+-]+)").matcher(r.out());
    assertTrue(m.find(), r.out());
    double abs = Double.parseDouble(m.group(1));
    assertTrue(abs > 0 && abs < 1e-2, "bf16 moves y a little: " + abs);
    assertTrue(r.out().contains("h_n  max abs"), r.out());
  }

  @Test
  void compareFp32WithoutAReducedPrecisionIsRefused() throws Exception {
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input().toString(), "--output",
        dir.resolve("o.safetensors").toString(), "--compare-fp32");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("add --precision bf16"), r.err());
  }

  @Test
  void unknownPrecisionNamesTheValidOnes() throws Exception {
    CliRunner r = CliRunner.run("run", "--model", model().toString(), "--input", input().toString(), "--output",
        dir.resolve("o.safetensors").toString(), "--precision", "fp8");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("expected fp32 or bf16"), r.err());
  }

  @Test
  void infoSaysHowEachBackendRunsBf16() {
    CliRunner r = CliRunner.run("info");
    assertTrue(r.out().contains("bf16: emulated"), r.out());
  }

  @Test
  void evalCharReportsBpcInBothPrecisionsAndArgmaxAgreement() throws Exception {
    Path text = dir.resolve("text.txt");
    Files.writeString(text, "abcdefg hij ".repeat(200), StandardCharsets.UTF_8);
    Path out = dir.resolve("char.safetensors");
    CliRunner t = CliRunner.run("train-char", "--text", text.toString(), "--out", out.toString(), "--hidden", "12",
        "--layers", "1", "--seq", "8", "--batch", "4", "--steps", "10", "--backend", "scalar");
    assertEquals(0, t.exitCode(), t.err());
    CliRunner e = CliRunner.run("eval-char", "--model", out.toString(), "--text", text.toString(), "--precision",
        "bf16", "--compare-fp32", "--backend", "scalar");
    assertEquals(0, e.exitCode(), e.err());
    assertTrue(e.out().contains("fp32  "), e.out());
    assertTrue(e.out().contains("bf16  "), e.out());
    assertTrue(e.out().contains("most likely next character agrees with fp32 on"), e.out());
  }

  @Test
  void accuracyQuickTableCoversEveryCellType() {
    CliRunner r = CliRunner.run("accuracy", "--quick", "--seeds", "1", "--backend", "scalar");
    assertEquals(0, r.exitCode(), r.err());
    for (CellType c : CellType.values()) {
      assertTrue(r.out().contains("| " + c.id() + " I=H="), c.id() + " missing:\n" + r.out());
    }
    assertTrue(r.out().contains("growth with T"), r.out());
    assertTrue(r.out().contains("| lstm I=H=64 T=20 B=16 |"), r.out());
  }
}
