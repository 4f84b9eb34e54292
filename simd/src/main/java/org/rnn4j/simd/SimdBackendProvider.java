package org.rnn4j.simd;

import java.util.LinkedHashMap;
import java.util.Map;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

/**
 * The {@code simd} backend: Panama Vector API kernels ({@link SimdKernels}).
 *
 * <p>The probe ({@link SimdProbe}) decides from VM facts alone; no vector class is initialised
 * unless every check passed (only {@link SpeciesCheck} touches one). Test mode:
 * {@code -Drnn4j.simd.bitSize=128|256|512} forces a narrower species; {@code -Drnn4j.simd.threads}
 * (else {@code -Drnn4j.threads}, else the available processors) sizes the thread pool.
 */
public final class SimdBackendProvider implements BackendProvider {
  public static final String NAME = "simd";

  private volatile Config config;

  /** What a successful probe chose. */
  private record Config(int bits, int threads) {
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return 50;
  }

  @Override
  public ProbeResult probe() {
    try {
      SimdProbe.Decision d = SimdProbe.decide(SimdProbe.current());
      if (!d.available()) {
        return ProbeResult.unavailable(d.reason());
      }
      int threads;
      try {
        threads = SimdProbe.threads(System.getProperty(SimdProbe.THREADS_PROPERTY),
            System.getProperty(SimdProbe.GLOBAL_THREADS_PROPERTY), Runtime.getRuntime().availableProcessors());
      } catch (IllegalArgumentException e) {
        return ProbeResult.unavailable(e.getMessage());
      }
      // Every check passed: now the vector classes may be initialised.
      String mismatch = SpeciesCheck.mismatch(d.bits());
      if (mismatch != null) {
        return ProbeResult.unavailable(mismatch);
      }
      Map<String, String> details = new LinkedHashMap<>();
      details.put("vector bits", Integer.toString(d.bits()));
      details.put("species", SpeciesCheck.describe(d.bits()));
      details.put("lanes", Integer.toString(d.bits() / 32));
      details.put("fma", "true");
      details.put("threads", Integer.toString(threads));
      config = new Config(d.bits(), threads);
      return ProbeResult.available(d.reason(), details);
    } catch (RuntimeException | LinkageError e) {
      return ProbeResult.unavailable("probe failed: " + e);
    }
  }

  @Override
  public Kernels create() {
    Config c = config;
    if (c == null) {
      ProbeResult p = probe();
      c = config;
      if (c == null) {
        throw new IllegalStateException("backend simd is unavailable: " + p.reason());
      }
    }
    return SimdKernels.create(c.bits(), c.threads());
  }

  /** The only place the probe path touches vector classes, after every other check passed. */
  private static final class SpeciesCheck {
    static String mismatch(int bits) {
      int preferred = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize();
      return bits <= preferred ? null : "the Vector API prefers " + preferred + "-bit vectors, fewer than the "
          + bits + " the VM flags suggest: use -D" + SimdProbe.BIT_SIZE_PROPERTY + "=" + preferred;
    }

    static String describe(int bits) {
      return jdk.incubator.vector.VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(bits))
          .toString();
    }
  }
}
