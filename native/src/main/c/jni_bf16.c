/*
 * JNI entry points of org.rnn4j.jni.JniBf16 (bf16-weight products), registered from JNI_OnLoad.
 * Every index was validated by org.rnn4j.spi.Kernels before the call.
 */
#include <jni.h>

#include "rnn4j_bf16.h"

/* One chunk of a bf16 product: the panels from panelsOff (shorts; a whole panel's start) on, for rows outputs. */
static void JNICALL matmul_packed_bf16(JNIEnv *env, jclass cls, jint tier, jint m, jfloatArray x, jint xOff,
    jint ldx, jshortArray panels, jint panelsOff, jint rows, jint cols, jfloat beta, jfloatArray out, jint outOff,
    jint ldo, jboolean amx) {
  (void)cls;
  float *px = (*env)->GetPrimitiveArrayCritical(env, x, NULL);
  uint16_t *pp = px == NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, panels, NULL);
  float *po = pp == NULL ? NULL : (*env)->GetPrimitiveArrayCritical(env, out, NULL);
  if (po != NULL) {
    rnn4j_bf16_isas[tier]->matmul(m, rows, cols, px + xOff, ldx, pp + panelsOff, beta, po + outOff, ldo, amx);
    (*env)->ReleasePrimitiveArrayCritical(env, out, po, 0);
  }
  if (pp != NULL) (*env)->ReleasePrimitiveArrayCritical(env, panels, pp, JNI_ABORT);
  if (px != NULL) (*env)->ReleasePrimitiveArrayCritical(env, x, px, JNI_ABORT);
  if (po == NULL) {
    jclass c = (*env)->FindClass(env, "java/lang/OutOfMemoryError");
    if (c != NULL) (*env)->ThrowNew(env, c, "rnn4j native: could not pin a Java array");
  }
}

static jint JNICALL amx_state(JNIEnv *env, jclass cls) {
  (void)env, (void)cls;
  return rnn4j_amx_state();
}

static jint JNICALL dp_state(JNIEnv *env, jclass cls) {
  (void)env, (void)cls;
  return rnn4j_dp_state();
}

static const JNINativeMethod BF16_METHODS[] = {
    {"matmulPacked", "(II[FII[SIIIF[FIIZ)V", (void *)matmul_packed_bf16},
    {"amxState", "()I", (void *)amx_state},
    {"dpState", "()I", (void *)dp_state},
};

int rnn4j_register_bf16(JNIEnv *env) {
  jclass cls = (*env)->FindClass(env, "org/rnn4j/jni/JniBf16");
  if (cls == NULL) return -1;
  return (*env)->RegisterNatives(env, cls, BF16_METHODS, sizeof BF16_METHODS / sizeof BF16_METHODS[0]);
}
