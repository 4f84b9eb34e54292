/*
 * The kernels, written once. kernels.c includes this file once per ISA tier with SUFFIX (a name
 * suffix) and VW (floats per vector register) defined and a matching `#pragma GCC target`
 * active, so every function here is compiled for that tier. GCC vector extensions keep the code
 * ISA-neutral: the same source becomes SSE, AVX2+FMA or AVX-512 instructions.
 *
 * Not -ffast-math: NaN must propagate as in the Java reference.
 */

#define CAT3_(a, b, c) a##b##c
#define CAT3(a, b, c) CAT3_(a, b, c)
#define FN(n) CAT3(n, _, SUFFIX)

#define NR (2 * VW) /* micro-kernel columns: two vectors */
#define MR 6        /* micro-kernel rows: 12 accumulators + 2 B vectors + 1 broadcast fit 16 registers */
#define KC 256      /* k block: one B panel slice (KC*NR floats) stays in L1 */
#define MC 96       /* m block (a multiple of MR): the A rows of one k block stay in L2 */
#define CH 64       /* column chunk of the cell kernels: scratch lives on the stack */

typedef float FN(vf) __attribute__((vector_size(VW * 4)));
typedef int FN(vi) __attribute__((vector_size(VW * 4)));
#define vf FN(vf)
#define vi FN(vi)

static inline vf FN(ld)(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v); /* unaligned load */
  return v;
}

static inline void FN(st)(float *p, vf v) { memcpy(p, &v, sizeof v); }

#define LD FN(ld)
#define ST FN(st)

/* Lanes where m is set take a, others b. */
static inline vf FN(blend)(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }

/* ------------------------------------------------------------------ GEMM */

static void FN(pack_b)(int trans, int k, int n, const float *b, ptrdiff_t ldb, float *out) {
  int panels = (n + NR - 1) / NR;
  for (int jp = 0; jp < panels; jp++) {
    float *o = out + (ptrdiff_t)jp * k * NR;
    for (int jj = 0; jj < NR; jj++) {
      int j = jp * NR + jj;
      if (j >= n) {
        for (int p = 0; p < k; p++) o[(ptrdiff_t)p * NR + jj] = 0.0f;
      } else if (trans) {
        const float *row = b + (ptrdiff_t)j * ldb;
        for (int p = 0; p < k; p++) o[(ptrdiff_t)p * NR + jj] = row[p];
      } else {
        for (int p = 0; p < k; p++) o[(ptrdiff_t)p * NR + jj] = b[(ptrdiff_t)p * ldb + j];
      }
    }
  }
}

/*
 * One row of a panel's two result vectors into c (+ beta·c; c not read when beta is 0): all NR
 * columns, or the first nc of a partial last panel.
 */
static inline void FN(store_row)(vf r0, vf r1, float beta, float *cp, int nc) {
  if (nc == NR) {
    if (beta != 0.0f) {
      r0 += beta * LD(cp);
      r1 += beta * LD(cp + VW);
    }
    ST(cp, r0);
    ST(cp + VW, r1);
  } else {
    float t[NR];
    ST(t, r0);
    ST(t + VW, r1);
    for (int j = 0; j < nc; j++) cp[j] = beta != 0.0f ? t[j] + beta * cp[j] : t[j];
  }
}

/*
 * mr x NR block of C from kc steps; always inlined with a constant mr so the accumulators live
 * in registers. C ← alpha·acc + beta·C, C not read when beta is 0.
 */
static inline __attribute__((always_inline)) void FN(micro)(const int mr, int kc, const float *a, ptrdiff_t rs,
    ptrdiff_t cs, const float *bp, float *c, ptrdiff_t ldc, int nc, float alpha, float beta) {
  vf acc[MR][2];
  for (int i = 0; i < MR; i++) {
    acc[i][0] = (vf){0};
    acc[i][1] = (vf){0};
  }
  for (int p = 0; p < kc; p++) {
    vf b0 = LD(bp), b1 = LD(bp + VW);
    bp += NR;
    for (int i = 0; i < mr; i++) {
      float ai = a[i * rs + p * cs];
      acc[i][0] += ai * b0;
      acc[i][1] += ai * b1;
    }
  }
  for (int i = 0; i < mr; i++) FN(store_row)(alpha * acc[i][0], alpha * acc[i][1], beta, c + i * ldc, nc);
}

/*
 * m = 1 (a batch-1 step): B is read once with no reuse, so the limit is how fast one core pulls
 * it in. Four panels at a time keep four sequential streams in flight (one stream at a time left
 * a core at about half the bandwidth on a 16 MiB B in simd's GEMV; here LSTM 1024 B = 1 went from
 * 46.4 to 32.6 ms per pass, session 7) and give 8 independent FMA
 * chains. Each output is one chain over k in order from zero, whichever group computes it, so the
 * results do not depend on how the panels are split.
 */
static void FN(gemv_packed)(int n, int k, float alpha, const float *a, ptrdiff_t cs, const float *bp, float beta,
    float *c) {
  int panels = (n + NR - 1) / NR;
  ptrdiff_t stride = (ptrdiff_t)k * NR;
  int jp = 0;
  for (; jp + 4 <= panels; jp += 4) {
    const float *b = bp + jp * stride;
    vf s00 = {0}, s01 = {0}, s10 = {0}, s11 = {0}, s20 = {0}, s21 = {0}, s30 = {0}, s31 = {0};
    for (int p = 0; p < k; p++, b += NR) {
      float a0 = a[p * cs];
      s00 += a0 * LD(b);
      s01 += a0 * LD(b + VW);
      s10 += a0 * LD(b + stride);
      s11 += a0 * LD(b + stride + VW);
      s20 += a0 * LD(b + 2 * stride);
      s21 += a0 * LD(b + 2 * stride + VW);
      s30 += a0 * LD(b + 3 * stride);
      s31 += a0 * LD(b + 3 * stride + VW);
    }
    int last = n - (jp + 3) * NR < NR ? n - (jp + 3) * NR : NR;
    FN(store_row)(alpha * s00, alpha * s01, beta, c + jp * NR, NR);
    FN(store_row)(alpha * s10, alpha * s11, beta, c + (jp + 1) * NR, NR);
    FN(store_row)(alpha * s20, alpha * s21, beta, c + (jp + 2) * NR, NR);
    FN(store_row)(alpha * s30, alpha * s31, beta, c + (jp + 3) * NR, last);
  }
  for (; jp < panels; jp++) {
    const float *b = bp + jp * stride;
    vf s0 = {0}, s1 = {0};
    for (int p = 0; p < k; p++, b += NR) {
      float a0 = a[p * cs];
      s0 += a0 * LD(b);
      s1 += a0 * LD(b + VW);
    }
    int nc = n - jp * NR < NR ? n - jp * NR : NR;
    FN(store_row)(alpha * s0, alpha * s1, beta, c + jp * NR, nc);
  }
}

static void FN(gemm_packed)(int m, int n, int k, float alpha, const float *a, ptrdiff_t rs, ptrdiff_t cs,
    const float *bp, float beta, float *c, ptrdiff_t ldc) {
  if (k == 0) {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  if (m == 1) {
    FN(gemv_packed)(n, k, alpha, a, cs, bp, beta, c);
    return;
  }
  int panels = (n + NR - 1) / NR;
  for (int pc = 0; pc < k; pc += KC) {
    int kc = k - pc < KC ? k - pc : KC;
    /* Later k blocks add to what the first one stored. */
    float bt = pc == 0 ? beta : 1.0f;
    for (int ic = 0; ic < m; ic += MC) {
      int mc = m - ic < MC ? m - ic : MC;
      for (int jp = 0; jp < panels; jp++) {
        const float *b = bp + ((ptrdiff_t)jp * k + pc) * NR;
        int nc = n - jp * NR < NR ? n - jp * NR : NR;
        for (int ir = 0; ir < mc; ir += MR) {
          const float *ap = a + (ic + ir) * rs + pc * cs;
          float *cp = c + (ic + ir) * ldc + jp * NR;
          switch (mc - ir < MR ? mc - ir : MR) {
            case 6: FN(micro)(6, kc, ap, rs, cs, b, cp, ldc, nc, alpha, bt); break;
            case 5: FN(micro)(5, kc, ap, rs, cs, b, cp, ldc, nc, alpha, bt); break;
            case 4: FN(micro)(4, kc, ap, rs, cs, b, cp, ldc, nc, alpha, bt); break;
            case 3: FN(micro)(3, kc, ap, rs, cs, b, cp, ldc, nc, alpha, bt); break;
            case 2: FN(micro)(2, kc, ap, rs, cs, b, cp, ldc, nc, alpha, bt); break;
            default: FN(micro)(1, kc, ap, rs, cs, b, cp, ldc, nc, alpha, bt); break;
          }
        }
      }
    }
  }
}

static inline float FN(dot)(const float *a, const float *x, int n) {
  vf s0 = {0}, s1 = {0};
  int p = 0;
  for (; p + NR <= n; p += NR) {
    s0 += LD(a + p) * LD(x + p);
    s1 += LD(a + p + VW) * LD(x + p + VW);
  }
  for (; p + VW <= n; p += VW) s0 += LD(a + p) * LD(x + p);
  float t[VW], s = 0.0f;
  ST(t, s0 + s1);
  for (int l = 0; l < VW; l++) s += t[l];
  for (; p < n; p++) s += a[p] * x[p];
  return s;
}

static void FN(gemv)(int trans, int m, int n, float alpha, const float *a, ptrdiff_t lda, const float *x, float beta,
    float *y) {
  if (!trans) {
    for (int i = 0; i < m; i++) {
      float s = FN(dot)(a + i * lda, x, n);
      y[i] = beta == 0.0f ? alpha * s : alpha * s + beta * y[i];
    }
    return;
  }
  /* y = beta*y + sum_p (alpha*x[p]) * A[p,:]: contiguous rows, vectorised along y. */
  for (int j = 0; j < n; j++) y[j] = beta == 0.0f ? 0.0f : beta * y[j];
  for (int p = 0; p < m; p++) {
    float ax = alpha * x[p];
    const float *row = a + p * lda;
    for (int j = 0; j < n; j++) y[j] += ax * row[j];
  }
}

/* ------------------------------------------------------------------ activations */

/*
 * exp(x) for x in [-87.3, 88.3] (clamped; NaN stays NaN): Cody-Waite reduction and the Cephes
 * expf polynomial, relative error about 1e-7. Vector-wide so no auto-vectoriser is trusted.
 */
static inline vf FN(vexp)(vf x) {
  const vf zero = {0}, hi = zero + 88.3f, lo = zero - 87.3f;
  x = FN(blend)(x > hi, hi, x);
  x = FN(blend)(x < lo, lo, x);
  /* Round to nearest with the 1.5*2^23 trick: no SSE4.1 round instruction needed. */
  vf n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  vf r = x - n * 0.693359375f - n * -2.12194440e-4f;
  vf z = r * r;
  vf p = 1.9875691500e-4f * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  vi e = (__builtin_convertvector(n, vi) + 127) << 23;
  return p * (vf)e;
}

/* 1/(1+e^-x): absolute error about 1e-7. */
static inline vf FN(vsigmoid)(vf x) { return 1.0f / (1.0f + FN(vexp)(-x)); }

/* 2*sigmoid(2x) - 1: absolute error below 3e-7 (relative error grows only where |tanh| is tiny). */
static inline vf FN(vtanh)(vf x) { return 2.0f / (1.0f + FN(vexp)(-2.0f * x)) - 1.0f; }

/* v[0..n) = act(v[0..n)); v has room for n rounded up to VW, the tail is scratch. */
static void FN(act)(int code, float *v, int n) {
  int padded = (n + VW - 1) / VW * VW;
  for (int j = n; j < padded; j++) v[j] = 0.0f;
  for (int j = 0; j < padded; j += VW) {
    vf x = LD(v + j);
    vf zero = {0};
    switch (code) {
      case ACT_SIGMOID: x = FN(vsigmoid)(x); break;
      case ACT_TANH: x = FN(vtanh)(x); break;
      default: x = FN(blend)(x > zero, x, zero); break; /* relu; NaN -> 0 as in Java */
    }
    ST(v + j, x);
  }
}

/* Clamps to [-clip, clip] (NaN stays NaN, as Math.max/min in Java); no-op for an infinite clip. */
static inline void FN(clamp)(float *v, int n, float clip) {
  if (!(clip < __builtin_inff())) return;
  for (int j = 0; j < n; j++) v[j] = v[j] > clip ? clip : (v[j] < -clip ? -clip : v[j]);
}

/* ------------------------------------------------------------------ fused cells */

static void FN(lstm_cell)(int rows, int hid, const float *xg, const float *hg, const float *bias, const float *peep,
    int gate, int cand, int out, float clip, int input_forget, float *c, float *h) {
  float bi[CH], bf[CH], bg[CH], bo[CH], bc[CH];
  ptrdiff_t g = 4 * (ptrdiff_t)hid;
  for (int r = 0; r < rows; r++) {
    const float *x = xg + r * g, *y = hg + r * g;
    float *cr = c + (ptrdiff_t)r * hid, *hr = h + (ptrdiff_t)r * hid;
    for (int j0 = 0; j0 < hid; j0 += CH) {
      int len = hid - j0 < CH ? hid - j0 : CH;
      for (int j = 0; j < len; j++) {
        int q = j0 + j;
        bi[j] = x[q] + y[q] + bias[q];
        bf[j] = x[hid + q] + y[hid + q] + bias[hid + q];
        bg[j] = x[2 * hid + q] + y[2 * hid + q] + bias[2 * hid + q];
        bo[j] = x[3 * hid + q] + y[3 * hid + q] + bias[3 * hid + q];
      }
      if (peep) {
        for (int j = 0; j < len; j++) {
          bi[j] += peep[j0 + j] * cr[j0 + j];
          bf[j] += peep[hid + j0 + j] * cr[j0 + j];
        }
      }
      FN(clamp)(bi, len, clip);
      FN(clamp)(bg, len, clip);
      FN(act)(gate, bi, len);
      FN(act)(cand, bg, len);
      if (input_forget) {
        for (int j = 0; j < len; j++) bf[j] = 1.0f - bi[j];
      } else {
        FN(clamp)(bf, len, clip);
        FN(act)(gate, bf, len);
      }
      for (int j = 0; j < len; j++) {
        float cn = bf[j] * cr[j0 + j] + bi[j] * bg[j];
        cr[j0 + j] = cn;
        bc[j] = cn;
      }
      if (peep) {
        for (int j = 0; j < len; j++) bo[j] += peep[2 * hid + j0 + j] * bc[j];
      }
      FN(clamp)(bo, len, clip);
      FN(act)(gate, bo, len);
      FN(act)(out, bc, len);
      for (int j = 0; j < len; j++) hr[j0 + j] = bo[j] * bc[j];
    }
  }
}

static void FN(gru_cell)(int rows, int hid, int reset_after, const float *xg, const float *hg, const float *bias,
    int gate, int cand, float clip, float *h) {
  float br[CH], bz[CH], bn[CH];
  ptrdiff_t g = 3 * (ptrdiff_t)hid;
  for (int r = 0; r < rows; r++) {
    const float *x = xg + r * g, *y = hg + r * g;
    float *hr = h + (ptrdiff_t)r * hid;
    for (int j0 = 0; j0 < hid; j0 += CH) {
      int len = hid - j0 < CH ? hid - j0 : CH;
      for (int j = 0; j < len; j++) {
        int q = j0 + j;
        bz[j] = x[hid + q] + y[hid + q] + bias[hid + q];
      }
      FN(clamp)(bz, len, clip);
      FN(act)(gate, bz, len);
      if (reset_after) {
        for (int j = 0; j < len; j++) br[j] = x[j0 + j] + y[j0 + j] + bias[j0 + j];
        FN(clamp)(br, len, clip);
        FN(act)(gate, br, len);
        for (int j = 0; j < len; j++) {
          int q = 2 * hid + j0 + j;
          bn[j] = x[q] + bias[q] + br[j] * (y[q] + bias[hid + q]);
        }
      } else {
        for (int j = 0; j < len; j++) {
          int q = 2 * hid + j0 + j;
          bn[j] = x[q] + bias[q] + (y[q] + bias[hid + q]);
        }
      }
      FN(clamp)(bn, len, clip);
      FN(act)(cand, bn, len);
      for (int j = 0; j < len; j++) hr[j0 + j] = (1.0f - bz[j]) * bn[j] + bz[j] * hr[j0 + j];
    }
  }
}

static void FN(gru_reset_state)(int rows, int hid, const float *xg, const float *hg, const float *bias, int gate,
    float clip, const float *h, float *rh) {
  float br[CH];
  ptrdiff_t g = 3 * (ptrdiff_t)hid;
  for (int r = 0; r < rows; r++) {
    const float *x = xg + r * g, *y = hg + r * g;
    for (int j0 = 0; j0 < hid; j0 += CH) {
      int len = hid - j0 < CH ? hid - j0 : CH;
      for (int j = 0; j < len; j++) br[j] = x[j0 + j] + y[j0 + j] + bias[j0 + j];
      FN(clamp)(br, len, clip);
      FN(act)(gate, br, len);
      for (int j = 0; j < len; j++) rh[(ptrdiff_t)r * hid + j0 + j] = br[j] * h[(ptrdiff_t)r * hid + j0 + j];
    }
  }
}

static void FN(rnn_cell)(int rows, int hid, const float *xg, const float *hg, const float *bias, int act, float clip,
    float *h) {
  float b[CH];
  for (int r = 0; r < rows; r++) {
    ptrdiff_t base = (ptrdiff_t)r * hid;
    for (int j0 = 0; j0 < hid; j0 += CH) {
      int len = hid - j0 < CH ? hid - j0 : CH;
      for (int j = 0; j < len; j++) b[j] = xg[base + j0 + j] + hg[base + j0 + j] + bias[j0 + j];
      FN(clamp)(b, len, clip);
      FN(act)(act, b, len);
      memcpy(h + base + j0, b, len * sizeof(float));
    }
  }
}

static void FN(bias_activation)(int rows, int n, float *x, const float *bias, int act) {
  float b[CH];
  for (int r = 0; r < rows; r++) {
    float *xr = x + (ptrdiff_t)r * n;
    for (int j0 = 0; j0 < n; j0 += CH) {
      int len = n - j0 < CH ? n - j0 : CH;
      for (int j = 0; j < len; j++) b[j] = xr[j0 + j] + bias[j0 + j];
      FN(act)(act, b, len);
      memcpy(xr + j0, b, len * sizeof(float));
    }
  }
}

static void FN(axpy)(int n, float alpha, const float *x, float *y) {
  for (int i = 0; i < n; i++) y[i] += alpha * x[i];
}

#define RNN4J_ENTRY(name, params) .name = FN(name),

static const struct rnn4j_isa FN(table) = {
    .name = ISA_NAME,
    .nr = NR,
    RNN4J_KERNELS(RNN4J_ENTRY)};

#undef RNN4J_ENTRY
#undef LD
#undef ST
#undef vf
#undef vi
#undef NR
#undef MR
#undef KC
#undef MC
#undef CH
