/*
 * bf16-weight kernels (precision bf16): one table per ISA tier, built from bf16_body.h like the
 * fp32 kernels. Weights arrive as panels of nr output rows (nr = the tier's fp32 panel width); per
 * panel and pair of input columns, nr 32-bit lanes (column 2q in the low 16 bits, 2q+1 in the high;
 * zero past the last row and past an odd k), each a bfloat16 rounded to nearest even in Java at
 * model load (a Java short[], little-endian). The kernels turn a lane into fp32 values with
 * `lane << 16` and `lane & 0xFFFF0000` in registers and multiply-add in fp32; activations stay fp32
 * (not rounded to bf16).
 *
 * The avx512 tier's larger products (the caller's flag, NativeKernels.ROUNDING_MIN_ROWS) run on AMX
 * tiles where usable (amx.c), else with AVX512_BF16's vdpbf16ps where usable (dpbf16.c), with the
 * activations rounded to bf16 too in both; else they widen like the others.
 */
#ifndef RNN4J_BF16_H
#define RNN4J_BF16_H

#include <stddef.h>
#include <stdint.h>

#include "rnn4j.h"

struct rnn4j_bf16_isa {
  const char *name;
  /*
   * out[i*ldo + j] = sum_p x[i*ldx + p] * W[j][p] (+ beta*out; beta == 0: out not read), i < m, j < n.
   * amx: the whole product (of which this may be one chunk) is large enough for AMX, so the avx512
   * tier runs it on AMX where usable; decided per product, not per chunk, so that the result does
   * not depend on how threads split it.
   */
  void (*matmul)(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta, float *out,
                 ptrdiff_t ldo, int amx);
};

/*
 * AMX-bf16 (amx.c). rnn4j_amx_state probes once, on its first call (thread-safe), and says what it
 * found: 1 usable; -1 no amx_tile/amx_bf16 (or AVX-512 F/BW/VL) in CPUID; -2 tile (or AVX-512)
 * state not enabled by the OS; -3 Linux refused the permission; -4 the self-check product came out
 * wrong. The avx512 tier runs a product
 * on it when the caller's amx flag is set (NativeKernels.ROUNDING_MIN_ROWS decides) and the state is 1.
 * rnn4j_amx_matmul returns 0 when it could not run (no staging memory); the caller then widens.
 */
int rnn4j_amx_state(void);
int rnn4j_amx_matmul(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta,
    float *out, ptrdiff_t ldo);

/*
 * AVX512_BF16 (dpbf16.c), for the same flagged products where AMX is not usable: rnn4j_dp_state is
 * 1 usable; -1 no avx512_bf16 (or AVX-512 F/BW/VL) in CPUID, or not in this build (the test
 * library); -2 AVX-512 state not enabled by the OS; -4 the self-check product came out wrong.
 * rnn4j_dp_matmul returns 0 when it could not get its staging memory.
 */
int rnn4j_dp_state(void);
int rnn4j_dp_matmul(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta,
    float *out, ptrdiff_t ldo);

/*
 * One product through every edge of a rounding kernel (33 rows, a partial second panel of 40
 * outputs, 70 columns: an odd number of pairs past any 16- or 32-column step), with beta 0 over
 * garbage and beta 0.5, on values whose products and sums are exact in fp32, so the result must
 * equal the plain loop's bit for bit whatever the kernel's order. 1 when it does (bf16.c).
 */
typedef int (*rnn4j_bf16_product)(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels,
    float beta, float *out, ptrdiff_t ldo);
int rnn4j_bf16_self_check(rnn4j_bf16_product matmul);

/*
 * fp32 -> bf16, nearest even; NaN stays NaN (quiet). The same rounding as org.rnn4j.spi.Bf16, written
 * without branches so that the compiler vectorises the loops that use it (vcvtneps2bf16 is not
 * used: it flushes subnormal inputs to zero, which the Java rounding and the tests' reference do not).
 */
static inline uint16_t rnn4j_to_bf16(uint32_t u) {
  uint32_t q = u >> 16;
  uint32_t nan = (q & 0x7Fu) == 0 ? q | 0x40u : q;
  uint32_t near = (u + 0x7FFFu + (q & 1u)) >> 16;
  return (uint16_t)((u & 0x7FFFFFFFu) > 0x7F800000u ? nan : near);
}

/*
 * One staged row for the rounding kernels: k rounded values, then zeros up to width values (a
 * whole last pair or k tile). Inlined, it is vectorised for the calling kernel's target.
 */
static inline __attribute__((always_inline)) void rnn4j_round_row(uint16_t *restrict dst, const float *restrict src,
    int k, int width) {
  const uint32_t *s = (const uint32_t *)(const void *)src;
  for (int p = 0; p < k; p++) dst[p] = rnn4j_to_bf16(s[p]);
  for (int p = k; p < width; p++) dst[p] = 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>

/* XCR0, the register states the OS saves; 0 where it has not enabled XSAVE. */
static inline uint64_t rnn4j_xcr0(void) {
  unsigned a, b, c, d;
  __cpuid(1, a, b, c, d);
  if (!(c >> 27 & 1)) return 0;
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t)hi << 32 | lo;
}

/*
 * What the rounding kernels need besides their own extension (their loops are compiled for
 * AVX-512 F/BW/VL): 1 present and its state saved by the OS (XCR0 bits 1, 2, 5-7), -1 not in
 * CPUID, -2 not enabled by the OS.
 */
static inline int rnn4j_avx512_fbwvl(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b >> 16 & 1) || !(b >> 30 & 1) || !(b >> 31 & 1)) return -1;
  return (rnn4j_xcr0() & 0xE6) == 0xE6 ? 1 : -2;
}
#endif

/* The tables, indexed like rnn4j_isas; NULL where this build has no such tier. */
extern const struct rnn4j_bf16_isa *const rnn4j_bf16_isas[TIER_COUNT];

#endif
