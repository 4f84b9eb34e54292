package org.rnn4j.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf encoder: one message under construction, fields appended in the order they
 * are written. Enough for the ONNX messages {@link OnnxExport} writes (varints, fixed32 floats,
 * length-delimited bytes, strings and nested messages).
 */
final class ProtoWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private ProtoWriter tag(int field, int wire) {
    return rawVarint((long) field << 3 | wire);
  }

  private ProtoWriter rawVarint(long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return this;
  }

  ProtoWriter varint(int field, long v) {
    return tag(field, 0).rawVarint(v);
  }

  ProtoWriter fixed32(int field, float v) {
    tag(field, 5);
    int b = Float.floatToRawIntBits(v);
    for (int i = 0; i < 4; i++) {
      out.write(b >>> (8 * i));
    }
    return this;
  }

  ProtoWriter bytes(int field, byte[] b) {
    tag(field, 2).rawVarint(b.length);
    out.writeBytes(b);
    return this;
  }

  ProtoWriter string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter message(int field, ProtoWriter m) {
    return bytes(field, m.toBytes());
  }

  byte[] toBytes() {
    return out.toByteArray();
  }

  // ------------------------------------------------------------------ ONNX messages (onnx.proto field numbers)

  static final int FLOAT = 1;
  static final int INT64 = 7;

  /** TensorProto of float32 values in raw_data (little-endian). */
  static ProtoWriter floatTensor(String name, float[] data, int... dims) {
    ProtoWriter t = new ProtoWriter();
    for (int d : dims) {
      t.varint(1, d);
    }
    t.varint(2, FLOAT).string(8, name);
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(data);
    return t.bytes(9, b.array());
  }

  /** TensorProto of int64 values in raw_data (little-endian). */
  static ProtoWriter longTensor(String name, long[] data, int... dims) {
    ProtoWriter t = new ProtoWriter();
    for (int d : dims) {
      t.varint(1, d);
    }
    t.varint(2, INT64).string(8, name);
    ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(data);
    return t.bytes(9, b.array());
  }

  /** ValueInfoProto of a tensor; each dim is an Integer (dim_value) or a String (dim_param). */
  static ProtoWriter valueInfo(String name, int elemType, Object... dims) {
    ProtoWriter shape = new ProtoWriter();
    for (Object d : dims) {
      ProtoWriter dim = new ProtoWriter();
      if (d instanceof Integer i) {
        dim.varint(1, i);
      } else {
        dim.string(2, d.toString());
      }
      shape.message(1, dim);
    }
    ProtoWriter tensorType = new ProtoWriter().varint(1, elemType).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }

  static ProtoWriter attr(String name, long v) {
    return new ProtoWriter().string(1, name).varint(20, OnnxProto.A_INT).varint(3, v);
  }

  static ProtoWriter attr(String name, float v) {
    return new ProtoWriter().string(1, name).varint(20, OnnxProto.A_FLOAT).fixed32(2, v);
  }

  static ProtoWriter attr(String name, String v) {
    return new ProtoWriter().string(1, name).varint(20, OnnxProto.A_STRING).string(4, v);
  }

  static ProtoWriter ints(String name, long... v) {
    ProtoWriter m = new ProtoWriter().string(1, name).varint(20, OnnxProto.A_INTS);
    for (long x : v) {
      m.varint(8, x);
    }
    return m;
  }

  static ProtoWriter floats(String name, float... v) {
    ProtoWriter m = new ProtoWriter().string(1, name).varint(20, OnnxProto.A_FLOATS);
    for (float x : v) {
      m.fixed32(7, x);
    }
    return m;
  }

  static ProtoWriter strings(String name, String... v) {
    ProtoWriter m = new ProtoWriter().string(1, name).varint(20, OnnxProto.A_STRINGS);
    for (String x : v) {
      m.string(9, x);
    }
    return m;
  }

  /** NodeProto: inputs (an empty string = absent optional input), outputs, name, op_type, attributes. */
  static ProtoWriter node(String op, String name, String[] inputs, String[] outputs, ProtoWriter... attrs) {
    ProtoWriter n = new ProtoWriter();
    for (String in : inputs) {
      n.string(1, in);
    }
    for (String o : outputs) {
      n.string(2, o);
    }
    n.string(3, name).string(4, op);
    for (ProtoWriter a : attrs) {
      n.message(5, a);
    }
    return n;
  }
}
