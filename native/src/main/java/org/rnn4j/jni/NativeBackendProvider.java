package org.rnn4j.jni;

import java.util.LinkedHashMap;
import java.util.Map;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * The {@code native} backend: C kernels through JNI, chosen where the SIMD backend's probe refuses
 * (no C2, no {@code jdk.incubator.vector}, other JVMs). See {@link NativeLibrary} for how the
 * library is found and {@link NativeKernels} for what runs in C.
 */
public final class NativeBackendProvider implements BackendProvider {
  public static final String NAME = "native";
  /** Threads for the packed products; else {@link #GLOBAL_THREADS_PROPERTY}, else the available processors. */
  public static final String THREADS_PROPERTY = "rnn4j.native.threads";
  public static final String GLOBAL_THREADS_PROPERTY = "rnn4j.threads";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 40;
  }

  @Override
  public ProbeResult probe() {
    NativeLibrary.Status s = NativeLibrary.status();
    if (!s.loaded()) {
      return ProbeResult.unavailable(s.reason());
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("isa", s.active().id());
    details.put("cpu isa", s.cpu().id());
    String cap = System.getProperty(NativeLibrary.MAX_ISA_PROPERTY);
    details.put("isa cap", cap == null || cap.isBlank() ? "none (-D" + NativeLibrary.MAX_ISA_PROPERTY + ")" : cap);
    details.put("library", s.source());
    details.put("activations", "Sigmoid, Tanh (approximations within 1e-6 abs) and Relu in C; cells with other "
        + "activations run the Java scalar kernels");
    int threads;
    try {
      threads = threads(System.getProperty(THREADS_PROPERTY), System.getProperty(GLOBAL_THREADS_PROPERTY),
          Runtime.getRuntime().availableProcessors());
    } catch (IllegalArgumentException e) {
      return ProbeResult.unavailable(e.getMessage());
    }
    details.put("threads", Integer.toString(threads));
    return ProbeResult.available("JNI C kernels, " + s.active().id() + " tier", details);
  }

  @Override
  public Kernels create() {
    NativeLibrary.Status s = NativeLibrary.status();
    if (!s.loaded()) {
      throw new IllegalStateException("backend native is unavailable: " + s.reason());
    }
    return new NativeKernels(s.active(), threads(System.getProperty(THREADS_PROPERTY),
        System.getProperty(GLOBAL_THREADS_PROPERTY), Runtime.getRuntime().availableProcessors()),
        NativeKernels.DEFAULT_PARALLEL_MIN);
  }

  /** The thread count from the backend's property, else the global one, else {@code processors}. */
  static int threads(String nativeThreads, String globalThreads, int processors) {
    String v = nativeThreads != null ? nativeThreads : globalThreads;
    if (v == null || v.isBlank()) {
      return Math.max(1, processors);
    }
    String name = nativeThreads != null ? THREADS_PROPERTY : GLOBAL_THREADS_PROPERTY;
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
}
