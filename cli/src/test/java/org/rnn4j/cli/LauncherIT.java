package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;

/** The packaged CLI in child JVMs: the shaded jar (service files merged) and the ./rnn4j launcher. */
class LauncherIT {
  @TempDir
  Path dir;

  record Result(int code, String out, String err) {
  }

  private static Path jar() {
    return Path.of(System.getProperty("rnn4j.cli.jar", "target/rnn4j-cli.jar"));
  }

  private static Path repoRoot() {
    return jar().toAbsolutePath().getParent().getParent().getParent();
  }

  private static Result exec(List<String> cmd, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Path out = Files.createTempFile("rnn4j-it", ".out");
    Path err = Files.createTempFile("rnn4j-it", ".err");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + cmd);
    }
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  private static Result java(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.addAll(List.of(args));
    return exec(cmd, Map.of());
  }

  /** A JVM without the flags the launcher adds, so that each test states exactly what it runs with. */
  private static Result bareJava(List<String> jvmFlags, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of(args));
    return exec(cmd, Map.of());
  }

  /** Where the Vector API would be slow, automatic selection must fall back to native, not scalar. */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"C1 only", "vector support disabled", "no vector module"})
  void slowVectorApiFallsBackToNativeWithTheRightNumbers(String mode) throws Exception {
    List<String> flags = switch (mode) {
      case "C1 only" -> List.of("--add-modules", "jdk.incubator.vector", "-XX:TieredStopAtLevel=1");
      case "vector support disabled" -> List.of("--add-modules", "jdk.incubator.vector",
          "-XX:+UnlockExperimentalVMOptions", "-XX:-EnableVectorSupport");
      default -> List.of();
    };
    Result info = bareJava(flags, "-jar", jar().toString(), "info");
    assertEquals(0, info.code(), info.err());
    org.junit.jupiter.api.Assumptions.assumeTrue(info.out().contains("\n  native   40       available"),
        "the native library is not available on this platform; nothing to fall back to:\n" + info.out());
    assertTrue(info.out().contains("Selected: native"), info.out());
    assertTrue(info.out().contains("  simd     50       unavailable"), info.out());

    Path m = dir.resolve("m.safetensors");
    ModelFiles.write(ModelWeights.random(ModelSpec.of(CellType.LSTM, 3, 17, 2, true), 1), m);
    Path in = dir.resolve("in.safetensors");
    float[] x = new float[5 * 2 * 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i);
    }
    SafetensorsWriter.write(in, Map.of("x", TensorData.ofFloats(x, 5, 2, 3)), Map.of());
    Path auto = dir.resolve("auto.safetensors");
    Path ref = dir.resolve("ref.safetensors");
    Result run = bareJava(flags, "-jar", jar().toString(), "run", "--model", m.toString(), "--input", in.toString(),
        "--output", auto.toString());
    assertEquals(0, run.code(), run.err());
    assertTrue(run.out().contains(" on native"), run.out());
    assertEquals(0, java("-jar", jar().toString(), "run", "--model", m.toString(), "--input", in.toString(),
        "--output", ref.toString(), "--backend", "scalar").code());
    try (SafetensorsReader a = SafetensorsReader.open(auto); SafetensorsReader b = SafetensorsReader.open(ref)) {
      org.rnn4j.testing.Tolerance.assertClose("y", b.readFloats("y"), a.readFloats("y"), 1e-5, 1e-4);
      org.rnn4j.testing.Tolerance.assertClose("h_n", b.readFloats("h_n"), a.readFloats("h_n"), 1e-5, 1e-4);
    }
  }

  @Test
  void shadedJarFindsEveryBackendProvider() throws Exception {
    Result r = java("-jar", jar().toString(), "info");
    assertEquals(0, r.code(), r.err());
    for (String name : new String[] {"scalar", "simd", "blas", "native"}) {
      assertTrue(r.out().contains("\n  " + name + " "), name + ":\n" + r.out());
    }
  }

  @Test
  void forcingAnUnavailableBackendFailsFastWithItsReason() throws Exception {
    Path m = dir.resolve("m.safetensors");
    ModelFiles.write(ModelWeights.random(ModelSpec.of(CellType.GRU, 2, 3, 1, false), 1), m);
    Result r = java("-Drnn4j.backend=nosuch", "-jar", jar().toString(), "run", "--model", m.toString(), "--input",
        m.toString(), "--output", dir.resolve("o.safetensors").toString());
    assertEquals(1, r.code(), r.out());
    assertTrue(r.err().contains("unknown backend 'nosuch'; valid names:"), r.err());
    assertTrue(!r.err().contains("\tat "), r.err());
  }

  @Test
  void launcherRunsAModelWithOptionsFromTheEnvironment() throws Exception {
    Path m = dir.resolve("m.safetensors");
    ModelFiles.write(ModelWeights.random(ModelSpec.of(CellType.LSTM, 2, 3, 1, false), 1), m);
    Path in = dir.resolve("in.safetensors");
    SafetensorsWriter.write(in, Map.of("x", TensorData.ofFloats(new float[] {1, 2, 3, 4}, 2, 1, 2)), Map.of());
    Path out = dir.resolve("out.safetensors");
    Result r = exec(List.of("bash", repoRoot().resolve("rnn4j").toString(), "run", "--model", m.toString(),
        "--input", in.toString(), "--output", out.toString()),
        Map.of("RNN4J_NO_BUILD", "1", "RNN4J_JAVA_OPTS", "-Drnn4j.backend=scalar"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("on scalar"), r.out());
    try (SafetensorsReader o = SafetensorsReader.open(out)) {
      assertEquals(3, o.readFloats("h_n").length);
    }
  }
}
