package org.rnn4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.rnn4j.spi.BackendProvider;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.ProbeResult;

class BackendRegistryTest {

  /** A provider with a fixed probe result that counts its probes. */
  static final class Fake implements BackendProvider {
    final String name;
    final int priority;
    final ProbeResult result;
    final AtomicInteger probes = new AtomicInteger();

    Fake(String name, int priority, ProbeResult result) {
      this.name = name;
      this.priority = priority;
      this.result = result;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public ProbeResult probe() {
      probes.incrementAndGet();
      if (result == null) {
        throw new IllegalStateException("boom");
      }
      return result;
    }

    @Override
    public Kernels create() {
      return new ScalarKernels();
    }
  }

  private static Fake ok(String name, int prio) {
    return new Fake(name, prio, ProbeResult.available("fine", Map.of()));
  }

  private static Fake refused(String name, int prio, String why) {
    return new Fake(name, prio, ProbeResult.unavailable(why));
  }

  @Test
  void highestPriorityAvailableBackendWins() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), ok("fast", 50), ok("mid", 30)), null, null);
    assertEquals("fast", r.defaultBackend().name());
  }

  @Test
  void unavailableBackendsAreSkippedAndTheReasonIsKept() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), refused("fast", 50, "no vectors")), null, null);
    BackendRegistry.Selection s = r.selection();
    assertEquals("scalar", s.backend().name());
    assertTrue(s.why().contains("fast: no vectors"), s.why());
  }

  @Test
  void forcedBackendIsUsedEvenWithLowerPriority() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), ok("fast", 50)), "scalar", null);
    assertEquals("scalar", r.defaultBackend().name());
    assertTrue(r.selection().why().contains("forced"));
  }

  @Test
  void forcedUnavailableBackendFailsWithTheProbeReason() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), refused("fast", 50, "add --add-modules X")),
        "fast", null);
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, r::defaultBackend);
    assertTrue(e.getMessage().contains("add --add-modules X"), e.getMessage());
  }

  @Test
  void unknownNameListsTheValidOnes() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), ok("fast", 50)), "nope", null);
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, r::defaultBackend);
    assertEquals("unknown backend 'nope'; valid names: fast, scalar", e.getMessage());
  }

  @Test
  void disabledBackendsAreNotCandidates() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), ok("fast", 50), ok("mid", 30)), null,
        " fast , mid");
    assertEquals("scalar", r.defaultBackend().name());
    assertTrue(r.entries().stream().filter(e -> e.name().equals("fast")).findFirst().orElseThrow().disabled());
  }

  @Test
  void forcingADisabledBackendIsAnError() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), ok("fast", 50)), "fast", "fast");
    assertThrows(BackendUnavailableException.class, r::defaultBackend);
  }

  @Test
  void throwingProbeCountsAsUnavailable() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), new Fake("bad", 50, null)), null, null);
    assertEquals("scalar", r.defaultBackend().name());
    ProbeResult p = r.entries().get(0).probe();
    assertFalse(p.available());
    assertTrue(p.reason().contains("boom"), p.reason());
  }

  @Test
  void eachProviderIsProbedOnce() {
    Fake fast = ok("fast", 50);
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0), fast), null, null);
    r.defaultBackend();
    r.entries();
    r.get("fast");
    assertEquals(1, fast.probes.get());
  }

  @Test
  void sameBackendInstanceIsReturnedEveryTime() {
    BackendRegistry r = new BackendRegistry(List.of(ok("scalar", 0)), null, null);
    assertTrue(r.get("scalar") == r.get("SCALAR"));
  }

  @Test
  void noAvailableBackendIsAClearError() {
    BackendRegistry r = new BackendRegistry(List.of(refused("a", 1, "why a")), null, null);
    BackendUnavailableException e = assertThrows(BackendUnavailableException.class, r::defaultBackend);
    assertTrue(e.getMessage().contains("why a"));
  }

  @Test
  void duplicateProviderNamesAreRejected() {
    assertThrows(IllegalStateException.class,
        () -> new BackendRegistry(List.of(ok("x", 0), ok("x", 1)), null, null));
  }

  @Test
  void serviceLoaderFindsTheScalarBackend() {
    assertTrue(BackendRegistry.getDefault().names().contains("scalar"));
    assertTrue(BackendRegistry.getDefault().get("scalar").probe().available());
  }

  /** A provider whose probe and create look up another backend in the same registry. */
  static final class Consulting implements BackendProvider {
    final String other;
    BackendRegistry registry;
    Kernels seen;

    Consulting(String other) {
      this.other = other;
    }

    @Override
    public String name() {
      return "blas";
    }

    @Override
    public int priority() {
      return 30;
    }

    @Override
    public ProbeResult probe() {
      return ProbeResult.available("found " + registry.get(other).name(), Map.of());
    }

    @Override
    public Kernels create() {
      seen = registry.get(other).kernels();
      return new ScalarKernels();
    }
  }

  @Test
  void aProviderMayLookUpAnotherBackendWhileBeingProbedOrCreated() {
    // "scalar" shares a hash bin with "blas" in a fresh ConcurrentHashMap: computeIfAbsent nested
    // in computeIfAbsent would throw "Recursive update" here.
    for (String inner : List.of("scalar", "simd", "native")) {
      Consulting outer = new Consulting(inner);
      Fake innerProvider = ok(inner, 0);
      BackendRegistry r = new BackendRegistry(List.of(outer, innerProvider), "blas", null);
      outer.registry = r;
      assertEquals("blas", r.defaultBackend().name());
      assertEquals("found " + inner, r.get("blas").probe().reason());
      assertTrue(outer.seen == r.get(inner).kernels());
      assertEquals(1, innerProvider.probes.get());
    }
  }
}
