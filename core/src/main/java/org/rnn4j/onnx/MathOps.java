package org.rnn4j.onnx;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * The arithmetic ops exporters put around recurrent nodes (heads and glue): MatMul, Gemm, Add,
 * Sigmoid, Tanh, Relu, Softmax, LogSoftmax. Float32 in and out, accumulation in double; Add also
 * takes two int64 tensors. Broadcasting follows numpy, as ONNX specifies.
 */
final class MathOps {
  private MathOps() {
  }

  /** The numpy broadcast of two shapes. */
  static int[] broadcast(int[] a, int[] b) {
    int r = Math.max(a.length, b.length);
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = i < r - a.length ? 1 : a[i - (r - a.length)];
      int db = i < r - b.length ? 1 : b[i - (r - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
            + " do not broadcast");
      }
      out[i] = da == 1 ? db : da;
    }
    Tensor.elementCount(out);
    return out;
  }

  /** For each element of {@code out}, the flat index of the element of a tensor of {@code in} broadcast to it. */
  static int[] broadcastIndex(int[] out, int[] in) {
    int r = out.length;
    int[] inStrides = new int[r];
    int[] s = ShapeOps.strides(in);
    for (int i = 0; i < in.length; i++) {
      inStrides[r - in.length + i] = in[i] == 1 ? 0 : s[i];
    }
    int[] from = new int[(int) Tensor.elementCount(out)];
    int[] idx = new int[r];
    for (int k = 0; k < from.length; k++) {
      int src = 0;
      for (int i = 0; i < r; i++) {
        src += idx[i] * inStrides[i];
      }
      from[k] = src;
      ShapeOps.increment(idx, out);
    }
    return from;
  }

  static Tensor add(Tensor a, Tensor b) {
    if (a.type() != b.type()) {
      throw new IllegalArgumentException("cannot add " + a + " and " + b);
    }
    int[] out = broadcast(a.shapeRef(), b.shapeRef());
    int[] ia = broadcastIndex(out, a.shapeRef());
    int[] ib = broadcastIndex(out, b.shapeRef());
    if (a.isFloat()) {
      float[] r = new float[ia.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = a.floats()[ia[i]] + b.floats()[ib[i]];
      }
      return Tensor.ofFloats(r, out);
    }
    long[] r = new long[ia.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.longs()[ia[i]] + b.longs()[ib[i]];
    }
    return Tensor.ofLongs(r, out);
  }

  static Tensor unary(Tensor t, DoubleUnaryOperator f) {
    float[] in = floats(t, "input");
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = (float) f.applyAsDouble(in[i]);
    }
    return Tensor.ofFloats(out, t.shapeRef());
  }

  static double sigmoid(double x) {
    return 1.0 / (1.0 + Math.exp(-x));
  }

  private static float[] floats(Tensor t, String what) {
    if (!t.isFloat()) {
      throw new IllegalArgumentException(what + " must be a float tensor, got " + t);
    }
    return t.floats();
  }

  /** numpy matmul: rank-1 operands are promoted and the added axis removed; batch axes broadcast. */
  static Tensor matmul(Tensor a, Tensor b) {
    float[] av = floats(a, "A");
    float[] bv = floats(b, "B");
    if (a.rank() == 0 || b.rank() == 0) {
      throw new IllegalArgumentException("MatMul needs operands of rank >= 1, got " + a + " and " + b);
    }
    int[] as = a.rank() == 1 ? new int[] {1, a.dim(0)} : a.shape();
    int[] bs = b.rank() == 1 ? new int[] {b.dim(0), 1} : b.shape();
    int m = as[as.length - 2];
    int k = as[as.length - 1];
    int n = bs[bs.length - 1];
    if (bs[bs.length - 2] != k) {
      throw new IllegalArgumentException("MatMul shapes " + a.shapeString() + " and " + b.shapeString()
          + " do not match");
    }
    int[] aBatch = Arrays.copyOf(as, as.length - 2);
    int[] bBatch = Arrays.copyOf(bs, bs.length - 2);
    int[] batch = broadcast(aBatch, bBatch);
    int[] ia = broadcastIndex(batch, aBatch);
    int[] ib = broadcastIndex(batch, bBatch);
    int[] outShape = Arrays.copyOf(batch, batch.length + 2);
    outShape[batch.length] = m;
    outShape[batch.length + 1] = n;
    float[] out = new float[(int) Tensor.elementCount(outShape)];
    double[] acc = new double[n];
    for (int p = 0; p < ia.length; p++) {
      int aOff = ia[p] * m * k;
      int bOff = ib[p] * k * n;
      for (int i = 0; i < m; i++) {
        Arrays.fill(acc, 0);
        for (int q = 0; q < k; q++) {
          double x = av[aOff + i * k + q];
          int row = bOff + q * n;
          for (int j = 0; j < n; j++) {
            acc[j] += x * bv[row + j];
          }
        }
        for (int j = 0; j < n; j++) {
          out[(p * m + i) * n + j] = (float) acc[j];
        }
      }
    }
    // Drop the axes that rank-1 operands were promoted with.
    int[] finalShape = outShape;
    if (a.rank() == 1) {
      finalShape = remove(finalShape, finalShape.length - 2);
    }
    if (b.rank() == 1) {
      finalShape = remove(finalShape, finalShape.length - 1);
    }
    return Tensor.ofFloats(out, finalShape);
  }

  private static int[] remove(int[] shape, int axis) {
    int[] out = new int[shape.length - 1];
    System.arraycopy(shape, 0, out, 0, axis);
    System.arraycopy(shape, axis + 1, out, axis, shape.length - axis - 1);
    return out;
  }

  /** Y = alpha·A'·B' + beta·C, with A' = Aᵀ if transA, B' = Bᵀ if transB, C broadcast to [M, N]. */
  static Tensor gemm(Tensor a, Tensor b, Tensor c, float alpha, float beta, boolean transA, boolean transB) {
    float[] av = floats(a, "A");
    float[] bv = floats(b, "B");
    if (a.rank() != 2 || b.rank() != 2) {
      throw new IllegalArgumentException("Gemm needs matrices, got " + a + " and " + b);
    }
    int m = transA ? a.dim(1) : a.dim(0);
    int k = transA ? a.dim(0) : a.dim(1);
    int kb = transB ? b.dim(1) : b.dim(0);
    int n = transB ? b.dim(0) : b.dim(1);
    if (k != kb) {
      throw new IllegalArgumentException("Gemm shapes " + a.shapeString() + (transA ? "ᵀ" : "") + " and "
          + b.shapeString() + (transB ? "ᵀ" : "") + " do not match");
    }
    int[] outShape = {m, n};
    int[] ic = null;
    float[] cv = null;
    if (c != null) {
      cv = floats(c, "C");
      if (!Arrays.equals(broadcast(outShape, c.shapeRef()), outShape)) {
        throw new IllegalArgumentException("C " + c.shapeString() + " does not broadcast to [" + m + ", " + n + "]");
      }
      ic = broadcastIndex(outShape, c.shapeRef());
    }
    float[] out = new float[(int) Tensor.elementCount(outShape)];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int q = 0; q < k; q++) {
          double x = transA ? av[q * m + i] : av[i * k + q];
          double y = transB ? bv[j * k + q] : bv[q * n + j];
          s += x * y;
        }
        double v = alpha * s;
        if (cv != null) {
          v += beta * (double) cv[ic[i * n + j]];
        }
        out[i * n + j] = (float) v;
      }
    }
    return Tensor.ofFloats(out, outShape);
  }

  /**
   * Softmax / LogSoftmax. From opset 13 along one axis (default −1); before, over the input
   * flattened to 2-D at {@code axis} (default 1).
   */
  static Tensor softmax(Tensor t, long axisAttr, boolean legacy, boolean log) {
    float[] in = floats(t, "input");
    int r = t.rank();
    if (r == 0) {
      throw new IllegalArgumentException("Softmax needs rank >= 1");
    }
    int ax = ShapeOps.axis(axisAttr, r, "axis");
    int[] s = t.shapeRef();
    int outer = 1;
    for (int i = 0; i < ax; i++) {
      outer *= s[i];
    }
    int len;
    int inner;
    if (legacy) {
      len = in.length / Math.max(outer, 1);
      inner = 1;
    } else {
      len = s[ax];
      inner = ShapeOps.strides(s)[ax];
    }
    float[] out = new float[in.length];
    for (int o = 0; o < outer; o++) {
      for (int e = 0; e < inner; e++) {
        int base = o * len * inner + e;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
          max = Math.max(max, in[base + i * inner]);
        }
        double sum = 0;
        for (int i = 0; i < len; i++) {
          sum += Math.exp(in[base + i * inner] - max);
        }
        double logSum = Math.log(sum);
        for (int i = 0; i < len; i++) {
          double z = in[base + i * inner] - max;
          out[base + i * inner] = (float) (log ? z - logSum : Math.exp(z) / sum);
        }
      }
    }
    return Tensor.ofFloats(out, s);
  }
}
