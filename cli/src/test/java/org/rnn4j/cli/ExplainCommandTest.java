package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainCommandTest {
  @TempDir
  Path dir;

  private Path trainTiny() throws Exception {
    Path text = dir.resolve("t.txt");
    Files.writeString(text, "if (a) { b(); }\n".repeat(60), StandardCharsets.UTF_8);
    Path out = dir.resolve("m.safetensors");
    CliRunner r = CliRunner.run("train-char", "--text", text.toString(), "--out", out.toString(), "--hidden", "6",
        "--layers", "2", "--seq", "8", "--batch", "2", "--steps", "3", "--backend", "scalar");
    assertEquals(0, r.exitCode(), r.err());
    return out;
  }

  @Test
  void writesASelfContainedPageWithEverySeries() throws Exception {
    Path model = trainTiny();
    Path page = dir.resolve("p.html");
    CliRunner r = CliRunner.run("explain", "--model", model.toString(), "--text", "if (b) { a(); }", "--out",
        page.toString(), "--layer", "1");
    assertEquals(0, r.exitCode(), r.err());
    String html = Files.readString(page);
    assertTrue(r.out().contains("15 characters, 12 series"), r.out());
    for (String s : new String[] {"\"hidden\"", "\"cell\"", "\"input\"", "\"forget\"", "\"candidate\"", "\"output\""}) {
      assertTrue(html.contains(s), s);
    }
    assertTrue(!html.contains("http://") && !html.contains("https://") && !html.contains("src=\""),
        "the page must not load anything");
  }

  @Test
  void textCanComeFromAFile() throws Exception {
    Path model = trainTiny();
    Path text = dir.resolve("in.txt");
    Files.writeString(text, "if (a) {\n  b();\n}\n", StandardCharsets.UTF_8);
    CliRunner r = CliRunner.run("explain", "--model", model.toString(), "--text", "@" + text, "--out",
        dir.resolve("p.html").toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("(18 characters"), r.out());
  }

  @Test
  void unknownCharacterIsNamed() throws Exception {
    Path model = trainTiny();
    CliRunner r = CliRunner.run("explain", "--model", model.toString(), "--text", "x@", "--out",
        dir.resolve("p.html").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("not in the model's vocabulary"), r.err());
  }
}
