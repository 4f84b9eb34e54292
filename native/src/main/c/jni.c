/*
 * JNI entry points of org.rnn4j.jni.Jni, bound with RegisterNatives so a signature mismatch fails
 * at load (and the backend reports unavailable) instead of at the first call.
 *
 * Arrays are pinned with GetPrimitiveArrayCritical: no copies on HotSpot, and the kernels call
 * back into nothing. Every index was validated by org.rnn4j.spi.Kernels before the call.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>

#include "rnn4j.h"

int rnn4j_register_bf16(JNIEnv *env);

#define MAX_PINS 8

/* The critical arrays of one call; released in reverse order, inputs without copy-back. */
typedef struct {
  JNIEnv *env;
  int n;
  int failed;
  jarray arr[MAX_PINS];
  void *ptr[MAX_PINS];
  jint mode[MAX_PINS];
} pins;

static float *pin(pins *p, jfloatArray a, int writes) {
  if (a == NULL || p->failed) return NULL;
  void *q = (*p->env)->GetPrimitiveArrayCritical(p->env, a, NULL);
  if (q == NULL) {
    p->failed = 1;
    return NULL;
  }
  p->arr[p->n] = a;
  p->ptr[p->n] = q;
  p->mode[p->n++] = writes ? 0 : JNI_ABORT;
  return q;
}

static void throw_oom(JNIEnv *env, const char *what) {
  jclass c = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
  if (c != NULL) (*env)->ThrowNew(env, c, what);
}

/* Releases every pin; returns nonzero (with an OutOfMemoryError pending) if pinning failed. */
static int unpin(pins *p) {
  while (p->n > 0) {
    p->n--;
    (*p->env)->ReleasePrimitiveArrayCritical(p->env, p->arr[p->n], p->ptr[p->n], p->mode[p->n]);
  }
  if (p->failed) throw_oom(p->env, "rnn4j native: could not pin a Java array");
  return p->failed;
}

static const struct rnn4j_isa *isa(jint tier) { return rnn4j_isas[tier]; }

static jint JNICALL abi_version(JNIEnv *env, jclass cls) {
  (void)env, (void)cls;
  return RNN4J_ABI;
}

static jint JNICALL cpu_tier(JNIEnv *env, jclass cls) {
  (void)env, (void)cls;
  return rnn4j_cpu_tier();
}

static jint JNICALL panel_width(JNIEnv *env, jclass cls, jint tier) {
  (void)env, (void)cls;
  return isa(tier)->nr;
}

static void JNICALL pack(JNIEnv *env, jclass cls, jint tier, jfloatArray w, jint off, jint rows, jint cols,
    jfloatArray out) {
  (void)cls;
  pins p = {.env = env};
  float *pw = pin(&p, w, 0), *po = pin(&p, out, 1);
  if (!p.failed) isa(tier)->pack_b(1, cols, rows, pw + off, cols, po);
  unpin(&p);
}

/* One chunk of a packed product: the panels from panelsOff (a multiple of nr*cols) on, for rows outputs. */
static void JNICALL matmul_packed(JNIEnv *env, jclass cls, jint tier, jint m, jfloatArray x, jint xOff, jint ldx,
    jfloatArray panels, jint panelsOff, jint rows, jint cols, jfloat beta, jfloatArray out, jint outOff, jint ldo) {
  (void)cls;
  pins p = {.env = env};
  float *px = pin(&p, x, 0), *pp = pin(&p, panels, 0), *po = pin(&p, out, 1);
  if (!p.failed) isa(tier)->gemm_packed(m, rows, cols, 1.0f, px + xOff, ldx, 1, pp + panelsOff, beta, po + outOff, ldo);
  unpin(&p);
}

static void JNICALL gemm(JNIEnv *env, jclass cls, jint tier, jboolean ta, jboolean tb, jint m, jint n, jint k,
    jfloat alpha, jfloatArray a, jint aOff, jint lda, jfloatArray b, jint bOff, jint ldb, jfloat beta, jfloatArray c,
    jint cOff, jint ldc) {
  (void)cls;
  const struct rnn4j_isa *s = isa(tier);
  /* op(B) is packed per call; the product costs m times more than the packing. */
  size_t panels = ((size_t)n + s->nr - 1) / s->nr;
  float *packed = malloc(panels * s->nr * ((size_t)k > 0 ? (size_t)k : 1) * sizeof(float));
  if (packed == NULL) {
    throw_oom(env, "rnn4j native: no memory to pack a GEMM operand");
    return;
  }
  pins p = {.env = env};
  float *pa = pin(&p, a, 0), *pb = pin(&p, b, 0), *pc = pin(&p, c, 1);
  if (!p.failed) {
    s->pack_b(tb, k, n, pb + bOff, ldb, packed);
    s->gemm_packed(m, n, k, alpha, pa + aOff, ta ? 1 : lda, ta ? lda : 1, packed, beta, pc + cOff, ldc);
  }
  unpin(&p);
  free(packed);
}

static void JNICALL gemv(JNIEnv *env, jclass cls, jint tier, jboolean ta, jint m, jint n, jfloat alpha, jfloatArray a,
    jint aOff, jint lda, jfloatArray x, jint xOff, jfloat beta, jfloatArray y, jint yOff) {
  (void)cls;
  pins p = {.env = env};
  float *pa = pin(&p, a, 0), *px = pin(&p, x, 0), *py = pin(&p, y, 1);
  if (!p.failed) isa(tier)->gemv(ta, m, n, alpha, pa + aOff, lda, px + xOff, beta, py + yOff);
  unpin(&p);
}

static void JNICALL lstm_cell(JNIEnv *env, jclass cls, jint tier, jint rows, jint hid, jfloatArray xg, jint xgOff,
    jfloatArray hg, jint hgOff, jfloatArray bias, jfloatArray peep, jint gate, jint cand, jint out, jfloat clip,
    jboolean inputForget, jfloatArray c, jint cOff, jfloatArray h, jint hOff) {
  (void)cls;
  pins p = {.env = env};
  float *px = pin(&p, xg, 0), *ph = pin(&p, hg, 0), *pb = pin(&p, bias, 0), *pp = pin(&p, peep, 0);
  float *pc = pin(&p, c, 1), *pout = pin(&p, h, 1);
  if (!p.failed) {
    isa(tier)->lstm_cell(rows, hid, px + xgOff, ph + hgOff, pb, pp, gate, cand, out, clip, inputForget,
        pc + cOff, pout + hOff);
  }
  unpin(&p);
}

static void JNICALL gru_cell(JNIEnv *env, jclass cls, jint tier, jint rows, jint hid, jboolean resetAfter,
    jfloatArray xg, jint xgOff, jfloatArray hg, jint hgOff, jfloatArray bias, jint gate, jint cand, jfloat clip,
    jfloatArray h, jint hOff) {
  (void)cls;
  pins p = {.env = env};
  float *px = pin(&p, xg, 0), *ph = pin(&p, hg, 0), *pb = pin(&p, bias, 0), *pout = pin(&p, h, 1);
  if (!p.failed) isa(tier)->gru_cell(rows, hid, resetAfter, px + xgOff, ph + hgOff, pb, gate, cand, clip, pout + hOff);
  unpin(&p);
}

static void JNICALL gru_reset_state(JNIEnv *env, jclass cls, jint tier, jint rows, jint hid, jfloatArray xg,
    jint xgOff, jfloatArray hg, jint hgOff, jfloatArray bias, jint gate, jfloat clip, jfloatArray h, jint hOff,
    jfloatArray rh, jint rhOff) {
  (void)cls;
  pins p = {.env = env};
  float *px = pin(&p, xg, 0), *ph = pin(&p, hg, 0), *pb = pin(&p, bias, 0), *pst = pin(&p, h, 0);
  float *pr = pin(&p, rh, 1);
  if (!p.failed) isa(tier)->gru_reset_state(rows, hid, px + xgOff, ph + hgOff, pb, gate, clip, pst + hOff, pr + rhOff);
  unpin(&p);
}

static void JNICALL rnn_cell(JNIEnv *env, jclass cls, jint tier, jint rows, jint hid, jfloatArray xg, jint xgOff,
    jfloatArray hg, jint hgOff, jfloatArray bias, jint act, jfloat clip, jfloatArray h, jint hOff) {
  (void)cls;
  pins p = {.env = env};
  float *px = pin(&p, xg, 0), *ph = pin(&p, hg, 0), *pb = pin(&p, bias, 0), *pout = pin(&p, h, 1);
  if (!p.failed) isa(tier)->rnn_cell(rows, hid, px + xgOff, ph + hgOff, pb, act, clip, pout + hOff);
  unpin(&p);
}

static void JNICALL bias_activation(JNIEnv *env, jclass cls, jint tier, jint rows, jint n, jfloatArray x, jint xOff,
    jfloatArray bias, jint act) {
  (void)cls;
  pins p = {.env = env};
  float *pb = pin(&p, bias, 0), *px = pin(&p, x, 1);
  if (!p.failed) isa(tier)->bias_activation(rows, n, px + xOff, pb, act);
  unpin(&p);
}

static void JNICALL axpy(JNIEnv *env, jclass cls, jint tier, jint n, jfloat alpha, jfloatArray x, jint xOff,
    jfloatArray y, jint yOff) {
  (void)cls;
  pins p = {.env = env};
  float *px = pin(&p, x, 0), *py = pin(&p, y, 1);
  if (!p.failed) isa(tier)->axpy(n, alpha, px + xOff, py + yOff);
  unpin(&p);
}

#define F "[F"
static const JNINativeMethod METHODS[] = {
    {"abiVersion", "()I", (void *)abi_version},
    {"cpuTier", "()I", (void *)cpu_tier},
    {"panelWidth", "(I)I", (void *)panel_width},
    {"pack", "(I" F "III" F ")V", (void *)pack},
    {"matmulPacked", "(II" F "II" F "IIIF" F "II)V", (void *)matmul_packed},
    {"gemm", "(IZZIIIF" F "II" F "IIF" F "II)V", (void *)gemm},
    {"gemv", "(IZIIF" F "II" F "IF" F "I)V", (void *)gemv},
    {"lstmCell", "(III" F "I" F "I" F F "IIIFZ" F "I" F "I)V", (void *)lstm_cell},
    {"gruCell", "(IIIZ" F "I" F "I" F "IIF" F "I)V", (void *)gru_cell},
    {"gruResetState", "(III" F "I" F "I" F "IF" F "I" F "I)V", (void *)gru_reset_state},
    {"rnnCell", "(III" F "I" F "I" F "IF" F "I)V", (void *)rnn_cell},
    {"biasActivation", "(III" F "I" F "I)V", (void *)bias_activation},
    {"axpy", "(IIF" F "I" F "I)V", (void *)axpy},
};

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
  (void)reserved;
  JNIEnv *env;
  if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK) return JNI_ERR;
  jclass cls = (*env)->FindClass(env, "org/rnn4j/jni/Jni");
  if (cls == NULL) return JNI_ERR;
  if ((*env)->RegisterNatives(env, cls, METHODS, sizeof METHODS / sizeof METHODS[0]) != 0) return JNI_ERR;
  if (rnn4j_register_bf16(env) != 0) return JNI_ERR; /* jni_bf16.c */
  return JNI_VERSION_1_8;
}
