package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExperimentCommandTest {
  @TempDir
  Path dir;

  private static List<String> files(Path d, String suffix) throws Exception {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"counting", "selective-counting", "ab-memory", "copy"})
  void runsEndToEndAndWritesItsTableAndPictures(String name) throws Exception {
    Path out = dir.resolve(name);
    CliRunner r = CliRunner.run("experiment", name, "--steps", "4", "--seed", "3", "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("4/4 step 4"), r.out());
    String results = Files.readString(out.resolve("results.txt"));
    assertTrue(r.out().contains(results), r.out());
    assertTrue(results.contains(name + ": lstm(") && results.contains("seed 3, 4 steps"), results);
    assertTrue(Files.readString(out.resolve("loss.svg")).startsWith("<svg"));
    List<String> svgs = files(out, ".svg");
    assertTrue(svgs.stream().anyMatch(n -> n.startsWith("neuron-")), svgs.toString());
    for (String svg : svgs) {
      String s = Files.readString(out.resolve(svg));
      assertTrue(s.startsWith("<svg") && s.endsWith("</svg>\n"), svg);
    }
    List<String> pages = files(out, ".html");
    assertTrue(!pages.isEmpty(), pages.toString());
    for (String page : pages) {
      String html = Files.readString(out.resolve(page));
      assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("\"series\":[{"), page);
    }
    switch (name) {
      case "counting" -> {
        assertTrue(results.contains("generalises to n = "), results);
        assertTrue(results.contains("  25  "), results);
        assertTrue(results.contains("counting neuron: unit "), results);
      }
      case "selective-counting" -> assertTrue(results.contains("input gate closing most on X: unit"), results);
      case "ab-memory" -> assertTrue(results.contains("remembers A vs B"), results);
      default -> assertTrue(results.contains("exact-copy accuracy") && results.contains("layer 1:"), results);
    }
  }

  @Test
  void theSameSeedGivesTheSameResults() throws Exception {
    String[] args = {"experiment", "counting", "--steps", "25", "--seed", "5", "--out", null};
    args[7] = dir.resolve("a").toString();
    assertEquals(0, CliRunner.run(args).exitCode());
    args[7] = dir.resolve("b").toString();
    assertEquals(0, CliRunner.run(args).exitCode());
    assertEquals(withoutTiming(dir.resolve("a/results.txt")), withoutTiming(dir.resolve("b/results.txt")));
    assertEquals(Files.readString(dir.resolve("a/neurons-n10.html")), Files.readString(dir.resolve("b/neurons-n10.html")));
  }

  /** The first line ends with the run's duration; the rest must match exactly. */
  private static String withoutTiming(Path results) throws Exception {
    String s = Files.readString(results);
    return s.substring(s.indexOf('\n'));
  }

  @Test
  void unknownExperimentsAreNamedWithTheChoices() {
    CliRunner r = CliRunner.run("experiment", "parity", "--out", dir.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("unknown experiment 'parity'") && r.err().contains("selective-counting"), r.err());
  }
}
