package org.rnn4j.onnx;

import java.util.Set;
import org.rnn4j.onnx.OnnxProto.Node;

/**
 * Compiles a non-recurrent node into a {@link Kernel}: its attributes are read and checked once,
 * at load, so a bad attribute fails the load rather than a later run. Inputs and outputs are
 * positional; an absent optional input is null.
 */
final class GlueOps {
  private GlueOps() {
  }

  /** One compiled node. */
  interface Kernel {
    Tensor[] apply(Tensor[] inputs);
  }

  static final Set<String> OPS = Set.of("Identity", "Constant", "Cast", "Transpose", "Squeeze", "Unsqueeze", "Reshape",
      "Concat", "Slice", "Gather", "MatMul", "Gemm", "Add", "Sigmoid", "Tanh", "Relu", "Softmax", "LogSoftmax");

  static Kernel compile(Node n, long opset) {
    switch (n.opType()) {
      case "Identity":
        return in -> one(need(in, 0, "input"));
      case "Constant": {
        Tensor value = constant(n);
        return in -> one(value);
      }
      case "Cast": {
        if (!Attrs.has(n, "to")) {
          throw new IllegalArgumentException("attribute 'to' is required");
        }
        int to = Attrs.getInt32(n, "to", 0);
        ShapeOps.cast(Tensor.ofFloats(new float[0], 0), to); // refuses unsupported targets now
        return in -> one(ShapeOps.cast(need(in, 0, "input"), to));
      }
      case "Transpose": {
        long[] perm = Attrs.getInts(n, "perm");
        return in -> one(ShapeOps.transpose(need(in, 0, "data"), perm));
      }
      case "Squeeze": {
        long[] attr = Attrs.getInts(n, "axes"); // before opset 13; from 13 an optional input
        return in -> one(ShapeOps.squeeze(need(in, 0, "data"), axes(in, 1, attr)));
      }
      case "Unsqueeze": {
        long[] attr = Attrs.getInts(n, "axes");
        return in -> one(ShapeOps.unsqueeze(need(in, 0, "data"), axes(in, 1, attr)));
      }
      case "Reshape": {
        long[] attr = Attrs.getInts(n, "shape"); // opset 1–4
        boolean allowZero = Attrs.getInt(n, "allowzero", 0) != 0;
        return in -> {
          long[] shape = axes(in, 1, attr);
          if (shape == null) {
            throw new IllegalArgumentException("input 1 (shape) is required");
          }
          return one(ShapeOps.reshape(need(in, 0, "data"), shape, allowZero));
        };
      }
      case "Concat": {
        if (!Attrs.has(n, "axis")) {
          throw new IllegalArgumentException("attribute 'axis' is required");
        }
        long axis = Attrs.getInt(n, "axis", 0);
        return in -> {
          for (int i = 0; i < in.length; i++) {
            need(in, i, "input " + i);
          }
          return one(ShapeOps.concat(in, axis));
        };
      }
      case "Slice": {
        if (opset < 10) {
          long[] starts = Attrs.getInts(n, "starts");
          long[] ends = Attrs.getInts(n, "ends");
          long[] axes = Attrs.getInts(n, "axes");
          if (starts == null || ends == null) {
            throw new IllegalArgumentException("attributes 'starts' and 'ends' are required before opset 10");
          }
          return in -> one(ShapeOps.slice(need(in, 0, "data"), starts, ends, axes, null));
        }
        return in -> one(ShapeOps.slice(need(in, 0, "data"), ints(in, 1, "starts"), ints(in, 2, "ends"),
            optionalInts(in, 3, "axes"), optionalInts(in, 4, "steps")));
      }
      case "Gather": {
        long axis = Attrs.getInt(n, "axis", 0);
        return in -> one(ShapeOps.gather(need(in, 0, "data"), need(in, 1, "indices"), axis));
      }
      case "MatMul":
        return in -> one(MathOps.matmul(need(in, 0, "A"), need(in, 1, "B")));
      case "Gemm": {
        float alpha = Attrs.getFloat(n, "alpha", 1f);
        float beta = Attrs.getFloat(n, "beta", 1f);
        boolean ta = Attrs.getInt(n, "transA", 0) != 0;
        boolean tb = Attrs.getInt(n, "transB", 0) != 0;
        return in -> one(MathOps.gemm(need(in, 0, "A"), need(in, 1, "B"), in.length > 2 ? in[2] : null, alpha, beta,
            ta, tb));
      }
      case "Add":
        return in -> one(MathOps.add(need(in, 0, "A"), need(in, 1, "B")));
      case "Sigmoid":
        return in -> one(MathOps.unary(need(in, 0, "X"), MathOps::sigmoid));
      case "Tanh":
        return in -> one(MathOps.unary(need(in, 0, "input"), Math::tanh));
      case "Relu":
        return in -> one(MathOps.unary(need(in, 0, "X"), x -> x > 0 ? x : 0));
      case "Softmax":
      case "LogSoftmax": {
        boolean legacy = opset < 13;
        long axis = Attrs.getInt(n, "axis", legacy ? 1 : -1);
        boolean log = n.opType().equals("LogSoftmax");
        return in -> one(MathOps.softmax(need(in, 0, "input"), axis, legacy, log));
      }
      default:
        throw new IllegalArgumentException("unsupported op");
    }
  }

  private static Tensor[] one(Tensor t) {
    return new Tensor[] {t};
  }

  static Tensor need(Tensor[] in, int i, String what) {
    if (i >= in.length || in[i] == null) {
      throw new IllegalArgumentException("input " + i + " (" + what + ") is required");
    }
    return in[i];
  }

  /** Axes (or a shape) from input {@code i} when present (opset 13+ style), else from the attribute. */
  private static long[] axes(Tensor[] in, int i, long[] attr) {
    if (i < in.length && in[i] != null) {
      return ShapeOps.longs(in[i], "input " + i);
    }
    return attr;
  }

  private static long[] ints(Tensor[] in, int i, String what) {
    return ShapeOps.longs(need(in, i, what), what);
  }

  private static long[] optionalInts(Tensor[] in, int i, String what) {
    return i < in.length && in[i] != null ? ShapeOps.longs(in[i], what) : null;
  }

  private static Tensor constant(Node n) {
    if (n.attributes().size() != 1) {
      throw new IllegalArgumentException("Constant needs exactly one value attribute, has " + n.attributes().keySet());
    }
    if (Attrs.has(n, "value")) {
      return Attrs.getTensor(n, "value");
    }
    if (Attrs.has(n, "value_float")) {
      return Tensor.ofFloats(new float[] {Attrs.getFloat(n, "value_float", 0)});
    }
    if (Attrs.has(n, "value_floats")) {
      float[] v = Attrs.getFloats(n, "value_floats");
      return Tensor.ofFloats(v, v.length);
    }
    if (Attrs.has(n, "value_int")) {
      return Tensor.ofLongs(new long[] {Attrs.getInt(n, "value_int", 0)});
    }
    if (Attrs.has(n, "value_ints")) {
      long[] v = Attrs.getInts(n, "value_ints");
      return Tensor.ofLongs(v, v.length);
    }
    throw new IllegalArgumentException("Constant attribute " + n.attributes().keySet() + " is not supported");
  }
}
