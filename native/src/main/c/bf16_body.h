/*
 * bf16-weight products, written once; bf16.c includes this file once per ISA tier with SUFFIX
 * and VW defined and the tier's `#pragma GCC target` active (as kernels.c does with
 * kernels_body.h). Weights: panels of NR = 2*VW output rows, column pairs per 32-bit lane (below).
 *
 * Not -ffast-math: NaN propagates as in the Java reference.
 */

#define BCAT3_(a, b, c) a##b##c
#define BCAT3(a, b, c) BCAT3_(a, b, c)
#define BFN(n) BCAT3(n, _bf16_, SUFFIX)

#define BNR (2 * VW) /* panel width: two vectors of output rows */
#define BMR 6        /* rows per register tile: 12 accumulators + 2 weight vectors + 1 broadcast fit 16 registers */

typedef float BFN(vf) __attribute__((vector_size(VW * 4)));
typedef unsigned int BFN(vu) __attribute__((vector_size(VW * 4)));

/*
 * Layout: per panel, per pair of input columns (2q, 2q+1), NR 32-bit lanes, one per output row,
 * holding the bf16 weight of column 2q in the low half and of column 2q+1 in the high half (zero
 * past an odd k). So one 32-bit load gives both columns' fp32 values with one lane-wise op each,
 * `lane << 16` and `lane & 0xFFFF0000`: no cross-lane widening.
 */
static inline BFN(vu) BFN(ldu)(const uint32_t *p) {
  BFN(vu) u;
  memcpy(&u, p, sizeof u);
  return u;
}

#define BEVEN(u) ((BFN(vf))((u) << 16))
#define BODD(u) ((BFN(vf))((u) & 0xFFFF0000u))

static inline void BFN(store)(float *out, int nc, BFN(vf) a0, BFN(vf) a1, float beta) {
  float t[BNR];
  memcpy(t, &a0, sizeof a0);
  memcpy(t + VW, &a1, sizeof a1);
  if (beta == 0.0f) {
    for (int j = 0; j < nc; j++) out[j] = t[j];
  } else {
    for (int j = 0; j < nc; j++) out[j] = t[j] + beta * out[j];
  }
}

/* mr rows (constant after inlining) x one panel, every column of x in order: one accumulator per output. */
static inline __attribute__((always_inline)) void BFN(tile)(const int mr, int k, const float *x, ptrdiff_t ldx,
    const uint32_t *bp, float beta, float *out, ptrdiff_t ldo, int nc) {
  BFN(vf) acc[BMR][2];
  for (int i = 0; i < BMR; i++) {
    acc[i][0] = (BFN(vf)){0};
    acc[i][1] = (BFN(vf)){0};
  }
  int p = 0;
  for (; p + 1 < k; p += 2, bp += BNR) {
    BFN(vu) u0 = BFN(ldu)(bp), u1 = BFN(ldu)(bp + VW);
    BFN(vf) w0 = BEVEN(u0), w1 = BEVEN(u1);
    for (int i = 0; i < mr; i++) {
      float xi = x[i * ldx + p];
      acc[i][0] += xi * w0;
      acc[i][1] += xi * w1;
    }
    w0 = BODD(u0);
    w1 = BODD(u1);
    for (int i = 0; i < mr; i++) {
      float xi = x[i * ldx + p + 1];
      acc[i][0] += xi * w0;
      acc[i][1] += xi * w1;
    }
  }
  if (p < k) {
    BFN(vf) w0 = BEVEN(BFN(ldu)(bp)), w1 = BEVEN(BFN(ldu)(bp + VW));
    for (int i = 0; i < mr; i++) {
      float xi = x[i * ldx + p];
      acc[i][0] += xi * w0;
      acc[i][1] += xi * w1;
    }
  }
  for (int i = 0; i < mr; i++) BFN(store)(out + i * ldo, nc, acc[i][0], acc[i][1], beta);
}

/* Batch 1: even and odd columns in separate chains (4 accumulators), then added. */
static inline void BFN(gemv_panel)(int k, const float *x, const uint32_t *bp, float beta, float *out, int nc) {
  BFN(vf) a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};
  int p = 0;
  for (; p + 1 < k; p += 2, bp += BNR) {
    BFN(vu) u0 = BFN(ldu)(bp), u1 = BFN(ldu)(bp + VW);
    float e = x[p], d = x[p + 1];
    a0 += e * BEVEN(u0);
    a1 += e * BEVEN(u1);
    b0 += d * BODD(u0);
    b1 += d * BODD(u1);
  }
  if (p < k) {
    a0 += x[p] * BEVEN(BFN(ldu)(bp));
    a1 += x[p] * BEVEN(BFN(ldu)(bp + VW));
  }
  BFN(store)(out, nc, a0 + b0, a1 + b1, beta);
}

static void BFN(matmul)(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta,
    float *out, ptrdiff_t ldo, int amx) {
#ifdef BF16_AMX
  if (amx) {
    if (rnn4j_amx_state() == 1 && rnn4j_amx_matmul(m, n, k, x, ldx, panels, beta, out, ldo)) return;
    if (rnn4j_dp_state() == 1 && rnn4j_dp_matmul(m, n, k, x, ldx, panels, beta, out, ldo)) return;
  }
#else
  (void)amx;
#endif
  int np = (n + BNR - 1) / BNR;
  int pairs = (k + 1) / 2;
  for (int jp = 0; jp < np; jp++) {
    const uint32_t *bp = (const uint32_t *)(const void *)panels + (ptrdiff_t)jp * pairs * BNR;
    int nc = n - jp * BNR < BNR ? n - jp * BNR : BNR;
    float *o = out + jp * BNR;
    if (m == 1) {
      BFN(gemv_panel)(k, x, bp, beta, o, nc);
      continue;
    }
    int i = 0;
    for (; i + BMR <= m; i += BMR) BFN(tile)(BMR, k, x + i * ldx, ldx, bp, beta, o + i * ldo, ldo, nc);
    switch (m - i) {
      case 5: BFN(tile)(5, k, x + i * ldx, ldx, bp, beta, o + i * ldo, ldo, nc); break;
      case 4: BFN(tile)(4, k, x + i * ldx, ldx, bp, beta, o + i * ldo, ldo, nc); break;
      case 3: BFN(tile)(3, k, x + i * ldx, ldx, bp, beta, o + i * ldo, ldo, nc); break;
      case 2: BFN(tile)(2, k, x + i * ldx, ldx, bp, beta, o + i * ldo, ldo, nc); break;
      case 1: BFN(tile)(1, k, x + i * ldx, ldx, bp, beta, o + i * ldo, ldo, nc); break;
      default: break;
    }
  }
}

static const struct rnn4j_bf16_isa BFN(table) = {.name = ISA_NAME, .matmul = BFN(matmul)};

#undef BNR
#undef BMR
#undef BEVEN
#undef BODD
