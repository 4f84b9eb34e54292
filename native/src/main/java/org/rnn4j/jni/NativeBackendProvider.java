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
    details.put("threads", "1");
    return ProbeResult.available("JNI C kernels, " + s.active().id() + " tier", details);
  }

  @Override
  public Kernels create() {
    NativeLibrary.Status s = NativeLibrary.status();
    if (!s.loaded()) {
      throw new IllegalStateException("backend native is unavailable: " + s.reason());
    }
    return new NativeKernels(s.active());
  }
}
