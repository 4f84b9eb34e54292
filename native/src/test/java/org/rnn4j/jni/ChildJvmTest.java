package org.rnn4j.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fresh JVMs configured like the ones the native backend exists for: C1 only and no
 * {@code jdk.incubator.vector}. There the registry must pick native over scalar (with the SIMD
 * module present its probe refuses in such a JVM; this module cannot see it), and the loading
 * properties must behave as documented.
 */
class ChildJvmTest {

  private static Map<String, String> run(String... jvmArgs) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.addAll(List.of(jvmArgs));
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    cmd.addAll(List.of("-cp", cp, ChildJvmMain.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
    assertEquals(0, p.exitValue(), () -> "child JVM failed; stdout:\n" + out);
    Map<String, String> kv = new HashMap<>();
    out.lines().filter(l -> l.contains("=")).forEach(l -> kv.put(l.substring(0, l.indexOf('=')),
        l.substring(l.indexOf('=') + 1)));
    return kv;
  }

  private static void assertRightNumbers(Map<String, String> r) {
    assertTrue(Double.parseDouble(r.get("maxdiff")) <= 1e-5, () -> "forward differs from scalar: " + r);
    assertTrue(Long.parseLong(r.get("nonzero")) > 0, () -> "forward produced zeros: " + r);
  }

  @Test
  void c1OnlyWithoutTheVectorModulePicksNativeAtTheBestTier() throws Exception {
    Map<String, String> r = run();
    assertEquals("native", r.get("backend"), r::toString);
    assertEquals(NativeLibrary.status().cpu().id(), r.get("native.isa"), r::toString);
    assertRightNumbers(r);
  }

  @Test
  void maxIsaCapsTheTier() throws Exception {
    Map<String, String> r = run("-Drnn4j.native.maxIsa=portable");
    assertEquals("native", r.get("backend"), r::toString);
    assertEquals("portable", r.get("native.isa"), r::toString);
    assertRightNumbers(r);
  }

  @Test
  void explicitLibraryPathIsUsed() throws Exception {
    String lib = Path.of("target", "classes").toAbsolutePath().toString() + NativeLibrary.resourcePath();
    Map<String, String> r = run("-Drnn4j.native.library=" + lib);
    assertEquals("native", r.get("backend"), r::toString);
    assertRightNumbers(r);
  }

  @Test
  void skipMissingLibraryAndBadCapMakeItUnavailableWithTheReason() throws Exception {
    Map<String, String> skip = run("-Drnn4j.native.skip=true");
    assertEquals("false", skip.get("native.available"));
    assertTrue(skip.get("native.reason").contains("rnn4j.native.skip"), skip::toString);
    assertEquals("scalar", skip.get("backend"));

    Map<String, String> missing = run("-Drnn4j.native.library=/nonexistent/librnn4j.so");
    assertEquals("false", missing.get("native.available"));
    assertTrue(missing.get("native.reason").contains("/nonexistent/librnn4j.so"), missing::toString);

    Map<String, String> bad = run("-Drnn4j.native.maxIsa=sse9");
    assertEquals("false", bad.get("native.available"));
    assertTrue(bad.get("native.reason").contains("sse9"), bad::toString);
  }
}
