package org.rnn4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** JVM and CPU facts for {@code rnn4j info} and {@code rnn4j demo}. */
final class SystemFacts {
  private SystemFacts() {
  }

  static Map<String, String> collect() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
        + System.getProperty("java.vm.vendor") + ", " + System.getProperty("java.vm.info") + ")");
    m.put("java.home", System.getProperty("java.home"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    m.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
    m.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    m.put("vector module", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
        ? "jdk.incubator.vector readable" : "jdk.incubator.vector not added (--add-modules jdk.incubator.vector)");
    cpuInfo(m);
    return m;
  }

  private static void cpuInfo(Map<String, String> m) {
    Path p = Path.of("/proc/cpuinfo");
    if (!Files.isReadable(p)) {
      return;
    }
    try {
      List<String> lines = Files.readAllLines(p);
      for (String line : lines) {
        if (line.startsWith("model name")) {
          m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
      for (String line : lines) {
        if (line.startsWith("flags") || line.startsWith("Features")) {
          Set<String> flags = new TreeSet<>(List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
          StringBuilder s = new StringBuilder();
          for (String f : List.of("sse4_2", "avx2", "fma", "avx512f", "avx512bw", "avx512_bf16", "avx512_fp16",
              "avx512_vnni", "amx_tile", "amx_bf16", "asimd", "sve")) {
            if (flags.contains(f)) {
              s.append(s.isEmpty() ? "" : " ").append(f);
            }
          }
          m.put("cpu features", s.isEmpty() ? "(none of interest)" : s.toString());
          break;
        }
      }
    } catch (IOException e) {
      m.put("cpu", "unreadable: " + e.getMessage());
    }
  }
}
