package org.rnn4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

/** The scalar kernels against straightforward float64 definitions, and the argument checks every backend inherits. */
class KernelsContractTest {
  private final Kernels k = new ScalarKernels();

  @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} beta={5}")
  @CsvSource({"false,false,1,1,1,0", "true,false,3,17,65,0", "false,true,17,3,1,1", "true,true,65,17,3,0.5",
      "false,true,103,5,33,0", "true,false,2,103,7,-1"})
  void gemmMatchesTheDefinitionForEveryTransposeAndBeta(boolean ta, boolean tb, int m, int n, int kk, float beta) {
    int lda = (ta ? m : kk) + 2;
    int ldb = (tb ? kk : n) + 1;
    int ldc = n + 3;
    float[] a = RandomModels.gaussian((ta ? kk : m) * lda + 5, 1, 1);
    float[] b = RandomModels.gaussian((tb ? n : kk) * ldb + 5, 1, 2);
    float[] c = RandomModels.gaussian(m * ldc + 5, 1, 3);
    double[] expected = RandomModels.widen(c.clone());
    float alpha = 0.75f;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < kk; p++) {
          double av = ta ? a[2 + p * lda + i] : a[2 + i * lda + p];
          double bv = tb ? b[1 + j * ldb + p] : b[1 + p * ldb + j];
          s += av * bv;
        }
        int ci = 4 + i * ldc + j;
        expected[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
      }
    }
    k.gemm(ta, tb, m, n, kk, alpha, a, 2, lda, b, 1, ldb, beta, c, 4, ldc);
    Tolerance.assertClose("C", expected, c, 1e-5, 1e-5);
  }

  @Test
  void gemmWithBetaZeroIgnoresNanInC() {
    float[] c = {Float.NaN};
    k.gemm(false, false, 1, 1, 1, 1f, new float[] {2f}, 0, 1, new float[] {3f}, 0, 1, 0f, c, 0, 1);
    assertEquals(6f, c[0]);
  }

  @ParameterizedTest
  @CsvSource({"false,1,1", "false,17,65", "true,3,17", "true,65,1"})
  void gemvMatchesTheDefinition(boolean trans, int m, int n) {
    float[] a = RandomModels.gaussian(m * n, 1, 4);
    float[] x = RandomModels.gaussian(trans ? m : n, 1, 5);
    float[] y = RandomModels.gaussian(trans ? n : m, 1, 6);
    double[] expected = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      double s = 0;
      for (int p = 0; p < x.length; p++) {
        s += (double) (trans ? a[p * n + i] : a[i * n + p]) * x[p];
      }
      expected[i] = 2 * s + 0.5 * y[i];
    }
    k.gemv(trans, m, n, 2f, a, 0, n, x, 0, 0.5f, y, 0);
    Tolerance.assertClose("y", expected, y, 1e-5, 1e-5);
  }

  @Test
  void matmulPackedEqualsGemmWithTransposedWeights() {
    int m = 7;
    int rows = 17;
    int cols = 5;
    float[] w = RandomModels.gaussian(rows * cols + 3, 1, 7);
    float[] x = RandomModels.gaussian(m * 9, 1, 8);
    PackedMatrix p = k.pack(w, 3, rows, cols);
    float[] out = new float[m * 20];
    float[] expected = new float[m * 20];
    k.matmulPacked(m, x, 2, 9, p, 0f, out, 1, 20);
    k.gemm(false, true, m, rows, cols, 1f, x, 2, 9, w, 3, cols, 0f, expected, 1, 20);
    Tolerance.assertClose("out", expected, out, 0, 0);
  }

  @Test
  void packCopiesTheWeights() {
    float[] w = {1, 2, 3, 4};
    PackedMatrix p = k.pack(w, 0, 2, 2);
    w[0] = 100;
    float[] out = new float[2];
    k.matmulPacked(1, new float[] {1, 0}, 0, 2, p, 0f, out, 0, 2);
    assertEquals(1f, out[0]);
  }

  @Test
  void blockBeyondTheArrayNamesTheArgument() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.gemm(false, false, 2, 2, 2, 1f, new float[3], 0, 2, new float[4], 0, 2, 0f, new float[4], 0, 2));
    assertTrue(e.getMessage().startsWith("A: 2x2 block at offset 0"), e.getMessage());
  }

  @Test
  void negativeOffsetIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.axpy(1, 1f, new float[1], -1, new float[1], 0));
    assertTrue(e.getMessage().contains("x"), e.getMessage());
  }

  @Test
  void leadingDimensionSmallerThanColumnsIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.gemm(false, false, 1, 1, 3, 1f, new float[9], 0, 2, new float[3], 0, 1, 0f, new float[1], 0, 1));
    assertTrue(e.getMessage().contains("leading dimension 2 < columns 3"), e.getMessage());
  }

  @Test
  void offsetOverflowDoesNotWrapAround() {
    assertThrows(IllegalArgumentException.class, () -> k.gemm(false, false, 2, 1, 1, 1f, new float[4], 0,
        Integer.MAX_VALUE, new float[1], 0, 1, 0f, new float[2], 0, 1));
  }

  @Test
  void packedMatrixFromAnotherKernelSetIsRejected() {
    PackedMatrix foreign = new ScalarKernels().pack(new float[4], 0, 2, 2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> k.matmulPacked(1, new float[2], 0, 2, foreign, 0f, new float[2], 0, 2));
    assertTrue(e.getMessage().contains("prepared by"), e.getMessage());
  }

  @Test
  void cellKernelRejectsShortStateArray() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.lstmCell(2, 3, new float[24], 0,
        new float[24], 0, new float[12], null, CellFunctions.LSTM_DEFAULT, new float[5], 0, new float[6], 0));
    assertTrue(e.getMessage().startsWith("c: "), e.getMessage());
  }

  @Test
  void peepholeArrayOfWrongSizeIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.lstmCell(1, 3, new float[12], 0,
        new float[12], 0, new float[12], new float[8], CellFunctions.LSTM_DEFAULT, new float[3], 0, new float[3], 0));
    assertTrue(e.getMessage().startsWith("peep: "), e.getMessage());
  }

  @Test
  void peepholeGradientMustComeWithPeepholes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.lstmCellBackward(1, 2,
        new float[8], 0, new float[8], 0, new float[8], new float[6], CellFunctions.LSTM_DEFAULT, new float[2], 0,
        new float[2], 0, new float[2], 0, new float[2], 0, new float[8], 0, null));
    assertTrue(e.getMessage().contains("dPeep"), e.getMessage());
  }

  @Test
  void backwardKernelRejectsAShortGradientTile() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.gruCellBackward(2, 2, true,
        new float[12], 0, new float[12], 0, new float[8], CellFunctions.LSTM_DEFAULT, new float[4], 0, new float[4], 0,
        new float[11], 0, new float[12], 0, new float[4], 0));
    assertTrue(e.getMessage().startsWith("dXg: "), e.getMessage());
  }

  @Test
  void zeroRowsIsANoOp() {
    k.matmulPacked(0, new float[0], 0, 2, k.pack(new float[4], 0, 2, 2), 0f, new float[0], 0, 2);
  }
}
