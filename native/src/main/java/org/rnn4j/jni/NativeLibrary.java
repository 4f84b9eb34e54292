package org.rnn4j.jni;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads librnn4j once per JVM and remembers the outcome, success or the reason for failure.
 *
 * <p>Order: {@code -Drnn4j.native.skip=true} (never load), {@code -Drnn4j.native.library=PATH}
 * (that file only), the library bundled in this jar for the running platform (extracted to a
 * temporary file deleted on exit), then {@code System.loadLibrary("rnn4j")}. The ISA tier is then
 * the best the CPU supports, capped by {@code -Drnn4j.native.maxIsa=avx512|avx2|portable}.
 */
final class NativeLibrary {
  static final String SKIP_PROPERTY = "rnn4j.native.skip";
  static final String LIBRARY_PROPERTY = "rnn4j.native.library";
  static final String MAX_ISA_PROPERTY = "rnn4j.native.maxIsa";
  /** Must equal RNN4J_ABI in rnn4j.h. */
  static final int ABI = 4;

  /**
   * What loading found.
   *
   * @param reason why loading failed, or null
   * @param source where the library came from
   * @param cpu the best tier the CPU and the library support
   * @param active the tier kernels use by default: {@code cpu} capped by the property
   */
  record Status(String reason, String source, Isa cpu, Isa active) {
    boolean loaded() {
      return reason == null;
    }

    static Status failed(String reason) {
      return new Status(reason, null, null, null);
    }
  }

  private NativeLibrary() {
  }

  private static final class Holder {
    static final Status STATUS = load();
  }

  static Status status() {
    return Holder.STATUS;
  }

  private static Status load() {
    try {
      return loadOrExplain();
    } catch (Throwable t) {
      // Anything at all (UnsatisfiedLinkError, SecurityException, I/O): unavailable, never a crash.
      return Status.failed("loading the native library failed: " + t);
    }
  }

  private static Status loadOrExplain() throws IOException {
    if (Boolean.getBoolean(SKIP_PROPERTY)) {
      return Status.failed("skipped by -D" + SKIP_PROPERTY + "=true");
    }
    Isa cap = Isa.AVX512;
    String capText = System.getProperty(MAX_ISA_PROPERTY);
    if (capText != null && !capText.isBlank()) {
      cap = Isa.parse(capText);
      if (cap == null) {
        return Status.failed("-D" + MAX_ISA_PROPERTY + "=" + capText + " names no tier; use avx512, avx2 or portable");
      }
    }
    String source;
    String explicit = System.getProperty(LIBRARY_PROPERTY);
    String resource = resourcePath();
    InputStream bundled = resource == null ? null : NativeLibrary.class.getResourceAsStream(resource);
    if (explicit != null && !explicit.isBlank()) {
      if (bundled != null) {
        bundled.close();
      }
      Path p = Path.of(explicit).toAbsolutePath();
      try {
        System.load(p.toString());
      } catch (UnsatisfiedLinkError e) {
        return Status.failed("-D" + LIBRARY_PROPERTY + "=" + explicit + " could not be loaded: " + e.getMessage());
      }
      source = p.toString();
    } else if (bundled != null) {
      Path tmp;
      try (InputStream in = bundled) {
        tmp = Files.createTempFile("rnn4j-", "-" + System.mapLibraryName("rnn4j"));
        tmp.toFile().deleteOnExit();
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      System.load(tmp.toString());
      source = "bundled " + resource.substring(1);
    } else {
      try {
        System.loadLibrary("rnn4j");
      } catch (UnsatisfiedLinkError e) {
        return Status.failed("no library bundled for " + (platform() == null ? "this platform (" + osArch() + ")"
            : platform()) + " and System.loadLibrary(\"rnn4j\") failed: " + e.getMessage());
      }
      source = "java.library.path";
    }
    int abi = Jni.abiVersion();
    if (abi != ABI) {
      return Status.failed("library " + source + " has ABI version " + abi + ", this jar needs " + ABI);
    }
    Isa cpu = Isa.values()[Jni.cpuTier()];
    Isa active = cpu.compareTo(cap) <= 0 ? cpu : cap;
    return new Status(null, source, cpu, active);
  }

  /** The resource a jar built for this platform carries, e.g. /org/rnn4j/jni/linux-x86_64/librnn4j.so. */
  static String resourcePath() {
    String platform = platform();
    return platform == null ? null : "/org/rnn4j/jni/" + platform + "/" + System.mapLibraryName("rnn4j");
  }

  /** os-arch as in the jar layout, or null for a combination no build targets yet. */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String o = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macos" : os.startsWith("windows")
        ? "windows" : null;
    String a = switch (arch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> null;
    };
    return o == null || a == null ? null : o + "-" + a;
  }

  private static String osArch() {
    return System.getProperty("os.name") + " " + System.getProperty("os.arch");
  }
}
