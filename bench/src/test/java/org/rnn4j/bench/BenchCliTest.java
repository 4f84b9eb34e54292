package org.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rnn4j bench} on a tiny configuration, ONNX Runtime switched off: every file and the ORT row. */
class BenchCliTest {
  @TempDir
  Path dir;

  @Test
  void quickRunWritesTableCsvJsonAndSvgWithoutOrt() throws Exception {
    System.setProperty(OrtRunner.SWITCH_PROPERTY, "off");
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = new BenchCli(new PrintStream(out, true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8), false).run(new String[] {"--impl",
              "scalar,ort,newcomer", "--input", "6", "--hidden", "5", "--steps", "4", "--batch", "2", "--warmup", "0",
              "--seconds", "0.01", "--csv", dir.resolve("b.csv").toString(), "--json", dir.resolve("b.json").toString(),
              "--plot", dir.resolve("b.svg").toString()});
      String text = out.toString(StandardCharsets.UTF_8);
      assertEquals(0, code, text + err);
      assertTrue(text.contains("LSTM I=6 H=5 T=4 B=2"), text);
      assertTrue(text.contains("ort        unavailable: switched off"), text);
      assertTrue(text.lines().anyMatch(l -> l.contains("newcomer") && l.contains("e-")), text);
      assertTrue(err.toString(StandardCharsets.UTF_8).contains("[3/3] lstm_6_5_4_2 newcomer"), err.toString());
      String csv = Files.readString(dir.resolve("b.csv"));
      assertEquals(4, csv.lines().count(), csv);
      assertTrue(csv.contains("lstm_6_5_4_2,ort,1,false,\"unavailable: switched off"), csv);
      Object json = Json.parse(Files.readString(dir.resolve("b.json")));
      assertEquals(3, ((java.util.List<?>) ((java.util.Map<?, ?>) json).get("rows")).size());
      String svg = Files.readString(dir.resolve("b.svg"));
      assertTrue(svg.startsWith("<?xml") && svg.contains("<svg") && svg.trim().endsWith("</svg>"), svg);
      assertTrue(svg.contains("newcomer"), svg);
    } finally {
      System.clearProperty(OrtRunner.SWITCH_PROPERTY);
    }
  }

  @Test
  void badOptionsAreUsageErrors() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new BenchCli(new PrintStream(new ByteArrayOutputStream()), new PrintStream(err), false)
        .run(new String[] {"--impl", "torch"});
    assertEquals(2, code);
    assertTrue(err.toString().contains("unknown implementation 'torch'"), err.toString());
  }
}
