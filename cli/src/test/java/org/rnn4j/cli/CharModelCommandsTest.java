package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.text.Vocabulary;

class CharModelCommandsTest {
  @TempDir
  Path dir;

  private Path text(String s) throws Exception {
    Path f = dir.resolve("text.txt");
    Files.writeString(f, s, StandardCharsets.UTF_8);
    return f;
  }

  private CliRunner train(Path text, Path out, String steps, String... extra) {
    String[] base = {"train-char", "--text", text.toString(), "--out", out.toString(), "--hidden", "12", "--layers",
        "2", "--seq", "8", "--batch", "4", "--steps", steps, "--eval-every", "5", "--save-every", "5", "--backend",
        "scalar"};
    String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return CliRunner.run(all);
  }

  @Test
  void trainsSavesTheModelTheOptimizerAndTheLossCurve() throws Exception {
    Path out = dir.resolve("m.safetensors");
    CliRunner r = train(text("abcdefg ".repeat(200)), out, "20");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("done: step 20"), r.out());
    assertTrue(Files.exists(dir.resolve("m.optim.safetensors")));
    String svg = Files.readString(dir.resolve("m.loss.svg"));
    assertTrue(svg.startsWith("<svg") && svg.contains("validation"), svg);
    try (SafetensorsReader m = SafetensorsReader.open(out)) {
      assertEquals(" abcdefg", m.metadata().get(Vocabulary.METADATA_KEY));
    }
  }

  @Test
  void resumeContinuesFromTheSavedStep() throws Exception {
    Path out = dir.resolve("m.safetensors");
    Path t = text("xyz ".repeat(300));
    assertEquals(0, train(t, out, "10").exitCode());
    CliRunner r = train(t, out, "15", "--resume");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("done: step 15"), r.out());
    assertTrue(r.out().contains("5/5 step 15"), r.out());
  }

  @Test
  void generateSamplesFromTheVocabularyIncludingChineseCharacters() throws Exception {
    Path out = dir.resolve("zh.safetensors");
    assertEquals(0, train(text("你好世界。".repeat(150)), out, "10").exitCode());
    CliRunner g = CliRunner.run("generate", "--model", out.toString(), "--prime", "你", "--length", "30", "--seed",
        "3", "--backend", "scalar");
    assertEquals(0, g.exitCode(), g.err());
    String text = g.out().strip();
    assertEquals(31, text.codePointCount(0, text.length()), text);
    assertTrue(text.codePoints().allMatch(c -> "你好世界。".indexOf(c) >= 0), text);
  }

  @Test
  void generationIsReproducibleFromTheSeed() throws Exception {
    Path out = dir.resolve("m.safetensors");
    assertEquals(0, train(text("hello world\n".repeat(100)), out, "10").exitCode());
    String a = CliRunner.run("generate", "--model", out.toString(), "--seed", "9", "--length", "40").out();
    String b = CliRunner.run("generate", "--model", out.toString(), "--seed", "9", "--length", "40").out();
    assertEquals(a, b);
  }

  @Test
  void primeWithUnknownCharacterIsNamed() throws Exception {
    Path out = dir.resolve("m.safetensors");
    assertEquals(0, train(text("abab ".repeat(100)), out, "5").exitCode());
    CliRunner g = CliRunner.run("generate", "--model", out.toString(), "--prime", "abz");
    assertEquals(1, g.exitCode());
    assertTrue(g.err().contains("'z'") && g.err().contains("not in the model's vocabulary"), g.err());
  }

  @Test
  void generateRefusesAModelThatIsNotACharModel() throws Exception {
    Path m = dir.resolve("plain.safetensors");
    org.rnn4j.io.ModelFiles.write(org.rnn4j.ModelWeights.random(org.rnn4j.ModelSpec.of(org.rnn4j.CellType.GRU, 2, 3,
        1, false), 1), m);
    CliRunner g = CliRunner.run("generate", "--model", m.toString());
    assertEquals(1, g.exitCode());
    assertTrue(g.err().contains("is not a train-char model"), g.err());
  }
}
