package org.rnn4j.cli;

import java.io.File;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j bench}: runs {@code org.rnn4j.bench.BenchCli} from the benchmark jar in a child JVM.
 *
 * <p>The comparison includes ONNX Runtime, a ~100 MB native runtime rnn4j exists to avoid, so it
 * is not in this jar: it is in {@code bench/target/rnn4j-benchmarks.jar}. A child JVM (rather than
 * loading that jar here) keeps ONNX Runtime's native code out of this process, and gives the
 * benchmark a fresh JVM whose thread settings apply from the start. {@code ./rnn4j bench} goes to
 * that jar directly (building it on first use); this command is for {@code java -jar rnn4j-cli.jar}.
 */
@Command(name = "bench", description = {
    "Compare the backends with ONNX Runtime and a plain Java loop on one configuration "
        + "(quick; --full for the standard matrix; --help for options).",
    "Runs the benchmark jar bench/target/rnn4j-benchmarks.jar (which carries ONNX Runtime) in a child JVM; "
        + "./rnn4j bench builds it on first use. -Drnn4j.bench.jar=PATH or RNN4J_BENCH_JAR points elsewhere."})
final class BenchCommand implements Callable<Integer> {
  static final String JAR_PROPERTY = "rnn4j.bench.jar";
  static final String MAIN = "org.rnn4j.bench.BenchCli";

  @Spec
  CommandSpec spec;

  @Unmatched
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Path jar = benchJar();
    if (jar == null) {
      err.println("rnn4j bench: the benchmark jar is not built. Run ./rnn4j bench (it builds it), or "
          + "mvn -pl bench -am package -DskipTests and then java -cp bench/target/rnn4j-benchmarks.jar " + MAIN
          + " (or set -D" + JAR_PROPERTY + "=PATH).");
      err.flush();
      return 1;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-modules");
    cmd.add("jdk.incubator.vector");
    cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(jar.toString());
    cmd.add(MAIN);
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    return p.waitFor();
  }

  /** The benchmark jar: the property, the environment variable, or bench/target beside this jar's cli/target. */
  static Path benchJar() {
    String given = System.getProperty(JAR_PROPERTY, System.getenv("RNN4J_BENCH_JAR"));
    if (given != null && !given.isBlank()) {
      Path p = Path.of(given);
      return Files.isRegularFile(p) ? p : null;
    }
    try {
      Path self = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // cli/target/rnn4j-cli.jar (or cli/target/classes in a build) → bench/target/rnn4j-benchmarks.jar
      for (Path dir = self.getParent(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve("bench" + File.separator + "target" + File.separator + "rnn4j-benchmarks.jar");
        if (Files.isRegularFile(candidate)) {
          return candidate;
        }
        if (dir.getFileName() != null && dir.getFileName().toString().equals("cli")) {
          Path up = dir.getParent();
          Path c2 = up == null ? null : up.resolve("bench/target/rnn4j-benchmarks.jar");
          return c2 != null && Files.isRegularFile(c2) ? c2 : null;
        }
      }
    } catch (URISyntaxException | RuntimeException e) {
      // unknown location
    }
    return null;
  }
}
