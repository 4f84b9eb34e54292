package org.rnn4j.jni;

/**
 * The C entry points (native/src/main/c/jni.c binds them with RegisterNatives). Callers pass only
 * arguments {@link org.rnn4j.spi.Kernels} has validated; {@code tier} is an {@link Isa} ordinal the
 * CPU supports. Pinning failures surface as {@link OutOfMemoryError}.
 */
final class Jni {
  private Jni() {
  }

  static native int abiVersion();

  static native int cpuTier();

  static native int panelWidth(int tier);

  static native void pack(int tier, float[] w, int off, int rows, int cols, float[] out);

  /** out ← x·Wᵀ (+ beta·out) for {@code rows} outputs whose panels start at {@code panelsOff}. */
  static native void matmulPacked(int tier, int m, float[] x, int xOff, int ldx, float[] panels, int panelsOff,
      int rows, int cols, float beta, float[] out, int outOff, int ldo);

  static native void gemm(int tier, boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a,
      int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);

  static native void gemv(int tier, boolean transA, int m, int n, float alpha, float[] a, int aOff, int lda, float[] x,
      int xOff, float beta, float[] y, int yOff);

  static native void lstmCell(int tier, int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, float[] peep, int gate, int cand, int out, float clip, boolean inputForget, float[] c, int cOff,
      float[] h, int hOff);

  static native void gruCell(int tier, int rows, int hidden, boolean resetAfter, float[] xg, int xgOff, float[] hg,
      int hgOff, float[] bias, int gate, int cand, float clip, float[] h, int hOff);

  static native void gruResetState(int tier, int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, int gate, float clip, float[] h, int hOff, float[] rh, int rhOff);

  static native void rnnCell(int tier, int rows, int hidden, float[] xg, int xgOff, float[] hg, int hgOff,
      float[] bias, int act, float clip, float[] h, int hOff);

  static native void biasActivation(int tier, int rows, int n, float[] x, int xOff, float[] bias, int act);

  static native void axpy(int tier, int n, float alpha, float[] x, int xOff, float[] y, int yOff);
}
