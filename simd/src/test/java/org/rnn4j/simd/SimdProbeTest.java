package org.rnn4j.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.ProbeResult;

/** The probe's decisions, on made-up VM facts, and on this JVM. */
class SimdProbeTest {
  private static Map<String, String> goodFlags() {
    Map<String, String> f = new HashMap<>();
    f.put("UseCompiler", "true");
    f.put("TieredCompilation", "true");
    f.put("TieredStopAtLevel", "4");
    f.put("UseFMA", "true");
    f.put("MaxVectorSize", "32");
    f.put("MaxNodeLimit", "80000");
    return f;
  }

  private static SimdProbe.Facts facts(Map<String, String> flags) {
    return new SimdProbe.Facts(true, "OpenJDK 64-Bit Server VM", "mixed mode, sharing", flags, "amd64", null);
  }

  private static void refuses(SimdProbe.Facts f, String... mention) {
    SimdProbe.Decision d = SimdProbe.decide(f);
    assertFalse(d.available(), "expected a refusal for " + f);
    for (String s : mention) {
      assertTrue(d.reason().contains(s), "reason '" + d.reason() + "' should mention '" + s + "'");
    }
  }

  private static Map<String, String> with(String flag, String value) {
    Map<String, String> f = goodFlags();
    f.put(flag, value);
    return f;
  }

  @Test
  void acceptsAvx2WithC2() {
    SimdProbe.Decision d = SimdProbe.decide(facts(goodFlags()));
    assertTrue(d.available(), d.reason());
    assertEquals(256, d.bits());
  }

  @Test
  void refusesWithReasonsThatNameTheFix() {
    refuses(new SimdProbe.Facts(false, "vm", "mixed mode", goodFlags(), "amd64", null),
        "add --add-modules jdk.incubator.vector");
    refuses(new SimdProbe.Facts(true, "vm", "interpreted mode, sharing", goodFlags(), "amd64", null), "-Xint");
    refuses(new SimdProbe.Facts(true, "vm", "mixed mode", null, "amd64", null), "HotSpot");
    refuses(facts(with("UseCompiler", "false")), "-XX:-UseCompiler");
    refuses(facts(with("TieredStopAtLevel", "1")), "TieredStopAtLevel=1");
    refuses(facts(with("EnableVectorSupport", "false")), "EnableVectorSupport");
    refuses(facts(with("UseFMA", "false")), "FMA");
    refuses(facts(with("UseJVMCICompiler", "true")), "-XX:-UseJVMCICompiler");
    Map<String, String> noC2 = goodFlags();
    noC2.remove("MaxNodeLimit");
    refuses(facts(noC2), "no C2");
    refuses(facts(with("MaxVectorSize", "16")), "128 bits", "256");
    refuses(new SimdProbe.Facts(true, "vm", "mixed mode", goodFlags(), "riscv64", null), "riscv64");
  }

  @Test
  void tieredOffStillHasC2() {
    Map<String, String> f = with("TieredCompilation", "false");
    f.put("TieredStopAtLevel", "1");
    assertTrue(SimdProbe.decide(facts(f)).available());
  }

  @Test
  void aarch64NeedsOnly128Bits() {
    SimdProbe.Decision d = SimdProbe.decide(new SimdProbe.Facts(true, "vm", "mixed mode", with("MaxVectorSize", "16"),
        "aarch64", null));
    assertTrue(d.available(), d.reason());
    assertEquals(128, d.bits());
  }

  @Test
  void forcedBitSize() {
    Map<String, String> f = goodFlags();
    SimdProbe.Decision d = SimdProbe.decide(new SimdProbe.Facts(true, "vm", "mixed", f, "amd64", "128"));
    assertTrue(d.available(), d.reason());
    assertEquals(128, d.bits());
    refuses(new SimdProbe.Facts(true, "vm", "mixed", f, "amd64", "512"), "rnn4j.simd.bitSize=512", "256");
    refuses(new SimdProbe.Facts(true, "vm", "mixed", f, "amd64", "200"), "128, 256, 512");
  }

  @Test
  void threadCounts() {
    assertEquals(6, SimdProbe.threads(null, null, 6));
    assertEquals(3, SimdProbe.threads(null, "3", 6));
    assertEquals(1, SimdProbe.threads("1", "3", 6));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SimdProbe.threads("x", null, 2));
    assertTrue(e.getMessage().contains("rnn4j.simd.threads"));
  }

  @Test
  void availableOnThisTestJvm() {
    SimdProbe.Decision d = SimdProbe.decide(SimdProbe.current());
    org.junit.jupiter.api.Assumptions.assumeTrue(d.available(), "simd unavailable on this machine: " + d.reason());
    ProbeResult p = new SimdBackendProvider().probe();
    assertTrue(p.available(), p.reason());
    assertEquals("true", p.details().get("fma"));
    assertTrue(Integer.parseInt(p.details().get("vector bits")) >= 256);
    Backend b = BackendRegistry.getDefault().get("simd");
    assertEquals("simd", b.kernels().name());
    assertEquals(50, new SimdBackendProvider().priority());
  }
}
