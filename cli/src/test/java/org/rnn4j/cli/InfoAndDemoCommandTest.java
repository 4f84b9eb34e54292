package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InfoAndDemoCommandTest {
  @Test
  void infoListsEveryBackendWithItsProbeAndTheChoice() {
    CliRunner r = CliRunner.run("info");
    assertEquals(0, r.exitCode(), r.err());
    for (String name : new String[] {"scalar", "simd", "blas", "native"}) {
      assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(name + " ")), name + " missing:\n" + r.out());
    }
    assertTrue(r.out().contains("Selected: "), r.out());
    assertTrue(r.out().contains("processors"), r.out());
    assertTrue(r.out().contains("training: the reference kernels"), r.out());
  }

  @Test
  void demoComparesTheAvailableBackends() {
    CliRunner r = CliRunner.run("demo", "--input-size", "5", "--hidden", "7", "--steps", "4", "--batch", "3",
        "--runs", "1", "--tour-minutes", "0");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    assertTrue(r.out().contains("auto-selected backend: "), r.out());
    assertTrue(r.out().contains("0 (reference)"), r.out());
    assertTrue(r.out().contains("lstm(I=5, H=7, layers=2, bidirectional)"), r.out());
  }

  @Test
  void tourTrainsSamplesAndWritesANeuronPage(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    CliRunner r = CliRunner.run("demo", "--input-size", "5", "--hidden", "7", "--steps", "4", "--batch", "3", "--runs", "1",
        "--tour-minutes", "0.01", "--out", dir.toString());
    assertEquals(0, r.exitCode(), r.err() + r.out());
    assertTrue(r.out().contains("A sample from it"), r.out());
    assertTrue(java.nio.file.Files.exists(dir.resolve("neurons.html")));
    assertTrue(java.nio.file.Files.exists(dir.resolve("char-lstm.loss.svg")));
  }

  @Test
  void unknownCommandIsAUsageError() {
    CliRunner r = CliRunner.run("frobnicate");
    assertEquals(2, r.exitCode());
  }
}
