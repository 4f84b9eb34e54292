package org.rnn4j.jni;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.ScalarKernels;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.Bf16;
import org.rnn4j.spi.Kernels;
import org.rnn4j.spi.PackedMatrix;
import org.rnn4j.spi.ProbeResult;
import org.rnn4j.testing.RandomModels;
import org.rnn4j.testing.Tolerance;

/** The native bf16 products against the scalar bf16 reference, on every tier this CPU has. */
class NativeBf16Test {
  private static final int[] SIZES = {1, 3, 17, 65, 1000};
  private static final Kernels REF = new ScalarKernels();
  private long seed = 100;

  private float[] rnd(int n) {
    return RandomModels.gaussian(n, 1, ++seed);
  }

  private static float[] abs(float[] a) {
    float[] b = a.clone();
    for (int i = 0; i < b.length; i++) {
      b[i] = Math.abs(b[i]);
    }
    return b;
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void packedWeightsAreTheNearestEvenBf16OfEachWeight(Isa isa) {
    NativeKernels k = (NativeKernels) NativeKernelsTest.kernels(isa);
    int pw = Jni.panelWidth(isa.ordinal());
    for (int rows : new int[] {1, 17, 65}) {
      for (int cols : new int[] {1, 3, 17}) {
        float[] w = rnd(rows * cols + 2);
        NativeBf16.Panels p = (NativeBf16.Panels) k.pack(w, 2, rows, cols, Precision.BF16);
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < cols; c++) {
            float want = Bf16.roundToFloat(w[2 + r * cols + c]);
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(p.get(r, c, pw))) {
              fail(isa + " " + rows + "x" + cols + " W[" + r + "," + c + "] is " + p.get(r, c, pw) + ", expected "
                  + want);
            }
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void matmulMatchesTheScalarBf16ReferenceAtAwkwardSizes(Isa isa) {
    Kernels k = NativeKernelsTest.kernels(isa);
    for (int rows : SIZES) {
      for (int cols : SIZES) {
        float[] w = rnd(rows * cols + 3);
        try (PackedMatrix pn = k.pack(w, 3, rows, cols, Precision.BF16);
            PackedMatrix pr = REF.pack(w, 3, rows, cols, Precision.BF16);
            PackedMatrix pa = REF.pack(abs(w), 3, rows, cols, Precision.BF16)) {
          for (int m : new int[] {1, 2, 3, 4, 5, 16, 17, 33}) {
            for (float beta : new float[] {0f, -0.5f}) {
              int ldx = cols + 1;
              int ldo = rows + 2;
              float[] x = rnd(m * ldx + 1);
              float[] out = rnd(m * ldo + 1);
              float[] want = out.clone();
              REF.matmulPacked(m, x, 1, ldx, pr, beta, want, 1, ldo);
              k.matmulPacked(m, x, 1, ldx, pn, beta, out, 1, ldo);
              float[] bound = new float[out.length];
              float[] init = abs(want);
              REF.matmulPacked(m, abs(x), 1, ldx, pa, Math.abs(beta), bound, 1, ldo);
              // AMX and vdpbf16ps round the activations to bf16 as well: up to 2^-9 of each |x|·|w| term.
              double rel = m >= NativeKernels.ROUNDING_MIN_ROWS && ((NativeKernels) k).roundsActivations() ? 4e-3 : 1e-5;
              for (int i = 0; i < out.length; i++) {
                double tol = rel * (bound[i] + init[i]) + 1e-6;
                if (!(Math.abs(out[i] - want[i]) <= tol)) {
                  fail(isa + " bf16 matmul m=" + m + " W=" + rows + "x" + cols + " beta=" + beta + ": element " + i
                      + " is " + out[i] + ", expected " + want[i] + " (tolerance " + tol + ")");
                }
              }
            }
          }
        }
      }
    }
  }

  @Test
  void roundingProductsMatchTheRoundingReferenceAcrossStagingBlocksAndEdges() {
    NativeKernels k = (NativeKernels) NativeKernelsTest.kernels(Isa.AVX512);
    assumeTrue(k.roundsActivations(), () -> "neither AMX-bf16 (" + JniBf16.amxDescription() + ") nor AVX512_BF16 ("
        + JniBf16.dpDescription() + ") is in use here");
    String kernel = k.amxActive() ? "AMX" : "vdpbf16ps";
    Kernels ref = RoundedActivationReference.backend().kernels();
    // {m, n, k}: one and two A tiles, partial 32-row blocks, partial last panels and k tiles. amx.c
    // stages at most 512 KiB of rounded rows (64 rows at k = 4000), so m = 100 there takes two
    // staging blocks in one call; m = 300 takes two chunks (NativeKernels.AMX_ROW_BLOCK). dpbf16.c
    // stages 256 KiB (24 rows at k = 4000: five blocks, the last partial) in 12-row tiles, so m = 16,
    // 31 and 100 end in partial tiles.
    int[][] shapes = {{16, 33, 32}, {31, 64, 31}, {32, 32, 33}, {64, 1, 1}, {100, 65, 4000}, {300, 40, 513}};
    for (int[] s : shapes) {
      int m = s[0];
      int rows = s[1];
      int cols = s[2];
      float[] w = rnd(rows * cols);
      try (PackedMatrix pn = k.pack(w, 0, rows, cols, Precision.BF16);
          PackedMatrix pr = ref.pack(w, 0, rows, cols, Precision.BF16);
          PackedMatrix pa = REF.pack(abs(w), 0, rows, cols, Precision.BF16)) {
        for (float beta : new float[] {0f, -0.5f}) {
          int ldx = cols + 3;
          int ldo = rows + 1;
          float[] x = rnd(m * ldx);
          float[] out = rnd(m * ldo);
          float[] want = out.clone();
          ref.matmulPacked(m, x, 0, ldx, pr, beta, want, 0, ldo);
          k.matmulPacked(m, x, 0, ldx, pn, beta, out, 0, ldo);
          float[] bound = abs(want);
          REF.matmulPacked(m, abs(x), 0, ldx, pa, Math.abs(beta), bound, 0, ldo);
          for (int i = 0; i < out.length; i++) {
            double tol = 1e-5 * bound[i] + 1e-6;
            if (!(Math.abs(out[i] - want[i]) <= tol)) {
              fail(kernel + " m=" + m + " W=" + rows + "x" + cols + " beta=" + beta + ": element " + i + " (row " + i / ldo
                  + ") is " + out[i] + ", expected " + want[i] + " (tolerance " + tol + ")");
            }
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Isa.class)
  void modelsInBf16MatchTheScalarBf16Reference(Isa isa) {
    Backend b = new Backend("native", 40, ProbeResult.available("test tier " + isa.id(), Map.of()),
        NativeKernelsTest.kernels(isa));
    boolean rounds = ((NativeKernels) b.kernels()).roundsActivations();
    Backend ref = rounds ? RoundedActivationReference.backend() : BackendRegistry.getDefault().get("scalar");
    double[] tol = rounds ? RoundedActivationReference.TOLERANCE : new double[] {2e-5, 2e-4};
    ModelSpec[] specs = {ModelSpec.builder(CellType.LSTM, 17, 65).numLayers(2).bidirectional(true).projSize(9).build(),
        ModelSpec.of(CellType.GRU, 3, 1000, 1, false), ModelSpec.of(CellType.GRU_RESET_BEFORE, 65, 17, 2, true),
        ModelSpec.of(CellType.RNN_TANH, 1, 3, 3, false)};
    for (ModelSpec spec : specs) {
      ModelWeights w = ModelWeights.random(spec, 3);
      SequenceBatch in = SequenceBatch.seqFirst(RandomModels.gaussian(4 * 3 * spec.inputSize(), 1, 4), 4, 3,
          spec.inputSize()).withLengths(new int[] {4, 1, 3});
      ForwardResult want;
      ForwardResult got;
      try (Model m = Model.of(w, ref, Precision.BF16); Model n = Model.of(w, b, Precision.BF16)) {
        want = m.forward(in);
        got = n.forward(in);
      }
      Tolerance.assertClose(isa + " " + spec + " y", want.output().data(), got.output().data(), tol[0], tol[1]);
      Tolerance.assertClose(isa + " " + spec + " h_n", want.hN().data(), got.hN().data(), tol[0], tol[1]);
    }
  }

  @Test
  void infoNamesTheWideningTierAndWhatBecameOfAmx() {
    NativeKernels k = (NativeKernels) BackendRegistry.getDefault().get("native").kernels();
    String s = k.bf16Kernels();
    assertTrue(s.startsWith("widening "), s);
    if (k.isa() == Isa.AVX512) {
      assertTrue(s.contains("AMX-bf16"), s);
      assertTrue(k.roundsActivations() == s.contains("rounded to bf16 too"), s);
    }
  }

  @Test
  void vdpbf16psServesTheLargerProductsWhereTheCpuHasAvx512Bf16AndNoAmx() throws java.io.IOException {
    java.nio.file.Path cpuinfo = java.nio.file.Path.of("/proc/cpuinfo");
    assumeTrue(java.nio.file.Files.isReadable(cpuinfo), "no /proc/cpuinfo to read the CPU's flags from");
    String flags = java.nio.file.Files.readString(cpuinfo);
    NativeKernels k = (NativeKernels) BackendRegistry.getDefault().get("native").kernels();
    assumeTrue(flags.contains(" avx512_bf16") && !flags.contains(" amx_bf16") && k.isa() == Isa.AVX512
        && !NativeLibrary.status().source().contains("avx512-on-avx2"),
        "needs a CPU with avx512_bf16 and without AMX, and the packaged library");
    assertTrue(k.dpActive(), JniBf16::dpDescription);
    assertTrue(k.bf16Kernels().contains("vdpbf16ps, with the activations rounded"), k.bf16Kernels());
  }

  @Test
  void bf16PanelsHoldTwoBytesPerWeight() {
    Kernels k = BackendRegistry.getDefault().get("native").kernels();
    try (PackedMatrix p = k.pack(new float[1024 * 1024], 0, 1024, 1024, Precision.BF16)) {
      assertTrue(p.byteSize() == 2L * 1024 * 1024, Arrays.toString(new long[] {p.byteSize()}));
    }
  }
}
