package org.rnn4j.jni;

import java.util.Locale;

/** The instruction-set tiers the native kernels are compiled for; ordinals match the C tier indices. */
public enum Isa {
  /** Baseline vectors of the platform (SSE2 on x86-64), no FMA. */
  PORTABLE,
  /** 256-bit AVX2 with FMA. */
  AVX2,
  /** 512-bit AVX-512 (F, DQ, VL, BW). */
  AVX512;

  /** The spelling of {@code -Drnn4j.native.maxIsa}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@link #id()}; null when the text names no tier. */
  static Isa parse(String text) {
    for (Isa i : values()) {
      if (i.id().equals(text.trim().toLowerCase(Locale.ROOT))) {
        return i;
      }
    }
    return null;
  }
}
