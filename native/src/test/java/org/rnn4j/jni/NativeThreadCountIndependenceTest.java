package org.rnn4j.jni;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnn4j.Activation;
import org.rnn4j.Precision;
import org.rnn4j.spi.CellFunctions;
import org.rnn4j.spi.PackedMatrix;

/** The native packed products (fp32 and bf16) give the same bits on 1, 2 and 3 threads, whatever the split. */
class NativeThreadCountIndependenceTest {
  private static float[] random(SplittableRandom rnd, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) rnd.nextGaussian();
    }
    return a;
  }

  private static NativeKernels[] kernels() {
    NativeLibrary.Status s = NativeLibrary.status();
    assertTrue(s.loaded(), () -> "native library did not load: " + s.reason());
    return new NativeKernels[] {new NativeKernels(s.active(), 1, 0), new NativeKernels(s.active(), 2, 0),
        new NativeKernels(s.active(), 3, 0)};
  }

  @Test
  void matmulPackedIsBitIdenticalAcrossThreadCounts() {
    assertEquals(3, kernels()[2].threads());
    // Row counts across the 96-row chunk, columns across the C kernel's 256-column k block,
    // outputs that end in a partial panel.
    assertSameBitsOnEveryThreadCount(Precision.FP32, 7, new int[][] {{1, 257, 65}, {1, 2048, 300}, {3, 65, 17},
        {17, 1021, 33}, {64, 96, 40}, {65, 257, 129}, {200, 75, 31}, {97, 130, 600}});
  }

  @Test
  void bf16MatmulPackedIsBitIdenticalAcrossThreadCounts() {
    // Around the rounding kernels' row threshold (2), their 12-row tile and the 96-row chunk, odd
    // column counts, partial panels.
    assertSameBitsOnEveryThreadCount(Precision.BF16, 11, new int[][] {{1, 2048, 301}, {2, 97, 33}, {13, 65, 17},
        {17, 1021, 64}, {97, 130, 75}, {200, 75, 31}});
  }

  /** Each {m, rows of W, cols} product, beta 0 and 0.5, twice over on 1, 2 and 3 threads: the same bits. */
  private static void assertSameBitsOnEveryThreadCount(Precision precision, long seed, int[][] shapes) {
    NativeKernels[] ks = kernels();
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int[] s : shapes) {
      int m = s[0];
      int rows = s[1];
      int cols = s[2];
      float[] w = random(rnd, rows * cols);
      float[] x = random(rnd, m * cols);
      for (float beta : new float[] {0f, 0.5f}) {
        float[] init = random(rnd, m * rows);
        float[] first = null;
        for (int rep = 0; rep < 2; rep++) {
          for (NativeKernels k : ks) {
            PackedMatrix p = k.pack(w, 0, rows, cols, precision);
            float[] out = init.clone();
            k.matmulPacked(m, x, 0, cols, p, beta, out, 0, rows);
            if (first == null) {
              first = out;
            } else {
              assertArrayEquals(first, out, precision + " m=" + m + " W=" + rows + "x" + cols + " beta=" + beta
                  + " threads=" + k.threads());
            }
          }
        }
      }
    }
  }

  @Test
  void cellsSplitOverThePoolGiveTheSameBitsAndWriteOnlyTheirRows() {
    NativeKernels[] ks = kernels();
    SplittableRandom rnd = new SplittableRandom(5);
    CellFunctions clipped = new CellFunctions(Activation.SIGMOID, Activation.TANH, Activation.TANH, 0.75f, false);
    for (int rows : new int[] {2, 3, 7, 64}) {
      for (int hidden : new int[] {1, 17, 65}) {
        int hd = hidden;
        float[] xg = random(rnd, 3 + rows * 4 * hd);
        float[] hg = random(rnd, 5 + rows * 4 * hd);
        float[] bias = random(rnd, 4 * hd);
        float[] peep = random(rnd, 3 * hd);
        float[] c0 = random(rnd, 2 + rows * hd);
        float[] h0 = random(rnd, 6 + rows * hd + 4);
        float[][] first = null;
        for (NativeKernels k : ks) {
          float[] c = c0.clone();
          float[] hl = h0.clone();
          float[] hg1 = h0.clone();
          float[] hg2 = h0.clone();
          float[] rh = h0.clone();
          float[] hr = h0.clone();
          k.lstmCell(rows, hd, xg, 3, hg, 5, bias, peep, clipped, c, 2, hl, 6);
          k.gruCell(rows, hd, true, xg, 3, hg, 5, bias, CellFunctions.LSTM_DEFAULT, hg1, 6);
          k.gruResetState(rows, hd, xg, 3, hg, 5, bias, CellFunctions.LSTM_DEFAULT, hg2, 6, rh, 6);
          k.gruCell(rows, hd, false, xg, 3, hg, 5, bias, clipped, hg2, 6);
          k.rnnCell(rows, hd, xg, 3, hg, 5, bias, clipped, hr, 6);
          float[][] got = {c, hl, hg1, hg2, rh, hr};
          if (first == null) {
            first = got;
            assertArrayEquals(Arrays.copyOf(c0, 2), Arrays.copyOf(c, 2), "the LSTM cell wrote before its first row");
            for (int i = 1; i < got.length; i++) {
              assertArrayEquals(Arrays.copyOf(h0, 6), Arrays.copyOf(got[i], 6), "a cell wrote before its first row");
            }
            assertArrayEquals(Arrays.copyOfRange(h0, 6 + rows * hd, h0.length),
                Arrays.copyOfRange(hl, 6 + rows * hd, hl.length), "the LSTM cell wrote past its last row");
          } else {
            for (int i = 0; i < got.length; i++) {
              assertArrayEquals(first[i], got[i], "output " + i + " rows=" + rows + " hidden=" + hd + " threads="
                  + k.threads());
            }
          }
        }
      }
    }
  }

  @Test
  void chunksWriteOnlyTheirOutputsWithOffsets() {
    NativeKernels one = kernels()[0];
    NativeKernels three = kernels()[2];
    SplittableRandom rnd = new SplittableRandom(3);
    int m = 130;
    int rows = 70;
    int cols = 300;
    int ldx = cols + 5;
    int ldo = rows + 7;
    float[] w = random(rnd, rows * cols);
    float[] x = random(rnd, 4 + m * ldx);
    float[] want = new float[11 + m * ldo];
    Arrays.fill(want, Float.NaN);
    float[] got = want.clone();
    one.matmulPacked(m, x, 4, ldx, one.pack(w, 0, rows, cols), 0f, want, 11, ldo);
    three.matmulPacked(m, x, 4, ldx, three.pack(w, 0, rows, cols), 0f, got, 11, ldo);
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "at " + i);
    }
  }

  @Test
  void threadCountComesFromTheBackendPropertyThenTheGlobalOne() {
    assertEquals(3, NativeBackendProvider.threads("3", "2", 8));
    assertEquals(2, NativeBackendProvider.threads(null, "2", 8));
    assertEquals(8, NativeBackendProvider.threads(null, null, 8));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> NativeBackendProvider.threads("zero", null, 8));
    assertTrue(e.getMessage().contains("rnn4j.native.threads"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> NativeBackendProvider.threads(null, "0", 8));
  }
}
