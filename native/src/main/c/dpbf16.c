/*
 * AVX512_BF16 products (vdpbf16ps) for the avx512 tier's bf16 panels (rnn4j_bf16.h), for the
 * products Java marks large enough where AMX is not usable (AMD Zen 4 and later, Intel Cooper Lake).
 *
 * The panel layout (NR = 32 output rows; per pair of input columns one 32-bit lane per row, column
 * 2q in the low half) is already vdpbf16ps's: one instruction multiplies a broadcast pair of x by
 * the pair of every row of a 16-row half panel and adds both products to that row's fp32
 * accumulator, 32 multiply-adds where the widening kernel needs a shift, an and and two FMAs.
 * x's rows are rounded to bf16 pairs (nearest even, as the weights are) into a staging block first,
 * so, as on AMX, the activations are rounded too (rnn4j info says so). Products of two bf16 values
 * are exact in fp32; the instruction adds them to the accumulator with round-to-nearest and treats
 * subnormal inputs and results as zero.
 *
 * Every output is one accumulator over the pairs in order, whatever the row blocking, so the bits
 * depend neither on m nor on how threads split the product.
 *
 * Not in the test library (-DRNN4J_AVX512_TIER_ON_AVX2): its avx512 tier is compiled for AVX2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rnn4j_bf16.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(RNN4J_AVX512_TIER_ON_AVX2)

#include <immintrin.h>
#include <pthread.h>

#define DP_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

enum { NR = 32, MR = 12 }; /* 12 rows x 2 vectors: 24 accumulators + 2 weight vectors + 1 broadcast of 32 registers */

/* Bytes of rounded x staged at once; every panel serves the whole block before the next. */
#define DP_STAGE_BYTES (256 * 1024)

static int dp_state; /* 1: usable; negative: why not (rnn4j_bf16.h); written once, under dp_once */
static pthread_once_t dp_once = PTHREAD_ONCE_INIT;

static void dp_probe(void) {
  unsigned a, b, c, d;
  int avx512 = rnn4j_avx512_fbwvl();
  /* Leaf 7 subleaf 1 EAX bit 5: avx512_bf16 (a subleaf past the CPU's last reads as zeros). */
  if (avx512 == -1 || !__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a >> 5 & 1)) {
    dp_state = -1;
  } else if (avx512 == -2) {
    dp_state = -2;
  } else {
    dp_state = rnn4j_bf16_self_check(rnn4j_dp_matmul) ? 1 : -4;
  }
}

int rnn4j_dp_state(void) {
  pthread_once(&dp_once, dp_probe);
  return dp_state;
}

/* mr rows (a constant after inlining) of staged x, xs apart, times one panel, every pair in order. */
DP_TARGET static inline __attribute__((always_inline)) void dp_tile(const int mr, int pairs, const uint32_t *xs,
    ptrdiff_t xs_stride, const uint32_t *bp, float beta, float *out, ptrdiff_t ldo, int nc) {
  __m512 acc[MR][2];
  for (int i = 0; i < MR; i++) {
    acc[i][0] = _mm512_setzero_ps();
    acc[i][1] = _mm512_setzero_ps();
  }
  for (int q = 0; q < pairs; q++, bp += NR) {
    __m512bh w0 = (__m512bh)_mm512_loadu_si512(bp);
    __m512bh w1 = (__m512bh)_mm512_loadu_si512(bp + 16);
    for (int i = 0; i < mr; i++) {
      __m512bh xi = (__m512bh)_mm512_set1_epi32((int)xs[i * xs_stride + q]);
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], xi, w0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], xi, w1);
    }
  }
  __m512 bv = _mm512_set1_ps(beta);
  __mmask16 m0 = nc >= 16 ? 0xFFFF : (__mmask16)((1u << nc) - 1);
  __mmask16 m1 = nc >= NR ? 0xFFFF : nc <= 16 ? 0 : (__mmask16)((1u << (nc - 16)) - 1);
  for (int i = 0; i < mr; i++) {
    float *o = out + i * ldo;
    if (beta != 0.0f) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_mul_ps(bv, _mm512_maskz_loadu_ps(m0, o)));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_mul_ps(bv, _mm512_maskz_loadu_ps(m1, o + 16)));
    }
    _mm512_mask_storeu_ps(o, m0, acc[i][0]);
    _mm512_mask_storeu_ps(o + 16, m1, acc[i][1]);
  }
}

/*
 * out = x·Wᵀ (+ beta·out) for the avx512 tier's bf16 panels (n rows of W, k columns): x's rows are
 * rounded into a staging block of up to DP_STAGE_BYTES, then each panel serves every MR rows of the
 * block in turn, so a panel is read from L2 or beyond once per block. Returns 0 when it could not
 * get its staging memory (the caller then runs the widening kernel).
 */
DP_TARGET int rnn4j_dp_matmul(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels,
    float beta, float *out, ptrdiff_t ldo) {
  int pairs = (k + 1) / 2;
  ptrdiff_t xs_stride = (pairs + 15) / 16 * 16; /* uint32 pairs per staged row, whole cache lines */
  int block = (int)(DP_STAGE_BYTES / (xs_stride * 4)) / MR * MR;
  if (block < MR) block = MR;
  if (block > m) block = m;
  uint32_t *xs = malloc((size_t)block * (size_t)xs_stride * 4);
  if (xs == NULL) return 0;
  int np = (n + NR - 1) / NR;
  for (int i0 = 0; i0 < m; i0 += block) {
    int mb = m - i0 < block ? m - i0 : block;
    for (int i = 0; i < mb; i++) {
      rnn4j_round_row((uint16_t *)(void *)(xs + i * xs_stride), x + (ptrdiff_t)(i0 + i) * ldx, k, (int)(2 * xs_stride));
    }
    for (int jp = 0; jp < np; jp++) {
      const uint32_t *bp = (const uint32_t *)(const void *)panels + (ptrdiff_t)jp * pairs * NR;
      int nc = n - jp * NR < NR ? n - jp * NR : NR;
      float *o = out + (ptrdiff_t)i0 * ldo + jp * NR;
      int i = 0;
      for (; i + MR <= mb; i += MR) dp_tile(MR, pairs, xs + i * xs_stride, xs_stride, bp, beta, o + i * ldo, ldo, nc);
      const uint32_t *xr = xs + i * xs_stride;
      float *orow = o + i * ldo;
      switch (mb - i) {
#define DP_TAIL(r) \
  case r: dp_tile(r, pairs, xr, xs_stride, bp, beta, orow, ldo, nc); break;
        DP_TAIL(11) DP_TAIL(10) DP_TAIL(9) DP_TAIL(8) DP_TAIL(7) DP_TAIL(6)
        DP_TAIL(5) DP_TAIL(4) DP_TAIL(3) DP_TAIL(2) DP_TAIL(1)
#undef DP_TAIL
        default: break;
      }
    }
  }
  free(xs);
  return 1;
}

#else
int rnn4j_dp_state(void) { return -1; }
int rnn4j_dp_matmul(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta,
    float *out, ptrdiff_t ldo) {
  (void)m, (void)n, (void)k, (void)x, (void)ldx, (void)panels, (void)beta, (void)out, (void)ldo;
  return 0;
}
#endif
