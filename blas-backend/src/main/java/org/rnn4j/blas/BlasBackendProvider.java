package org.rnn4j.blas;

import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * The {@code blas} backend: matrix products on OpenBLAS (bytedeco/JavaCPP, {@code openblas_nolapack}),
 * gate and elementwise kernels on the best Java backend available ({@code simd} when its probe
 * passes, else {@code scalar}). Priority 30.
 *
 * <p>The probe loads the native library (150–300 ms, more on first use while JavaCPP extracts it
 * to {@code ~/.javacpp/cache}) once, lazily; a missing jar or a failed load makes the backend
 * unavailable with the reason, never an exception. {@code -Dorg.bytedeco.openblas.load=mkl_rt}
 * (or any library JavaCPP can find) swaps the BLAS under the same bindings.
 *
 * <p><b>Threads.</b> OpenBLAS's thread count is process-wide. It is set once, when the library is
 * loaded, from {@code -Drnn4j.blas.threads=N} (default 1), overriding {@code OPENBLAS_NUM_THREADS}.
 * One thread per product is the best throughput for a server that runs one request per thread,
 * and it does not oversubscribe the cores when rnn4j's callers parallelise themselves; raise it
 * for few large batches on an otherwise idle machine.
 */
public final class BlasBackendProvider implements BackendProvider {
  public static final String NAME = "blas";
  public static final String THREADS_PROPERTY = "rnn4j.blas.threads";

  private static final System.Logger LOG = System.getLogger("org.rnn4j.blas");

  private final IntFunction<Map<String, String>> library;
  private final Supplier<Kernels> cellKernels;
  private final String threadsSetting;
  private ProbeResult probe;
  private Kernels cells;
  private String cellsNote;

  /** For {@link java.util.ServiceLoader}: does no work; everything happens in {@link #probe()}. */
  public BlasBackendProvider() {
    this(threads -> OpenBlas.load(threads), BlasBackendProvider::javaKernelsFromRegistry,
        System.getProperty(THREADS_PROPERTY));
  }

  /**
   * For tests: {@code library} loads the native code with a thread count and returns details (or
   * throws), {@code cellKernels} finds the Java kernels, {@code threadsSetting} is the property value.
   */
  BlasBackendProvider(IntFunction<Map<String, String>> library, Supplier<Kernels> cellKernels,
      String threadsSetting) {
    this.library = library;
    this.cellKernels = cellKernels;
    this.threadsSetting = threadsSetting;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 30;
  }

  /** Loads the library the first time; later calls return the same answer. Never throws. */
  @Override
  public synchronized ProbeResult probe() {
    if (probe == null) {
      probe = load();
    }
    return probe;
  }

  private ProbeResult load() {
    int threads;
    try {
      threads = threads(threadsSetting);
    } catch (IllegalArgumentException e) {
      return ProbeResult.unavailable(e.getMessage());
    }
    Map<String, String> details;
    try {
      details = new LinkedHashMap<>(library.apply(threads));
    } catch (Throwable t) {
      // Remembered: the first failure says why (UnsatisfiedLinkError: which library, where);
      // retrying would only give NoClassDefFoundError for the half-initialised bindings.
      LOG.log(Level.DEBUG, "rnn4j: OpenBLAS did not load", t);
      return ProbeResult.unavailable("OpenBLAS did not load: " + describe(t));
    }
    resolveCells();
    details.put("gate kernels", cellsNote);
    return ProbeResult.available("OpenBLAS sgemm/sgemv with off-heap packed weights, "
        + details.getOrDefault("threads", Integer.toString(threads)) + " BLAS thread(s)", details);
  }

  @Override
  public Kernels create() {
    ProbeResult r = probe();
    if (!r.available()) {
      throw new IllegalStateException("backend blas is unavailable: " + r.reason());
    }
    return new BlasKernels(resolveCells());
  }

  /** The Java kernels the gate and elementwise ops go to, chosen once. */
  private synchronized Kernels resolveCells() {
    if (cells == null) {
      Kernels k;
      try {
        k = cellKernels.get();
      } catch (RuntimeException | LinkageError e) {
        k = null;
        cellsNote = "scalar (simd lookup failed: " + e.getMessage() + ")";
      }
      if (k == null) {
        k = new ScalarKernels();
        if (cellsNote == null) {
          cellsNote = "scalar (simd backend not available)";
        }
      } else {
        cellsNote = k.name();
      }
      cells = k;
    }
    return cells;
  }

  /** The simd backend's kernels when it is on the class path and its probe passes; else null. */
  private static Kernels javaKernelsFromRegistry() {
    BackendRegistry registry = BackendRegistry.getDefault();
    if (!registry.names().contains("simd")) {
      return null;
    }
    try {
      return registry.get("simd").kernels();
    } catch (RuntimeException e) {
      LOG.log(Level.DEBUG, "rnn4j blas: gate kernels on scalar, simd is unavailable: " + e.getMessage());
      return null;
    }
  }

  static int threads(String setting) {
    if (setting == null || setting.isBlank()) {
      return 1;
    }
    try {
      int n = Integer.parseInt(setting.trim());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("-D" + THREADS_PROPERTY + " must be a positive integer, got '" + setting + "'");
  }

  private static String describe(Throwable t) {
    String msg = t.getMessage();
    return t.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
  }
}
