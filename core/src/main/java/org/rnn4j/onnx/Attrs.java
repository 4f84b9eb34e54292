package org.rnn4j.onnx;

import java.util.List;
import org.rnn4j.onnx.OnnxProto.Attribute;
import org.rnn4j.onnx.OnnxProto.Node;

/** Typed access to a node's attributes; a present attribute of the wrong type is an error, not a default. */
final class Attrs {
  private Attrs() {
  }

  private static Attribute get(Node n, String name, int type) {
    Attribute a = n.attributes().get(name);
    if (a != null && a.type() != type) {
      throw new IllegalArgumentException("attribute '" + name + "' has type " + Attribute.typeName(a.type())
          + ", expected " + Attribute.typeName(type));
    }
    return a;
  }

  static boolean has(Node n, String name) {
    return n.attributes().containsKey(name);
  }

  static long getInt(Node n, String name, long dflt) {
    Attribute a = get(n, name, OnnxProto.A_INT);
    return a == null ? dflt : a.i();
  }

  /** An INT attribute that must fit an int. */
  static int getInt32(Node n, String name, int dflt) {
    long v = getInt(n, name, dflt);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("attribute '" + name + "' = " + v + " is out of range");
    }
    return (int) v;
  }

  static float getFloat(Node n, String name, float dflt) {
    Attribute a = get(n, name, OnnxProto.A_FLOAT);
    return a == null ? dflt : a.f();
  }

  static String getString(Node n, String name, String dflt) {
    Attribute a = get(n, name, OnnxProto.A_STRING);
    return a == null ? dflt : a.s();
  }

  /** INTS, or null when absent. */
  static long[] getInts(Node n, String name) {
    Attribute a = get(n, name, OnnxProto.A_INTS);
    return a == null ? null : a.ints();
  }

  /** FLOATS, or null when absent. */
  static float[] getFloats(Node n, String name) {
    Attribute a = get(n, name, OnnxProto.A_FLOATS);
    return a == null ? null : a.floats();
  }

  /** STRINGS, or null when absent. */
  static List<String> getStrings(Node n, String name) {
    Attribute a = get(n, name, OnnxProto.A_STRINGS);
    return a == null ? null : a.strings();
  }

  static Tensor getTensor(Node n, String name) {
    Attribute a = get(n, name, OnnxProto.A_TENSOR);
    return a == null ? null : a.t();
  }
}
