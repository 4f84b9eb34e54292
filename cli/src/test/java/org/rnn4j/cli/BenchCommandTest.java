package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code rnn4j bench} is listed by the CLI, and without the benchmark jar it says how to get it. */
class BenchCommandTest {
  @Test
  void helpMentionsBench() {
    CliRunner r = CliRunner.run("--help");
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith("bench ")), r.out());
  }

  @Test
  void missingBenchmarkJarIsExplained() {
    String old = System.getProperty(BenchCommand.JAR_PROPERTY);
    System.setProperty(BenchCommand.JAR_PROPERTY, "/nonexistent/rnn4j-benchmarks.jar");
    try {
      CliRunner r = CliRunner.run("bench", "--hidden", "8");
      assertEquals(1, r.exitCode(), r.out());
      assertTrue(r.err().contains("./rnn4j bench"), r.err());
      assertTrue(r.err().contains("mvn -pl bench -am package"), r.err());
    } finally {
      if (old == null) {
        System.clearProperty(BenchCommand.JAR_PROPERTY);
      } else {
        System.setProperty(BenchCommand.JAR_PROPERTY, old);
      }
    }
  }
}
