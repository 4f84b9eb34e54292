package org.rnn4j.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A tiny protobuf / ONNX encoder for building test models (field numbers of onnx.proto). */
final class OnnxWriter {
  private OnnxWriter() {
  }

  /** One protobuf message under construction. */
  static final class Msg {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Msg tag(int field, int wire) {
      return rawVarint((long) field << 3 | wire);
    }

    Msg rawVarint(long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
      return this;
    }

    Msg varint(int field, long v) {
      return tag(field, 0).rawVarint(v);
    }

    Msg fixed32(int field, float v) {
      tag(field, 5);
      int b = Float.floatToRawIntBits(v);
      for (int i = 0; i < 4; i++) {
        out.write(b >>> (8 * i));
      }
      return this;
    }

    Msg bytes(int field, byte[] b) {
      tag(field, 2).rawVarint(b.length);
      out.writeBytes(b);
      return this;
    }

    Msg string(int field, String s) {
      return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Msg message(int field, Msg m) {
      return bytes(field, m.toBytes());
    }

    /** Appends raw bytes (for hand-made hostile encodings). */
    Msg raw(byte... b) {
      out.writeBytes(b);
      return this;
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }

  static final int FLOAT = 1;
  static final int INT32 = 6;
  static final int INT64 = 7;

  static Msg tensor(String name, float[] data, int... dims) {
    Msg t = new Msg();
    for (int d : dims) {
      t.varint(1, d);
    }
    t.varint(2, FLOAT).string(8, name);
    ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    return t.bytes(9, b.array());
  }

  static Msg tensor(String name, long[] data, int... dims) {
    Msg t = new Msg();
    for (int d : dims) {
      t.varint(1, d);
    }
    t.varint(2, INT64).string(8, name);
    ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(data);
    return t.bytes(9, b.array());
  }

  /** An INT32 tensor in the typed int32_data field (not raw). */
  static Msg int32Tensor(String name, int[] data, int... dims) {
    Msg t = new Msg();
    for (int d : dims) {
      t.varint(1, d);
    }
    t.varint(2, INT32).string(8, name);
    for (int v : data) {
      t.varint(5, v);
    }
    return t;
  }

  /** A tensor value-info; dims are Integers or Strings (symbolic); no dims = unknown shape. */
  static Msg valueInfo(String name, int elemType, Object... dims) {
    Msg shape = new Msg();
    for (Object d : dims) {
      Msg dim = new Msg();
      if (d instanceof Integer i) {
        dim.varint(1, i);
      } else {
        dim.string(2, d.toString());
      }
      shape.message(1, dim);
    }
    Msg tensorType = new Msg().varint(1, elemType);
    if (dims.length > 0) {
      tensorType.message(2, shape);
    }
    return new Msg().string(1, name).message(2, new Msg().message(1, tensorType));
  }

  static Msg attr(String name, long v) {
    return new Msg().string(1, name).varint(20, 2).varint(3, v);
  }

  static Msg attr(String name, float v) {
    return new Msg().string(1, name).varint(20, 1).fixed32(2, v);
  }

  static Msg attr(String name, String v) {
    return new Msg().string(1, name).varint(20, 3).string(4, v);
  }

  static Msg ints(String name, long... v) {
    Msg m = new Msg().string(1, name).varint(20, 7);
    for (long x : v) {
      m.varint(8, x);
    }
    return m;
  }

  static Msg floats(String name, float... v) {
    Msg m = new Msg().string(1, name).varint(20, 6);
    for (float x : v) {
      m.fixed32(7, x);
    }
    return m;
  }

  static Msg strings(String name, String... v) {
    Msg m = new Msg().string(1, name).varint(20, 8);
    for (String x : v) {
      m.string(9, x);
    }
    return m;
  }

  static Msg tensorAttr(String name, Msg tensor) {
    return new Msg().string(1, name).varint(20, 4).message(5, tensor);
  }

  /** A node; inputs and outputs are comma-separated, empty entries kept ("X,W,R,,seq"). */
  static Msg node(String op, String name, String inputs, String outputs, Msg... attrs) {
    Msg n = new Msg();
    for (String in : inputs.split(",", -1)) {
      n.string(1, in);
    }
    for (String out : outputs.split(",", -1)) {
      n.string(2, out);
    }
    n.string(3, name).string(4, op);
    for (Msg a : attrs) {
      n.message(5, a);
    }
    return n;
  }

  static Msg graph(List<Msg> nodes, List<Msg> initializers, List<Msg> inputs, List<Msg> outputs) {
    Msg g = new Msg();
    for (Msg n : nodes) {
      g.message(1, n);
    }
    g.string(2, "test");
    for (Msg t : initializers) {
      g.message(5, t);
    }
    for (Msg i : inputs) {
      g.message(11, i);
    }
    for (Msg o : outputs) {
      g.message(12, o);
    }
    return g;
  }

  static byte[] model(Msg graph, int opset) {
    return new Msg().varint(1, 8).string(2, "rnn4j-test").message(7, graph)
        .message(8, new Msg().string(1, "").varint(2, opset)).toBytes();
  }
}
