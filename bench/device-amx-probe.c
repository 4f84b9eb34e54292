// Which matrix extensions this CPU and kernel let a process use, and the AMX-bf16 peak of one
// core (register-only tdpbf16ps loop, 4 independent accumulator tiles), for issue #12. Built and
// run by bench/device-bundle.sh / device-tests.sh; never part of the library.
#define _GNU_SOURCE
#include <cpuid.h>
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

struct tile_config {
  uint8_t palette_id, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

__attribute__((target("amx-tile,amx-bf16"))) static int amx_peak(void) {
  static uint16_t a[16 * 32], b[16 * 32];
  static float c[16 * 16];
  for (int i = 0; i < 16 * 32; i++) a[i] = b[i] = 0x3f80;  // bf16 1.0
  struct tile_config cfg = {0};
  cfg.palette_id = 1;
  for (int i = 0; i < 8; i++) { cfg.rows[i] = 16; cfg.colsb[i] = 64; }
  _tile_loadconfig(&cfg);
  _tile_loadd(4, a, 64); _tile_loadd(5, a, 64); _tile_loadd(6, b, 64); _tile_loadd(7, b, 64);
  for (int rep = 0; rep < 3; rep++) {
    const long n = 20000000;
    _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
    double t0 = now();
    for (long i = 0; i < n; i++) {
      _tile_dpbf16ps(0, 4, 6); _tile_dpbf16ps(1, 4, 7); _tile_dpbf16ps(2, 5, 6); _tile_dpbf16ps(3, 5, 7);
    }
    double s = now() - t0;
    _tile_stored(0, c, 64);
    printf("amx tdpbf16ps peak, 1 thread: %.0f GFLOP/s (c[0] = %.0f, every lane sums 1.0 products)\n",
        4.0 * n * 16 * 16 * 32 * 2 / s / 1e9, c[0]);
  }
  _tile_release();
  return 0;
}

int main(void) {
  unsigned a, b, c, d;
  __cpuid_count(7, 0, a, b, c, d);
  int avx512f = (b >> 16) & 1, amx_bf16 = (d >> 22) & 1, amx_tile = (d >> 24) & 1;
  __cpuid_count(7, 1, a, b, c, d);
  int avx512_bf16 = (a >> 5) & 1;
  printf("cpuid: avx512f %d, avx512_bf16 %d, amx_tile %d, amx_bf16 %d\n", avx512f, avx512_bf16, amx_tile, amx_bf16);
  if (!amx_tile || !amx_bf16) return 0;
  long r = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA);
  printf("arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) = %ld\n", r);
  return r == 0 ? amx_peak() : 0;
}
