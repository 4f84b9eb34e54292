package org.rnn4j.jni;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.Bf16;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.spi.ProbeResult;

/**
 * The scalar bf16 reference as native's AMX and vdpbf16ps paths compute: bf16 products of at least
 * {@link NativeKernels#ROUNDING_MIN_ROWS} rows round x to bf16 (nearest even) before multiplying, as the
 * tiles and the instruction need (amx.c, dpbf16.c); everything else is the reference kernels. Only
 * summation order may then differ from native with either active, and through it, now and then, which
 * way an activation rounds: {@link #TOLERANCE}.
 */
final class RoundedActivationReference extends Kernels {
  /**
   * {absolute, relative} tolerance of whole models against this reference: one activation rounded
   * the other way (a bf16 step, 2^-8 of it) moves an output by about |w|·|x|·2^-8, ~2e-4 with these
   * tests' weights (seen: up to 1.7e-4); 1e-3 leaves room for a few such steps compounding over
   * layers and time, and is far below what a wrong kernel gives.
   */
  static final double[] TOLERANCE = {1e-3, 1e-3};

  static Backend backend() {
    return new Backend("scalar-activation-rounding", 0, ProbeResult.available("test reference", Map.of()),
        new RoundedActivationReference());
  }

  /** The matrices packed in bf16 (fp32 ones are multiplied as the reference does). */
  private final Set<PackedMatrix> bf16 = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

  @Override
  protected PackedMatrix packBf16K(float[] w, int off, int rows, int cols) {
    PackedMatrix p = super.packBf16K(w, off, rows, cols);
    bf16.add(p);
    return p;
  }

  @Override
  public String name() {
    return "scalar-activation-rounding";
  }

  @Override
  protected void matmulPackedK(int m, float[] x, int xOff, int ldx, PackedMatrix w, float beta, float[] out,
      int outOff, int ldo) {
    if (m < NativeKernels.ROUNDING_MIN_ROWS || !bf16.contains(w)) {
      super.matmulPackedK(m, x, xOff, ldx, w, beta, out, outOff, ldo);
      return;
    }
    int cols = w.cols();
    float[] rounded = new float[m * cols];
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < cols; c++) {
        rounded[i * cols + c] = Bf16.roundToFloat(x[xOff + i * ldx + c]);
      }
    }
    super.matmulPackedK(m, rounded, 0, cols, w, beta, out, outOff, ldo);
  }
}
