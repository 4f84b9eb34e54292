/*
 * Instantiates bf16_body.h once per ISA tier, under the same target pragmas as kernels.c, so the
 * bf16 kernels of a tier run wherever its fp32 kernels do. Only widening kernels: see rnn4j_bf16.h.
 */
#include <string.h>

#include "rnn4j_bf16.h"

#define SUFFIX portable
#define ISA_NAME "portable"
#define VW 4
#include "bf16_body.h"
#undef SUFFIX
#undef ISA_NAME
#undef VW

#if defined(__x86_64__) && defined(__GNUC__)
#define RNN4J_BF16_X86 1

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SUFFIX avx2
#define ISA_NAME "avx2"
#define VW 8
#include "bf16_body.h"
#undef SUFFIX
#undef ISA_NAME
#undef VW
#pragma GCC pop_options

#pragma GCC push_options
RNN4J_AVX512_TARGET
#define SUFFIX avx512
#define ISA_NAME "avx512"
#define VW 16
#define BF16_AMX 1 /* NR = 32: the panels amx.c reads */
#include "bf16_body.h"
#undef BF16_AMX
#undef SUFFIX
#undef ISA_NAME
#undef VW
#pragma GCC pop_options
#endif

const struct rnn4j_bf16_isa *const rnn4j_bf16_isas[TIER_COUNT] = {
    &table_bf16_portable,
#ifdef RNN4J_BF16_X86
    &table_bf16_avx2,
    &table_bf16_avx512,
#else
    NULL,
    NULL,
#endif
};

/*
 * Run once by the probes of amx.c and dpbf16.c: a kernel is used only if this passes, so a kernel
 * or CPU that computes something else is refused (rnn4j info says so) instead of giving wrong
 * numbers. Values are small multiples of 1/32, so every product and partial sum is exact in fp32.
 */
int rnn4j_bf16_self_check(rnn4j_bf16_product matmul) {
  enum { M = 33, N = 40, K = 70, NR = 32, PAIRS = (K + 1) / 2, PANELS = (N + NR - 1) / NR };
  /* On the stack (29 KB), not static: the AMX and vdpbf16ps probes may run at once in two threads. */
  uint32_t panels[PANELS * PAIRS * NR];
  float x[M * K], out[M * N], want[M * N];
  memset(panels, 0, sizeof panels);
  for (int j = 0; j < N; j++) {
    for (int p = 0; p < K; p++) {
      float w = (float)((j * 7 + p * 3) % 17 - 8) / 8.0f;
      uint32_t u;
      memcpy(&u, &w, 4);
      panels[((j / NR) * PAIRS + p / 2) * NR + j % NR] |= (u >> 16) << (p % 2 ? 16 : 0);
    }
  }
  for (int i = 0; i < M * K; i++) x[i] = (float)((i * 5) % 13 - 6) / 4.0f;
  for (int round = 0; round < 2; round++) {
    float beta = round == 0 ? 0.0f : 0.5f;
    for (int i = 0; i < M * N; i++) {
      out[i] = round == 0 ? 1e30f : (float)(i % 9) - 4.0f;
      want[i] = out[i];
    }
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < N; j++) {
        float sum = 0.0f;
        for (int p = 0; p < K; p++) sum += x[i * K + p] * ((float)((j * 7 + p * 3) % 17 - 8) / 8.0f);
        want[i * N + j] = beta == 0.0f ? sum : sum + beta * want[i * N + j];
      }
    }
    if (!matmul(M, N, K, x, K, (const uint16_t *)(const void *)panels, beta, out, N)) return 0;
    if (memcmp(out, want, sizeof out) != 0) return 0;
  }
  return 1;
}
