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
