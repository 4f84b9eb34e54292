/*
 * Instantiates kernels_body.h once per ISA tier and picks the best tier the CPU supports.
 * Each instance is compiled under its own target pragma (the same mechanism as
 * __attribute__((target(...)))), so one translation unit and one gcc call build every tier and
 * the library still loads on CPUs without AVX: only the chosen tier's code ever runs.
 */
#include <string.h>

#include "rnn4j.h"

/* Baseline: SSE2 on x86-64, NEON on aarch64; 4-wide vectors are native on both. */
#define SUFFIX portable
#define ISA_NAME "portable"
#define VW 4
#include "kernels_body.h"
#undef SUFFIX
#undef ISA_NAME
#undef VW

#if defined(__x86_64__) && defined(__GNUC__)
#define RNN4J_X86 1

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define SUFFIX avx2
#define ISA_NAME "avx2"
#define VW 8
#include "kernels_body.h"
#undef SUFFIX
#undef ISA_NAME
#undef VW
#pragma GCC pop_options

#pragma GCC push_options
RNN4J_AVX512_TARGET
#define SUFFIX avx512
#define ISA_NAME "avx512"
#define VW 16
#include "kernels_body.h"
#undef SUFFIX
#undef ISA_NAME
#undef VW
#pragma GCC pop_options
#endif

const struct rnn4j_isa *const rnn4j_isas[TIER_COUNT] = {
    &table_portable,
#ifdef RNN4J_X86
    &table_avx2,
    &table_avx512,
#else
    NULL,
    NULL,
#endif
};

int rnn4j_cpu_tier(void) {
#ifdef RNN4J_X86
  /* libgcc's checks include the OS saving the wider registers (XGETBV), not only CPUID bits. */
  __builtin_cpu_init();
#ifdef RNN4J_AVX512_TIER_ON_AVX2
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return TIER_AVX512;
  }
#endif
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")) {
    return TIER_AVX512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return TIER_AVX2;
  }
#endif
  return TIER_PORTABLE;
}
