package org.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Param;
import org.rnn4j.CellType;

class BenchConfigTest {
  @Test
  void parsesAndPrintsConfigurations() {
    BenchConfig c = BenchConfig.parse("lstm_256_256_50_1_L2_bi");
    assertEquals(new BenchConfig(CellType.LSTM, 256, 256, 2, true, 50, 1), c);
    assertEquals("lstm_256_256_50_1_L2_bi", c.id());
    assertEquals(CellType.RNN_TANH, BenchConfig.parse("rnn_tanh_512_512_100_1").cell());
    assertEquals("2-layer bidir. LSTM I=256 H=256 T=50 B=1", c.label());
    for (String s : BenchConfig.STANDARD) {
      assertEquals(s, BenchConfig.parse(s).id());
    }
    assertThrows(IllegalArgumentException.class, () -> BenchConfig.parse("lstm_1_2"));
    assertThrows(IllegalArgumentException.class, () -> BenchConfig.parse("lstm_a_2_3_4"));
  }

  @Test
  void flopsAndGemmShape() {
    BenchConfig c = BenchConfig.parse("lstm_512_512_50_1");
    assertEquals(2.0 * 4 * 512 * 1024 * 50, c.flopsPerCall());
    assertEquals(4L * 512 * 1024 * 4, c.weightBytes());
    assertArrayEquals(new int[] {50, 2048, 1024}, c.gemmShape());
    BenchConfig bi = BenchConfig.parse("lstm_256_256_50_1_L2_bi");
    // layer 0: I + H = 512, layer 1: 2H + H = 768, two directions each
    assertEquals(2 * 2.0 * 4 * 256 * (512 + 768), bi.flopsPerRowStep());
    assertArrayEquals(new int[] {200, 1024, 640}, bi.gemmShape());
  }

  @Test
  void jmhDefaultsAreTheStandardMatrix() throws Exception {
    assertEquals(BenchConfig.STANDARD,
        List.of(RnnBenchmark.class.getField("config").getAnnotation(Param.class).value()));
    assertEquals(Runners.ALL, List.of(RnnBenchmark.class.getField("impl").getAnnotation(Param.class).value()));
    List<String> ceilings = List.of(CeilingBenchmark.class.getField("config").getAnnotation(Param.class).value());
    assertEquals(BenchConfig.STANDARD, ceilings.subList(0, BenchConfig.STANDARD.size()));
    assertEquals(List.of(StepBenchmark.class.getField("config").getAnnotation(Param.class).value()),
        ceilings.subList(BenchConfig.STANDARD.size(), ceilings.size()));
  }
}
