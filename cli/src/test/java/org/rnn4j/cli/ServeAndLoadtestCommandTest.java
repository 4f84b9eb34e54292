package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.cli.serve.InferenceServer;
import org.rnn4j.cli.serve.ServerOptions;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServeAndLoadtestCommandTest {
  @TempDir
  Path dir;

  @Test
  void serveLoadsOnnxFilesAsOnnxAndRefusesBadModelArguments() throws Exception {
    Path onnx = dir.resolve("m.onnx");
    Files.write(onnx, new byte[] {8, 7});
    CliRunner r = CliRunner.run("serve", "--model", "m=" + onnx, "--port", "0");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("m.onnx"), r.err()); // the ONNX reader's complaint, naming the file
    r = CliRunner.run("serve", "--model", "no-equals-sign");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("--model must be NAME=PATH"), r.err());
    r = CliRunner.run("serve", "--model", "a b=x.safetensors");
    assertTrue(r.err().contains("letters, digits"), r.err());
  }

  @Test
  void loadtestRunsBoundedAndWritesTableTsvAndSvg() throws Exception {
    ModelSpec spec = ModelSpec.builder(CellType.GRU, 4, 6).build();
    try (Model m = Model.of(ModelWeights.random(spec, 1), BackendRegistry.getDefault().get("scalar"));
        InferenceServer s = InferenceServer.start(Map.of("g", m), ServerOptions.defaults().withPort(0))) {
      Path tsv = dir.resolve("runs.tsv");
      Path svg = dir.resolve("runs.svg");
      long t0 = System.nanoTime();
      CliRunner r = CliRunner.run("loadtest", "--url", s.baseUrl(), "--model", "g", "--clients", "4", "--duration",
          "1", "--warmup", "0.2", "--steps", "3", "--label", "tiny", "--results", tsv.toString(), "--svg",
          svg.toString());
      assertEquals(0, r.exitCode(), r.err());
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos());
      assertTrue(r.out().contains("| tiny | 4 | 3 |"), r.out());
      assertTrue(Files.readString(tsv).startsWith("label\tclients"), Files.readString(tsv));
      assertTrue(Files.readString(svg).startsWith("<svg") && Files.readString(svg).contains("tiny"));
      CliRunner binary = CliRunner.run("loadtest", "--url", s.baseUrl(), "--model", "g", "--clients", "4", "--duration",
          "1", "--warmup", "0.2", "--steps", "3", "--label", "tiny-binary", "--protocol", "binary", "--results",
          tsv.toString());
      assertEquals(0, binary.exitCode(), binary.err());
      LoadtestCommand.Row row = LoadtestCommand.Row.parse(Files.readAllLines(tsv).get(2));
      assertEquals("tiny-binary", row.label());
      assertEquals("0", row.errors(), "binary requests all answered 200");
      assertTrue(row.ok() > 0 && row.clientCpuMsPerReq() > 0 && row.serverCpuMsPerReq() > 0, row.toString());
      CliRunner bounded = CliRunner.run("loadtest", "--url", s.baseUrl(), "--model", "g", "--clients", "2",
          "--duration", "20", "--warmup", "0", "--steps", "2", "--max-requests", "10");
      assertEquals(0, bounded.exitCode(), bounded.err());
      assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "--max-requests stops the run early");
    }
  }
}
