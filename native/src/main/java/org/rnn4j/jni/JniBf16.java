package org.rnn4j.jni;

/** The bf16-weight products of librnn4j (jni_bf16.c); bound in JNI_OnLoad, arguments validated in Java. */
final class JniBf16 {
  private JniBf16() {
  }

  /**
   * out = x·Wᵀ (+ beta·out) for m rows of x and the {@code rows} outputs of W's bf16 panels from
   * {@code panelsOff} (a panel's first short; {@link NativeBf16.Panels}); {@code amx}: the whole
   * product has at least {@link NativeKernels#ROUNDING_MIN_ROWS} rows (AMX tiles where the avx512 tier has
   * them, else vdpbf16ps where it has that).
   */
  static native void matmulPacked(int tier, int m, float[] x, int xOff, int ldx, short[] panels, int panelsOff,
      int rows, int cols, float beta, float[] out, int outOff, int ldo, boolean amx);

  /**
   * What the library's AMX probe found (it runs once, at the first call of this or of an AMX-sized
   * bf16 product, not at load: the Linux permission it requests affects the whole process): 1
   * usable, -1 no AMX-bf16 (or AVX-512 F/BW/VL) in CPUID, -2 tile (or AVX-512) state not enabled by
   * the OS, -3 Linux refused the permission (arch_prctl ARCH_REQ_XCOMP_PERM), -4 its self-check
   * product came out wrong (amx.c).
   */
  static native int amxState();

  /** {@link #amxState()} in words. */
  static String amxDescription() {
    int state = amxState();
    return switch (state) {
      case 1 -> "usable";
      case -1 -> "not in this CPU (AMX-bf16 with AVX-512 F/BW/VL)";
      case -2 -> "tile or AVX-512 state not enabled by the OS";
      case -3 -> "Linux refused the permission (arch_prctl ARCH_REQ_XCOMP_PERM)";
      case -4 -> "refused: its self-check product at load came out wrong";
      default -> "unknown state " + state;
    };
  }

  /**
   * What the library's AVX512_BF16 probe found (once, at the first call of this or of a flagged
   * bf16 product): 1 usable, -1 no avx512_bf16 (or AVX-512 F/BW/VL) in CPUID or not in this build,
   * -2 AVX-512 state not enabled by the OS, -4 its self-check product came out wrong (dpbf16.c).
   */
  static native int dpState();

  /** {@link #dpState()} in words. */
  static String dpDescription() {
    int state = dpState();
    return switch (state) {
      case 1 -> "usable";
      case -1 -> "not in this CPU or library (avx512_bf16 with AVX-512 F/BW/VL)";
      case -2 -> "AVX-512 state not enabled by the OS";
      case -4 -> "refused: its self-check product at load came out wrong";
      default -> "unknown state " + state;
    };
  }
}
