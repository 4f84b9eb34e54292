/*
 * bf16-weight kernels (precision bf16): one table per ISA tier, built from bf16_body.h like the
 * fp32 kernels. Weights arrive as panels of nr output rows (nr = the tier's fp32 panel width); per
 * panel and pair of input columns, nr 32-bit lanes (column 2q in the low 16 bits, 2q+1 in the high;
 * zero past the last row and past an odd k), each a bfloat16 rounded to nearest even in Java at
 * model load (a Java short[], little-endian). The kernels turn a lane into fp32 values with
 * `lane << 16` and `lane & 0xFFFF0000` in registers and multiply-add in fp32; activations stay fp32
 * (not rounded to bf16).
 *
 * AMX-bf16 tiles and AVX512_BF16 (vdpbf16ps) are not implemented: no machine that has them was
 * available to test them on, and untested kernels are not shipped.
 */
#ifndef RNN4J_BF16_H
#define RNN4J_BF16_H

#include <stddef.h>
#include <stdint.h>

#include "rnn4j.h"

struct rnn4j_bf16_isa {
  const char *name;
  /* out[i*ldo + j] = sum_p x[i*ldx + p] * W[j][p] (+ beta*out; beta == 0: out not read), i < m, j < n. */
  void (*matmul)(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta, float *out,
                 ptrdiff_t ldo);
};

/* The tables, indexed like rnn4j_isas; NULL where this build has no such tier. */
extern const struct rnn4j_bf16_isa *const rnn4j_bf16_isas[TIER_COUNT];

#endif
