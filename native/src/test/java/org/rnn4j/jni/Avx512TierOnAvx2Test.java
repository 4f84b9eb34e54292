package org.rnn4j.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnn4j.backend.BackendRegistry;

/**
 * Runs only in the {@code avx512-tier-on-avx2} surefire execution, beside the whole native suite:
 * that JVM loads the test library whose avx512 tier is compiled for AVX2 (see rnn4j.h), and this
 * test proves the suite there really ran the avx512 tier's code rather than falling back, and its
 * AMX path in emulation (-DRNN4J_AMX_EMULATE, amx.c) for the bf16 products of two rows or more.
 */
class Avx512TierOnAvx2Test {
  @Test
  void theTestLibraryIsLoadedWithTheAvx512TierActive() {
    NativeLibrary.Status s = NativeLibrary.status();
    assertTrue(s.loaded(), () -> "test library did not load: " + s.reason());
    assertTrue(s.source().endsWith("librnn4j-avx512-on-avx2.so"), s.source());
    assertEquals(Isa.AVX512, s.active());
  }

  @Test
  void itsAvx512TierHasTheAvx512Layout() {
    assertEquals(32, Jni.panelWidth(Isa.AVX512.ordinal()), "two 16-float vectors per panel");
    assertEquals(16, Jni.panelWidth(Isa.AVX2.ordinal()));
  }

  @Test
  void itsEmulatedAmxPassedTheSelfCheckAndRunsTheLargerBf16Products() {
    assertEquals(1, JniBf16.amxState(), JniBf16::amxDescription);
    NativeKernels k = (NativeKernels) BackendRegistry.getDefault().get("native").kernels();
    assertTrue(k.amxActive());
    assertTrue(k.bf16Kernels().contains("AMX-bf16 tiles"), k.bf16Kernels());
  }

  @Test
  void theRegistrysNativeBackendUsesTheAvx512Tier() {
    NativeKernels k = (NativeKernels) BackendRegistry.getDefault().get("native").kernels();
    assertEquals(Isa.AVX512, k.isa());
  }
}
