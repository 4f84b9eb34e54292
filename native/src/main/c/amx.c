/*
 * AMX-bf16 products for the avx512 tier's bf16 panels (rnn4j_bf16.h), for the products Java marks.
 *
 * The avx512 tier's panel (NR = 32 output rows; per pair of input columns q one 32-bit lane per
 * row, column 2q in the low half) is already the layout of AMX's B operand: pair rows are 128
 * bytes apart, so a tile of 16 pairs x 16 output rows is 16 rows of 64 bytes at stride 128, and
 * the panel's other 16 rows start 64 bytes later. A tile that would read past a panel's last pair
 * (k not a multiple of 32) is copied into a zero-padded staging tile instead: reading on would
 * take the next panel's weights (0 * Inf = NaN) or run past the array.
 *
 * x's rows are rounded to bf16 (nearest even, as the weights are) into a zero-padded staging block
 * (rows padded to a whole A tile): AMX multiplies bf16 by bf16, so unlike the widening kernels the
 * activations are rounded too (rnn4j info says so). Products of two bf16 values are exact in fp32 and each is
 * added with one rounding; accumulation is fp32.
 *
 * -DRNN4J_AMX_EMULATE (the test library of native/pom.xml, never packaged) replaces the six tile
 * instructions with C that follows their definition in the Intel SDM, and reports AMX usable, so
 * the blocking, staging and edges below are tested on machines without AMX; only the
 * instructions themselves need the hardware.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rnn4j_bf16.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

struct tile_config {
  uint8_t palette_id;
  uint8_t start_row;
  uint8_t reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

#ifdef RNN4J_AMX_EMULATE
/* The tile registers of the calling thread, and the instructions as the SDM defines them. */
static __thread struct {
  uint8_t b[16][64];
} emu_tiles[8];
#define AMX_TARGET
#define AMX_VECTOR_TARGET
#define TILE_LOADCONFIG(cfg) ((void)(cfg))
#define TILE_RELEASE() ((void)0)
#define TILE_ZERO(t) memset(emu_tiles[t].b, 0, sizeof emu_tiles[t].b)
#define TILE_LOADD(t, base, stride)                                                    \
  do {                                                                                 \
    for (int r_ = 0; r_ < 16; r_++)                                                    \
      memcpy(emu_tiles[t].b[r_], (const uint8_t *)(base) + (ptrdiff_t)r_ * (stride), 64); \
  } while (0)
#define TILE_STORED(t, base, stride)                                                   \
  do {                                                                                 \
    for (int r_ = 0; r_ < 16; r_++)                                                    \
      memcpy((uint8_t *)(base) + (ptrdiff_t)r_ * (stride), emu_tiles[t].b[r_], 64);    \
  } while (0)
#define TILE_DPBF16PS(c, a, b) emu_dpbf16ps(c, a, b)

static float emu_bf16(const uint8_t *p) {
  uint32_t u = (uint32_t)(p[0] | p[1] << 8) << 16;
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static void emu_dpbf16ps(int c, int a, int b) {
  for (int m = 0; m < 16; m++) {
    for (int kp = 0; kp < 16; kp++) {
      for (int n = 0; n < 16; n++) {
        float acc;
        memcpy(&acc, emu_tiles[c].b[m] + 4 * n, 4);
        acc += emu_bf16(emu_tiles[a].b[m] + 4 * kp) * emu_bf16(emu_tiles[b].b[kp] + 4 * n);
        acc += emu_bf16(emu_tiles[a].b[m] + 4 * kp + 2) * emu_bf16(emu_tiles[b].b[kp] + 4 * n + 2);
        memcpy(emu_tiles[c].b[m] + 4 * n, &acc, 4);
      }
    }
  }
}
#else
#include <immintrin.h>
#define AMX_TARGET __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl")))
/* Only called once rnn4j_amx_state is 1, so only on CPUs with AMX, all of which have AVX-512 F/BW/VL. */
#define AMX_VECTOR_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))
#define TILE_LOADCONFIG(cfg) _tile_loadconfig(cfg)
#define TILE_RELEASE() _tile_release()
#define TILE_ZERO(t) _tile_zero(t)
#define TILE_LOADD(t, base, stride) _tile_loadd(t, base, stride)
#define TILE_STORED(t, base, stride) _tile_stored(t, base, stride)
#define TILE_DPBF16PS(c, a, b) _tile_dpbf16ps(c, a, b)
#endif

static int amx_state; /* 1: usable; negative: why not (rnn4j_bf16.h); written once, under amx_once */
static pthread_once_t amx_once = PTHREAD_ONCE_INIT;

/*
 * Whether this CPU and kernel let the process use AMX-bf16: CPUID, the OS enabling the tile state
 * in XCR0, Linux granting the permission (once per process; it fails, for one, when a thread has a
 * signal stack too small for the tile state), and a self-check product (rnn4j_bf16_self_check). Run once, by
 * rnn4j_amx_state.
 */
static void amx_probe(void) {
#ifdef RNN4J_AMX_EMULATE
  amx_state = 1;
#else
  unsigned a, b, c, d;
  /* The kernel's rounding and commit loops are compiled for AVX-512 F/BW/VL, so those are required too. */
  int avx512 = rnn4j_avx512_fbwvl();
  if (avx512 == -1 || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d >> 24 & 1) || !(d >> 22 & 1)) {
    amx_state = -1; /* no amx_tile / amx_bf16 (or no AVX-512 F/BW/VL) */
  } else if (avx512 == -2 || (rnn4j_xcr0() >> 17 & 3) != 3) {
    amx_state = -2; /* the OS does not enable the tile state (or the AVX-512 state) */
  } else if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
    amx_state = -3; /* permission refused */
  } else {
    amx_state = 1;
  }
#endif
  if (amx_state == 1 && !rnn4j_bf16_self_check(rnn4j_amx_matmul)) amx_state = -4;
}

/*
 * Probed on first use, not at library load: the permission is process-wide and has a cost for the
 * whole process (once granted, Linux refuses sigaltstack sizes below the larger signal frame, which
 * other native code in the JVM may still use), so only a process that asks for AMX-sized bf16
 * products, or for the state (rnn4j info), takes it.
 */
int rnn4j_amx_state(void) {
  pthread_once(&amx_once, amx_probe);
  return amx_state;
}

/* out rows (ldo apart) = tile rows (NR apart) (+ beta*out), nc columns of rows rows. */
AMX_VECTOR_TARGET static void commit_rows(float *restrict out, ptrdiff_t ldo, const float *restrict t, int rows,
    int nc, float beta) {
  enum { NR = 32 };
  for (int i = 0; i < rows; i++) {
    float *o = out + (ptrdiff_t)i * ldo;
    const float *r = t + i * NR;
    if (beta == 0.0f) {
      for (int j = 0; j < nc; j++) o[j] = r[j];
    } else {
      for (int j = 0; j < nc; j++) o[j] = r[j] + beta * o[j];
    }
  }
}

/* Bytes of rounded x staged at once: a block of rows that every panel serves before the next block. */
#define AMX_STAGE_BYTES (512 * 1024)

/*
 * out = x·Wᵀ (+ beta·out) for the avx512 tier's bf16 panels (n rows of W, k columns). x's rows are
 * rounded into a staging block of up to AMX_STAGE_BYTES (256 rows at k = 1024, at least 32); each
 * panel then serves every 32 rows of the block in turn (two A tiles times the panel's two B tiles:
 * four C tiles over k in steps of 32), so a panel is read from L2 or beyond once per block and from
 * L1 for the block's other rows, instead of once per 32 rows. Every output is the same chain of
 * tile products over k as with any other blocking, so the bits do not depend on m or on the
 * block size. Returns 0 when it could not get its staging memory (the caller then runs the
 * widening kernel).
 */
AMX_TARGET int rnn4j_amx_matmul(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels,
    float beta, float *out, ptrdiff_t ldo) {
  enum { NR = 32 };
  int pairs = (k + 1) / 2;
  int kblocks = (pairs + 15) / 16;
  ptrdiff_t arow = (ptrdiff_t)kblocks * 64; /* bytes per staged row of x: kblocks * 32 bf16 */
  int block = (int)(AMX_STAGE_BYTES / arow) / 32 * 32;
  if (block < 32) block = 32;
  int mceil = (m + 31) / 32 * 32;
  if (block > mceil) block = mceil;
  uint16_t *as = malloc((size_t)block * (size_t)arow);
  if (as == NULL) return 0;
  uint32_t btail[16 * NR];
  float cs[32 * NR];
  struct tile_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette_id = 1;
  for (int t = 0; t < 8; t++) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  TILE_LOADCONFIG(&cfg);
  int np = (n + NR - 1) / NR;
  for (int i0 = 0; i0 < m; i0 += block) {
    int mb = m - i0 < block ? m - i0 : block;
    /* Rows past mb up to the last A tile in use are zeros. */
    int tiles_rows = (mb + 15) / 16 * 16;
    for (int i = 0; i < mb; i++) {
      rnn4j_round_row((uint16_t *)(void *)((uint8_t *)as + i * arow), x + (ptrdiff_t)(i0 + i) * ldx, k, (int)(arow / 2));
    }
    memset((uint8_t *)as + mb * arow, 0, (size_t)((tiles_rows - mb) * arow));
    for (int jp = 0; jp < np; jp++) {
      const uint32_t *bp = (const uint32_t *)(const void *)panels + (ptrdiff_t)jp * pairs * NR;
      int full_kblocks = pairs / 16;
      if (full_kblocks < kblocks) {
        /* The last k tile would read past this panel's last pair: stage it, zero-padded, once per panel. */
        int have = pairs - full_kblocks * 16;
        memset(btail, 0, sizeof btail);
        memcpy(btail, bp + (ptrdiff_t)full_kblocks * 16 * NR, (size_t)have * NR * 4);
      }
      int nc = n - jp * NR < NR ? n - jp * NR : NR;
      for (int s0 = 0; s0 < mb; s0 += 32) {
        int sb = mb - s0 < 32 ? mb - s0 : 32;
        const uint8_t *a = (const uint8_t *)as + s0 * arow;
        TILE_ZERO(0);
        TILE_ZERO(1);
        TILE_ZERO(2);
        TILE_ZERO(3);
        for (int kb = 0; kb < kblocks; kb++) {
          const uint32_t *b = kb < full_kblocks ? bp + (ptrdiff_t)kb * 16 * NR : btail;
          TILE_LOADD(4, a + kb * 64, arow);
          TILE_LOADD(6, b, NR * 4);
          TILE_LOADD(7, b + 16, NR * 4);
          TILE_DPBF16PS(0, 4, 6);
          TILE_DPBF16PS(1, 4, 7);
          if (sb > 16) {
            TILE_LOADD(5, a + 16 * arow + kb * 64, arow);
            TILE_DPBF16PS(2, 5, 6);
            TILE_DPBF16PS(3, 5, 7);
          }
        }
        float *o = out + (ptrdiff_t)(i0 + s0) * ldo + jp * NR;
        if (beta == 0.0f && nc == NR && sb == 32) {
          /* A whole 32 x 32 block without beta goes straight to out. */
          TILE_STORED(0, o, ldo * 4);
          TILE_STORED(1, o + 16, ldo * 4);
          TILE_STORED(2, o + 16 * ldo, ldo * 4);
          TILE_STORED(3, o + 16 * ldo + 16, ldo * 4);
          continue;
        }
        TILE_STORED(0, cs, NR * 4);
        TILE_STORED(1, cs + 16, NR * 4);
        if (sb > 16) {
          TILE_STORED(2, cs + 16 * NR, NR * 4);
          TILE_STORED(3, cs + 16 * NR + 16, NR * 4);
        }
        commit_rows(o, ldo, cs, sb, nc, beta);
      }
    }
  }
  TILE_RELEASE();
  free(as);
  return 1;
}

#else
int rnn4j_amx_state(void) { return -1; }
int rnn4j_amx_matmul(int m, int n, int k, const float *x, ptrdiff_t ldx, const uint16_t *panels, float beta,
    float *out, ptrdiff_t ldo) {
  (void)m, (void)n, (void)k, (void)x, (void)ldx, (void)panels, (void)beta, (void)out, (void)ldo;
  return 0;
}
#endif
