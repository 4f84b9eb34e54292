package org.rnn4j.jni;

/** The bf16-weight products of librnn4j (jni_bf16.c); bound in JNI_OnLoad, arguments validated in Java. */
final class JniBf16 {
  private JniBf16() {
  }

  /** out = x·Wᵀ (+ beta·out) with W in bf16 panels ({@link NativeBf16.Panels}). */
  static native void matmulPacked(int tier, int m, float[] x, int xOff, int ldx, short[] panels, int rows, int cols,
      float beta, float[] out, int outOff, int ldo);
}
