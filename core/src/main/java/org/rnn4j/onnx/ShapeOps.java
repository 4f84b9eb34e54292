package org.rnn4j.onnx;

import java.util.Arrays;

/**
 * The data-movement ops exporters put around recurrent nodes: Transpose, Squeeze, Unsqueeze,
 * Reshape, Concat, Slice, Gather, Cast. They work on float and int64 tensors alike, always into
 * new arrays (inputs are shared and never written). Errors are IllegalArgumentExceptions; the
 * caller adds the node's name.
 */
final class ShapeOps {
  private ShapeOps() {
  }

  /** A possibly negative axis, checked and made non-negative. */
  static int axis(long a, int rank, String what) {
    long v = a < 0 ? a + rank : a;
    if (v < 0 || v >= rank) {
      throw new IllegalArgumentException(what + " " + a + " is out of range for rank " + rank);
    }
    return (int) v;
  }

  static int[] strides(int[] shape) {
    int[] s = new int[shape.length];
    int n = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = n;
      n *= shape[i];
    }
    return s;
  }

  /** The int64 contents of an index/shape tensor. */
  static long[] longs(Tensor t, String what) {
    if (t.isFloat()) {
      throw new IllegalArgumentException(what + " must be an integer tensor, got " + t);
    }
    return t.longs();
  }

  static Tensor transpose(Tensor t, long[] perm) {
    int r = t.rank();
    int[] p = new int[r];
    if (perm == null) {
      for (int i = 0; i < r; i++) {
        p[i] = r - 1 - i;
      }
    } else {
      if (perm.length != r) {
        throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " does not fit rank " + r);
      }
      boolean[] seen = new boolean[r];
      for (int i = 0; i < r; i++) {
        p[i] = axis(perm[i], r, "perm entry");
        if (seen[p[i]]) {
          throw new IllegalArgumentException("perm " + Arrays.toString(perm) + " is not a permutation");
        }
        seen[p[i]] = true;
      }
    }
    int[] in = t.shapeRef();
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      out[i] = in[p[i]];
    }
    int[] inStrides = strides(in);
    int[] from = new int[t.size()];
    int[] idx = new int[r];
    for (int k = 0; k < from.length; k++) {
      int src = 0;
      for (int i = 0; i < r; i++) {
        src += idx[i] * inStrides[p[i]];
      }
      from[k] = src;
      increment(idx, out);
    }
    return t.gather(from, out);
  }

  /** Advances a row-major multi-index. */
  static void increment(int[] idx, int[] shape) {
    for (int i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) {
        return;
      }
      idx[i] = 0;
    }
  }

  static Tensor squeeze(Tensor t, long[] axes) {
    int[] in = t.shapeRef();
    boolean[] drop = new boolean[in.length];
    if (axes == null) {
      for (int i = 0; i < in.length; i++) {
        drop[i] = in[i] == 1;
      }
    } else {
      for (long a : axes) {
        int ax = axis(a, in.length, "axis");
        if (in[ax] != 1) {
          throw new IllegalArgumentException("cannot squeeze axis " + a + " of shape " + t.shapeString());
        }
        drop[ax] = true;
      }
    }
    int[] out = new int[in.length];
    int n = 0;
    for (int i = 0; i < in.length; i++) {
      if (!drop[i]) {
        out[n++] = in[i];
      }
    }
    return t.reshaped(Arrays.copyOf(out, n));
  }

  static Tensor unsqueeze(Tensor t, long[] axes) {
    if (axes == null) {
      throw new IllegalArgumentException("axes are required");
    }
    int[] in = t.shapeRef();
    int rank = in.length + axes.length;
    if (rank > Limits.MAX_RANK) {
      throw new IllegalArgumentException("result would have rank " + rank);
    }
    boolean[] inserted = new boolean[rank];
    for (long a : axes) {
      int ax = axis(a, rank, "axis");
      if (inserted[ax]) {
        throw new IllegalArgumentException("axis " + a + " given twice");
      }
      inserted[ax] = true;
    }
    int[] out = new int[rank];
    for (int i = 0, j = 0; i < rank; i++) {
      out[i] = inserted[i] ? 1 : in[j++];
    }
    return t.reshaped(out);
  }

  static Tensor reshape(Tensor t, long[] shape, boolean allowZero) {
    int[] in = t.shapeRef();
    if (shape.length > Limits.MAX_RANK) {
      throw new IllegalArgumentException("shape has " + shape.length + " dimensions");
    }
    int[] out = new int[shape.length];
    int infer = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      long d = shape[i];
      if (d == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than one -1");
        }
        infer = i;
        continue;
      }
      if (d == 0 && !allowZero) {
        if (i >= in.length) {
          throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ": 0 at axis " + i
              + " copies a dimension the input " + t.shapeString() + " does not have");
        }
        d = in[i];
      }
      if (d < 0 || d > Limits.MAX_ELEMENTS) {
        throw new IllegalArgumentException("invalid dimension " + shape[i] + " in shape " + Arrays.toString(shape));
      }
      out[i] = (int) d;
      known *= d;
      if (known > Limits.MAX_ELEMENTS) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large");
      }
    }
    if (infer >= 0) {
      if (known == 0 || t.size() % known != 0) {
        throw new IllegalArgumentException("cannot reshape " + t.shapeString() + " to " + Arrays.toString(shape));
      }
      out[infer] = (int) (t.size() / known);
    } else if (known != t.size()) {
      throw new IllegalArgumentException("cannot reshape " + t.shapeString() + " (" + t.size() + " elements) to "
          + Arrays.toString(shape));
    }
    return t.reshaped(out);
  }

  static Tensor concat(Tensor[] ts, long axisAttr) {
    if (ts.length == 0) {
      throw new IllegalArgumentException("no inputs");
    }
    Tensor first = ts[0];
    int r = first.rank();
    int ax = axis(axisAttr, r, "axis");
    int[] out = first.shape();
    out[ax] = 0;
    long total = 0;
    for (Tensor t : ts) {
      if (t.type() != first.type() || t.rank() != r) {
        throw new IllegalArgumentException("inputs " + first + " and " + t + " cannot be concatenated");
      }
      for (int i = 0; i < r; i++) {
        if (i != ax && t.dim(i) != first.dim(i)) {
          throw new IllegalArgumentException("inputs " + first + " and " + t + " differ outside axis " + ax);
        }
      }
      total += t.dim(ax);
    }
    if (total > Limits.MAX_ELEMENTS) {
      throw new IllegalArgumentException("result is too large");
    }
    out[ax] = (int) total;
    Tensor.elementCount(out);
    int outer = 1;
    for (int i = 0; i < ax; i++) {
      outer *= out[i];
    }
    int inner = strides(out)[ax];
    int outRow = out[ax] * inner;
    boolean f = first.isFloat();
    float[] fo = f ? new float[outer * outRow] : null;
    long[] lo = f ? null : new long[outer * outRow];
    int offset = 0;
    for (Tensor t : ts) {
      int row = t.dim(ax) * inner;
      for (int o = 0; o < outer; o++) {
        if (f) {
          System.arraycopy(t.floats(), o * row, fo, o * outRow + offset, row);
        } else {
          System.arraycopy(t.longs(), o * row, lo, o * outRow + offset, row);
        }
      }
      offset += row;
    }
    return f ? Tensor.ofFloats(fo, out) : Tensor.ofLongs(lo, out);
  }

  /** ONNX Slice (opset 10+ semantics; older models pass their attributes with steps = null). */
  static Tensor slice(Tensor t, long[] starts, long[] ends, long[] axes, long[] steps) {
    int r = t.rank();
    if (starts.length != ends.length || (axes != null && axes.length != starts.length)
        || (steps != null && steps.length != starts.length)) {
      throw new IllegalArgumentException("starts, ends, axes and steps must have the same length");
    }
    int[] in = t.shapeRef();
    long[] begin = new long[r];
    long[] step = new long[r];
    int[] out = in.clone();
    Arrays.fill(step, 1);
    boolean[] seen = new boolean[r];
    for (int i = 0; i < starts.length; i++) {
      int ax = axis(axes == null ? i : axes[i], r, "axis");
      if (seen[ax]) {
        throw new IllegalArgumentException("axis " + ax + " sliced twice");
      }
      seen[ax] = true;
      long st = steps == null ? 1 : steps[i];
      if (st == 0) {
        throw new IllegalArgumentException("step 0");
      }
      long dim = in[ax];
      long s = starts[i] < 0 ? starts[i] + dim : starts[i];
      long e = ends[i] < 0 ? ends[i] + dim : ends[i];
      long count;
      if (st > 0) {
        s = clamp(s, 0, dim);
        e = clamp(e, 0, dim);
        count = e > s ? (e - s + st - 1) / st : 0;
      } else {
        s = clamp(s, 0, dim - 1);
        e = clamp(e, -1, dim - 1);
        count = s > e ? (s - e + (-st) - 1) / (-st) : 0;
      }
      if (dim == 0) {
        count = 0;
      }
      begin[ax] = s;
      step[ax] = st;
      out[ax] = (int) count;
    }
    int[] inStrides = strides(in);
    int[] from = new int[(int) Tensor.elementCount(out)];
    int[] idx = new int[r];
    for (int k = 0; k < from.length; k++) {
      long src = 0;
      for (int i = 0; i < r; i++) {
        src += (begin[i] + idx[i] * step[i]) * inStrides[i];
      }
      from[k] = (int) src;
      increment(idx, out);
    }
    return t.gather(from, out);
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  static Tensor gather(Tensor data, Tensor indices, long axisAttr) {
    int r = data.rank();
    int ax = axis(axisAttr, r, "axis");
    long[] idx = longs(indices, "indices");
    int[] in = data.shapeRef();
    int[] iShape = indices.shapeRef();
    int[] out = new int[r - 1 + iShape.length];
    if (out.length > Limits.MAX_RANK) {
      throw new IllegalArgumentException("result rank " + out.length + " is too large");
    }
    System.arraycopy(in, 0, out, 0, ax);
    System.arraycopy(iShape, 0, out, ax, iShape.length);
    System.arraycopy(in, ax + 1, out, ax + iShape.length, r - ax - 1);
    int outer = 1;
    for (int i = 0; i < ax; i++) {
      outer *= in[i];
    }
    int inner = strides(in)[ax];
    int dim = in[ax];
    long total = (long) outer * idx.length * inner;
    if (total > Limits.MAX_ELEMENTS) {
      throw new IllegalArgumentException("result is too large");
    }
    int[] from = new int[(int) total];
    int k = 0;
    for (int o = 0; o < outer; o++) {
      for (long i : idx) {
        long j = i < 0 ? i + dim : i;
        if (j < 0 || j >= dim) {
          throw new IllegalArgumentException("index " + i + " is out of range for axis " + ax + " of size " + dim);
        }
        int base = (o * dim + (int) j) * inner;
        for (int e = 0; e < inner; e++) {
          from[k++] = base + e;
        }
      }
    }
    return data.gather(from, out);
  }

  static Tensor cast(Tensor t, int to) {
    int[] shape = t.shapeRef();
    switch (to) {
      case TensorProtos.FLOAT, TensorProtos.DOUBLE, TensorProtos.FLOAT16, TensorProtos.BFLOAT16: {
        float[] out = new float[t.size()];
        for (int i = 0; i < out.length; i++) {
          float v = t.isFloat() ? t.floats()[i] : (float) t.longs()[i];
          out[i] = switch (to) {
            case TensorProtos.FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case TensorProtos.BFLOAT16 -> roundToBfloat16(v);
            default -> v; // DOUBLE: held as float32 like every floating-point value here
          };
        }
        return Tensor.ofFloats(out, shape);
      }
      case TensorProtos.INT32, TensorProtos.INT64: {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
          long v = t.isFloat() ? (long) t.floats()[i] : t.longs()[i]; // float → int truncates toward zero
          out[i] = to == TensorProtos.INT32 ? (int) v : v;
        }
        return Tensor.ofLongs(out, shape);
      }
      default:
        throw new IllegalArgumentException("cast to " + TensorProtos.typeName(to) + " is not supported");
    }
  }

  private static float roundToBfloat16(float v) {
    if (Float.isNaN(v)) {
      return v;
    }
    int bits = Float.floatToRawIntBits(v);
    bits += 0x7FFF + ((bits >>> 16) & 1); // round to nearest, ties to even
    return Float.intBitsToFloat(bits & 0xFFFF_0000);
  }
}
