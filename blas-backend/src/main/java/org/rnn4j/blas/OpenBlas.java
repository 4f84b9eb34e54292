package org.rnn4j.blas;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * The only place that loads the native library. Kept apart from {@link BlasBackendProvider} so
 * that a missing JavaCPP or OpenBLAS jar surfaces as an error inside the probe's try block, not
 * when the provider class itself is loaded by {@link java.util.ServiceLoader}.
 */
final class OpenBlas {
  private OpenBlas() {
  }

  /**
   * Loads openblas_nolapack (or whatever {@code -Dorg.bytedeco.openblas.load} names: JavaCPP reads
   * that property itself), sets the BLAS thread count, and returns what the probe shows.
   * openblas_get_corename/openblas_get_config are not bound by the nolapack presets (skipped there
   * because MKL lacks them), so the core type is not among the details.
   */
  static Map<String, String> load(int threads) {
    long start = System.nanoTime();
    Loader.load(openblas_nolapack.class);
    long loadMillis = (System.nanoTime() - start) / 1_000_000;
    Map<String, String> d = new LinkedHashMap<>();
    d.put("library", "openblas_nolapack via JavaCPP " + version("javacpp") + ", presets " + version("openblas"));
    d.put("platform", Loader.getPlatform());
    d.put("load ms", Long.toString(loadMillis));
    // blas_set_num_threads prints to stdout when it finds no thread control; look first.
    boolean threadControl = Loader.addressof("openblas_set_num_threads") != null
        || Loader.addressof("MKL_Set_Num_Threads") != null;
    if (threadControl) {
      openblas_nolapack.blas_set_num_threads(threads);
      d.put("threads", Integer.toString(openblas_nolapack.blas_get_num_threads()));
    } else {
      d.put("threads", "library default (it exposes no thread control)");
    }
    d.put("vendor", switch (openblas_nolapack.blas_get_vendor()) {
      case 2 -> "OpenBLAS";
      case 3 -> "Intel MKL";
      default -> "unknown";
    });
    return d;
  }

  private static String version(String artifact) {
    try {
      String v = Loader.getVersion("org.bytedeco", artifact);
      return v != null ? v : "?";
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }
}
