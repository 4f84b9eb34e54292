package org.rnn4j.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.ScalarBackendProvider;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

class BlasBackendProviderTest {

  /** Fails like a missing native library: UnsatisfiedLinkError first, NoClassDefFoundError after. */
  static final class MissingLibrary implements IntFunction<Map<String, String>> {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public Map<String, String> apply(int threads) {
      if (calls.getAndIncrement() == 0) {
        throw new UnsatisfiedLinkError("no jniopenblas_nolapack in java.library.path");
      }
      throw new NoClassDefFoundError("Could not initialize class org.bytedeco.openblas.global.openblas_nolapack");
    }
  }

  @Test
  void aMissingLibraryMakesTheBackendUnavailableWithTheReasonEveryTime() {
    MissingLibrary lib = new MissingLibrary();
    BlasBackendProvider p = new BlasBackendProvider(lib, () -> null, null);
    for (int i = 0; i < 2; i++) {
      ProbeResult r = p.probe();
      assertFalse(r.available());
      assertTrue(r.reason().contains("UnsatisfiedLinkError") && r.reason().contains("jniopenblas_nolapack"),
          r.reason());
    }
    assertEquals(1, lib.calls.get(), "the load is tried once and the first reason remembered");
    IllegalStateException e = assertThrows(IllegalStateException.class, p::create);
    assertTrue(e.getMessage().contains("UnsatisfiedLinkError"), e.getMessage());

    // A second provider in the same JVM sees the later error; it is still a reason, not a crash.
    ProbeResult again = new BlasBackendProvider(lib, () -> null, null).probe();
    assertFalse(again.available());
    assertTrue(again.reason().contains("NoClassDefFoundError"), again.reason());
  }

  @Test
  void selectionMovesOnWhenTheLibraryIsMissing() {
    List<BackendProvider> providers = new ArrayList<>();
    providers.add(new ScalarBackendProvider());
    providers.add(new BlasBackendProvider(new MissingLibrary(), () -> null, null));
    BackendRegistry r = new BackendRegistry(providers, null, null);
    assertEquals("scalar", r.defaultBackend().name());
    ProbeResult blas = r.entries().stream().filter(x -> x.name().equals("blas")).findFirst().orElseThrow().probe();
    assertTrue(blas.reason().contains("UnsatisfiedLinkError"), blas.reason());
  }

  @Test
  void threadCountDefaultsToOneAndFollowsTheProperty() {
    List<Integer> asked = new ArrayList<>();
    IntFunction<Map<String, String>> lib = t -> {
      asked.add(t);
      return Map.of("threads", Integer.toString(t));
    };
    assertTrue(new BlasBackendProvider(lib, () -> null, null).probe().available());
    assertTrue(new BlasBackendProvider(lib, () -> null, " 4 ").probe().available());
    assertEquals(List.of(1, 4), asked);
  }

  @Test
  void aBadThreadCountIsAReasonAndLoadsNothing() {
    AtomicInteger loads = new AtomicInteger();
    for (String bad : List.of("0", "-2", "many")) {
      ProbeResult r = new BlasBackendProvider(t -> {
        loads.incrementAndGet();
        return Map.of();
      }, () -> null, bad).probe();
      assertFalse(r.available());
      assertTrue(r.reason().contains("rnn4j.blas.threads") && r.reason().contains(bad), r.reason());
    }
    assertEquals(0, loads.get());
  }

  @Test
  void gateKernelsFallBackToScalarAndTheDetailsSaySo() {
    BlasBackendProvider none = new BlasBackendProvider(t -> Map.of(), () -> null, null);
    assertTrue(none.probe().details().get("gate kernels").startsWith("scalar"));
    assertTrue(((BlasKernels) none.create()).cells() instanceof ScalarKernels);

    BlasBackendProvider failing = new BlasBackendProvider(t -> Map.of(), () -> {
      throw new IllegalStateException("simd exploded");
    }, null);
    assertTrue(failing.probe().details().get("gate kernels").contains("simd exploded"));
    assertTrue(((BlasKernels) failing.create()).cells() instanceof ScalarKernels);

    Kernels simdLike = new Kernels() {
      @Override
      public String name() {
        return "simd";
      }
    };
    BlasBackendProvider found = new BlasBackendProvider(t -> Map.of(), () -> simdLike, null);
    assertEquals("simd", found.probe().details().get("gate kernels"));
    assertTrue(((BlasKernels) found.create()).cells() == simdLike);
  }

  @Test
  void theRealLibraryLoadsWithOneThreadByDefault() {
    ProbeResult r = BackendRegistry.getDefault().get(BlasBackendProvider.NAME).probe();
    assertTrue(r.available(), r.reason());
    assertEquals("OpenBLAS", r.details().get("vendor"));
    assertEquals(System.getProperty(BlasBackendProvider.THREADS_PROPERTY, "1"), r.details().get("threads"));
    assertTrue(r.details().containsKey("gate kernels"), r.details().toString());
  }
}
