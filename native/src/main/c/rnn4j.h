/*
 * The native kernel set of rnn4j: one table of function pointers per ISA tier, all built from
 * the same source (kernels_body.h). The JNI layer (jni.c) only ever passes arguments that
 * org.rnn4j.spi.Kernels has validated in Java; pointers are already offset.
 */
#ifndef RNN4J_H
#define RNN4J_H

#include <stddef.h>

/* Bumped whenever a JNI signature changes, so a stale library on java.library.path is refused. */
#define RNN4J_ABI 4 /* 2: panel offset in matmulPacked (threads); 3: bf16 products (JniBf16); 4: JniBf16.amxState, bf16 chunks (panel offset, AMX flag) */

/* Activation codes shared with NativeKernels.java. */
enum { ACT_SIGMOID = 0, ACT_TANH = 1, ACT_RELU = 2 };

/*
 * Tiers, indices shared with Isa.java.
 *
 * -DRNN4J_AVX512_TIER_ON_AVX2 builds a test library (native/pom.xml, process-test-classes; never
 * packaged): the avx512 tier's source (16-float vectors, 32-column panels, their tails) compiled
 * for AVX2, where GCC splits each 512-bit vector operation into two 256-bit ones, and reported
 * runnable on any AVX2 CPU. The parity suites run on it, so that tier's code is checked on
 * machines without AVX-512; only its instruction selection needs AVX-512 hardware.
 */
enum { TIER_PORTABLE = 0, TIER_AVX2 = 1, TIER_AVX512 = 2, TIER_COUNT = 3 };

/* The avx512 tier's target pragma, one place for kernels.c and bf16.c. */
#ifdef RNN4J_AVX512_TIER_ON_AVX2
#define RNN4J_AVX512_TARGET _Pragma("GCC target(\"avx2,fma\")")
#else
#define RNN4J_AVX512_TARGET _Pragma("GCC target(\"avx512f,avx512dq,avx512vl,avx512bw,avx2,fma\")")
#endif

/* Every kernel once: X(name, parameter list). All return void. */
#define RNN4J_KERNELS(X)                                                                             \
  /* Packs op(B) (k x n; B[j*ldb+p] when trans) into panels of nr columns, zero-padded. */          \
  X(pack_b, (int trans, int k, int n, const float *b, ptrdiff_t ldb, float *out))                    \
  /* C = alpha*A*Bpacked + beta*C (beta == 0: C not read); A(i,p) = a[i*rs + p*cs]. */              \
  X(gemm_packed, (int m, int n, int k, float alpha, const float *a, ptrdiff_t rs, ptrdiff_t cs,      \
                  const float *bp, float beta, float *c, ptrdiff_t ldc))                             \
  X(gemv, (int trans, int m, int n, float alpha, const float *a, ptrdiff_t lda, const float *x,      \
           float beta, float *y))                                                                    \
  X(lstm_cell, (int rows, int hid, const float *xg, const float *hg, const float *bias,              \
                const float *peep, int gate, int cand, int out, float clip, int input_forget,        \
                float *c, float *h))                                                                 \
  X(gru_cell, (int rows, int hid, int reset_after, const float *xg, const float *hg,                 \
               const float *bias, int gate, int cand, float clip, float *h))                         \
  X(gru_reset_state, (int rows, int hid, const float *xg, const float *hg, const float *bias,        \
                      int gate, float clip, const float *h, float *rh))                              \
  X(rnn_cell, (int rows, int hid, const float *xg, const float *hg, const float *bias, int act,      \
               float clip, float *h))                                                                \
  X(bias_activation, (int rows, int n, float *x, const float *bias, int act))                        \
  X(axpy, (int n, float alpha, const float *x, float *y))

#define RNN4J_FIELD(name, params) void(*name) params;

struct rnn4j_isa {
  const char *name;
  int nr; /* panel width of pack_b / gemm_packed */
  RNN4J_KERNELS(RNN4J_FIELD)
};

/* The tables; entries for tiers this build or CPU cannot run are NULL. */
extern const struct rnn4j_isa *const rnn4j_isas[TIER_COUNT];

/* The best tier this CPU (and OS) supports, decided once. */
int rnn4j_cpu_tier(void);

#endif
