/*
 * bf16-weight products, written once; bf16.c includes this file once per ISA tier with SUFFIX
 * and VW defined and the tier's `#pragma GCC target` active (as kernels.c does with
 * kernels_body.h). Weights: panels of NR = 2*VW output rows, k-major, uint16 bf16 values.
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
typedef unsigned short BFN(vh) __attribute__((vector_size(VW * 2)));

/* VW bf16 values at p, widened exactly to fp32: zero-extend each to 32 bits and shift it into the top half. */
static inline BFN(vf) BFN(widen)(const uint16_t *p) {
  BFN(vh) h;
  memcpy(&h, p, sizeof h);
  BFN(vu) u = __builtin_convertvector(h, BFN(vu)) << 16;
  return (BFN(vf))u;
}

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
    const uint16_t *bp, float beta, float *out, ptrdiff_t ldo, int nc) {
  BFN(vf) acc[BMR][2];
  for (int i = 0; i < BMR; i++) {
    acc[i][0] = (BFN(vf)){0};
    acc[i][1] = (BFN(vf)){0};
  }
  for (int p = 0; p < k; p++) {
    BFN(vf) w0 = BFN(widen)(bp), w1 = BFN(widen)(bp + VW);
    bp += BNR;
    for (int i = 0; i < mr; i++) {
      float xi = x[i * ldx + p];
      acc[i][0] += xi * w0;
      acc[i][1] += xi * w1;
    }
  }
  for (int i = 0; i < mr; i++) BFN(store)(out + i * ldo, nc, acc[i][0], acc[i][1], beta);
}

/* Batch 1: even and odd columns in separate chains (4 accumulators), then added. */
static inline void BFN(gemv_panel)(int k, const float *x, const uint16_t *bp, float beta, float *out, int nc) {
  BFN(vf) a0 = {0}, a1 = {0}, b0 = {0}, b1 = {0};
  int p = 0;
  for (; p + 1 < k; p += 2, bp += 2 * BNR) {
    float e = x[p], d = x[p + 1];
    a0 += e * BFN(widen)(bp);
    a1 += e * BFN(widen)(bp + VW);
    b0 += d * BFN(widen)(bp + BNR);
    b1 += d * BFN(widen)(bp + BNR + VW);
  }
  if (p < k) {
    a0 += x[p] * BFN(widen)(bp);
    a1 += x[p] * BFN(widen)(bp + VW);
  }
  BFN(store)(out, nc, a0 + b0, a1 + b1, beta);
}

static void BFN(matmul)(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta,
    float *out, ptrdiff_t ldo) {
  int np = (n + BNR - 1) / BNR;
  for (int jp = 0; jp < np; jp++) {
    const uint16_t *bp = panels + (ptrdiff_t)jp * k * BNR;
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
