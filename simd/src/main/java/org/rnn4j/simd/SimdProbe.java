package org.rnn4j.simd;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether the Vector API is really compiled to SIMD instructions on this JVM, without
 * touching any vector class: the facts come from system properties, the boot module layer and
 * HotSpot's VM flags. {@link #decide} is a pure function so that every refusal can be tested
 * with made-up facts.
 */
final class SimdProbe {
  private SimdProbe() {
  }

  static final String VECTOR_MODULE = "jdk.incubator.vector";
  /** Test mode: force a narrower species (128, 256 or 512 bits). */
  static final String BIT_SIZE_PROPERTY = "rnn4j.simd.bitSize";
  static final String THREADS_PROPERTY = "rnn4j.simd.threads";
  static final String GLOBAL_THREADS_PROPERTY = "rnn4j.threads";

  /** The VM flags the decision reads; absent ones take HotSpot's defaults. */
  static final String[] FLAGS = {"UseCompiler", "TieredCompilation", "TieredStopAtLevel", "EnableVectorSupport",
      "UseFMA", "UseJVMCICompiler", "MaxVectorSize", "MaxNodeLimit"};

  /**
   * What the probe looks at.
   *
   * @param vmFlags flag name → value as HotSpot prints it; null when the flags cannot be read
   *     (not HotSpot, or jdk.management missing); a flag missing from the map does not exist in
   *     this VM or is hidden (experimental flags without -XX:+UnlockExperimentalVMOptions)
   */
  record Facts(boolean vectorModule, String vmName, String vmInfo, Map<String, String> vmFlags, String arch,
      String bitSizeProperty) {
  }

  /** The outcome: usable or not, why, and the vector width to use. */
  record Decision(boolean available, String reason, int bits) {
    static Decision no(String reason) {
      return new Decision(false, reason, 0);
    }
  }

  static Facts current() {
    Map<String, String> flags = null;
    try {
      HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      if (bean != null) {
        flags = new HashMap<>();
        for (String f : FLAGS) {
          try {
            flags.put(f, bean.getVMOption(f).getValue());
          } catch (IllegalArgumentException absent) {
            // Not in this VM (or experimental and locked): the decision uses the default.
          }
        }
      }
    } catch (RuntimeException | LinkageError e) {
      flags = null;
    }
    return new Facts(ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent(), System.getProperty("java.vm.name", ""),
        System.getProperty("java.vm.info", ""), flags, System.getProperty("os.arch", ""),
        System.getProperty(BIT_SIZE_PROPERTY));
  }

  static Decision decide(Facts f) {
    if (!f.vectorModule()) {
      return Decision.no("the Vector API module is not loaded: add --add-modules " + VECTOR_MODULE
          + " to the java command line");
    }
    if (f.vmInfo().toLowerCase(Locale.ROOT).contains("interpreted mode")) {
      return Decision.no("the JVM runs in interpreted mode (-Xint), so vector code would not be compiled: remove -Xint");
    }
    Map<String, String> flags = f.vmFlags();
    if (flags == null) {
      return Decision.no("cannot read the VM flags (needs a HotSpot JVM with the jdk.management module; "
          + f.vmName() + "): run on a HotSpot JDK 21+ with its C2 compiler");
    }
    if (!flag(flags, "UseCompiler", true)) {
      return Decision.no("the JIT compiler is disabled (-XX:-UseCompiler): remove that flag");
    }
    if (!flags.containsKey("MaxNodeLimit")) {
      return Decision.no("this JVM has no C2 compiler (" + f.vmName()
          + "), which alone compiles the Vector API to SIMD: use a HotSpot server VM");
    }
    if (flag(flags, "UseJVMCICompiler", false)) {
      return Decision.no("a JVMCI compiler (Graal) replaces C2, which alone intrinsifies the Vector API here: "
          + "add -XX:-UseJVMCICompiler");
    }
    if (flag(flags, "TieredCompilation", true) && intFlag(flags, "TieredStopAtLevel", 4) < 4) {
      return Decision.no("C2 is switched off by -XX:TieredStopAtLevel=" + flags.get("TieredStopAtLevel")
          + ": remove that flag");
    }
    if (!flag(flags, "EnableVectorSupport", true)) {
      return Decision.no("Vector API intrinsics are disabled (-XX:-EnableVectorSupport): remove that flag");
    }
    if (!flag(flags, "UseFMA", true)) {
      return Decision.no("fused multiply-add is unavailable (CPU without FMA, or -XX:-UseFMA): "
          + "use an FMA-capable CPU and remove -XX:-UseFMA");
    }
    String arch = f.arch().toLowerCase(Locale.ROOT);
    int minBits;
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      minBits = 256;
    } else if (arch.equals("aarch64")) {
      minBits = 128;
    } else {
      return Decision.no("architecture " + f.arch() + " is not supported by the simd backend (x86-64 with AVX2, "
          + "or aarch64): use another backend");
    }
    int maxBits = 8 * intFlag(flags, "MaxVectorSize", 0);
    String forced = f.bitSizeProperty();
    if (forced != null && !forced.isBlank()) {
      int bits;
      try {
        bits = Integer.parseInt(forced.trim());
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits != 128 && bits != 256 && bits != 512) {
        return Decision.no("-D" + BIT_SIZE_PROPERTY + "=" + forced + " is not one of 128, 256, 512: fix or remove it");
      }
      if (bits > maxBits) {
        return Decision.no("-D" + BIT_SIZE_PROPERTY + "=" + bits + " exceeds this machine's " + maxBits
            + "-bit vectors: use at most " + maxBits);
      }
      return new Decision(true, "Panama Vector API, " + bits + "-bit float vectors (forced by -D" + BIT_SIZE_PROPERTY
          + "; hardware allows " + maxBits + ")", bits);
    }
    if (maxBits < minBits) {
      return Decision.no("vectors are only " + maxBits + " bits wide here, the simd backend needs " + minBits
          + " on " + arch + (minBits == 256 ? " (AVX2)" : "") + ": remove -XX:MaxVectorSize / -XX:UseAVX limits or "
          + "use another backend");
    }
    int bits = Math.min(maxBits, 512);
    return new Decision(true, "Panama Vector API, " + bits + "-bit float vectors with FMA", bits);
  }

  /**
   * Threads for the simd kernels: {@code rnn4j.simd.threads}, else {@code rnn4j.threads}, else
   * the available processors. Throws with a message naming the property when a value is invalid.
   */
  static int threads(String simdThreads, String globalThreads, int processors) {
    String v = simdThreads != null ? simdThreads : globalThreads;
    if (v == null || v.isBlank()) {
      return Math.max(1, processors);
    }
    String name = simdThreads != null ? THREADS_PROPERTY : GLOBAL_THREADS_PROPERTY;
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1 && n <= 1024) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("-D" + name + "=" + v + " is not a thread count between 1 and 1024");
  }

  private static boolean flag(Map<String, String> flags, String name, boolean dflt) {
    String v = flags.get(name);
    return v == null ? dflt : Boolean.parseBoolean(v.trim());
  }

  private static int intFlag(Map<String, String> flags, String name, int dflt) {
    String v = flags.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return dflt;
    }
  }
}
