package org.rnn4j.onnx;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rnn4j.io.ModelFormatException;

/**
 * The parts of an ONNX {@code ModelProto} that rnn4j reads, and their parser. Field numbers are
 * those of {@code onnx/onnx.proto}; fields rnn4j has no use for are skipped unparsed.
 */
final class OnnxProto {
  private OnnxProto() {
  }

  record Model(long irVersion, String producer, Map<String, Long> opsets, Graph graph) {
    /** The opset of the default domain ("" or "ai.onnx"), or -1 when the model imports none. */
    long defaultOpset() {
      Long v = opsets.get("");
      return v == null ? -1 : v;
    }
  }

  record Graph(String name, List<Node> nodes, List<TensorProtos.Decoded> initializers, List<ValueInfo> inputs,
      List<ValueInfo> outputs) {
  }

  record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
      Map<String, Attribute> attributes, int offset) {
    /** How errors name this node: {@code node 'lstm_1' (LSTM)}, or by its byte offset when it has no name. */
    String label() {
      return name.isEmpty() ? "unnamed node (" + opType + ") at byte " + offset : "node '" + name + "' (" + opType + ")";
    }

    /** Input {@code i}, or "" where it is absent (empty name or past the end). */
    String input(int i) {
      return i < inputs.size() ? inputs.get(i) : "";
    }

    String output(int i) {
      return i < outputs.size() ? outputs.get(i) : "";
    }
  }

  // onnx.proto AttributeProto.AttributeType
  static final int A_FLOAT = 1;
  static final int A_INT = 2;
  static final int A_STRING = 3;
  static final int A_TENSOR = 4;
  static final int A_GRAPH = 5;
  static final int A_FLOATS = 6;
  static final int A_INTS = 7;
  static final int A_STRINGS = 8;

  record Attribute(String name, int type, float f, long i, String s, Tensor t, float[] floats, long[] ints,
      List<String> strings) {
    static String typeName(int type) {
      return switch (type) {
        case A_FLOAT -> "FLOAT";
        case A_INT -> "INT";
        case A_STRING -> "STRING";
        case A_TENSOR -> "TENSOR";
        case A_GRAPH -> "GRAPH";
        case A_FLOATS -> "FLOATS";
        case A_INTS -> "INTS";
        case A_STRINGS -> "STRINGS";
        default -> "type " + type;
      };
    }
  }

  /** A graph input or output: name, element type (0 when not a tensor type) and dims (null when unknown). */
  record ValueInfo(String name, int elemType, List<String> dims) {
  }

  static Model parseModel(byte[] bytes, String source) throws ModelFormatException {
    ProtoReader r = new ProtoReader(bytes, source);
    long ir = 0;
    String producer = "";
    Map<String, Long> opsets = new LinkedHashMap<>();
    Graph graph = null;
    while (r.hasMore()) {
      int tag = r.readTag("ModelProto");
      switch (tag >>> 3) {
        case 1 -> {
          r.expect(tag, ProtoReader.VARINT, "ModelProto.ir_version");
          ir = r.readVarint("ModelProto.ir_version");
        }
        case 2 -> {
          r.expect(tag, ProtoReader.LEN, "ModelProto.producer_name");
          producer = r.readString("ModelProto.producer_name");
        }
        case 7 -> {
          r.expect(tag, ProtoReader.LEN, "ModelProto.graph");
          graph = parseGraph(r.readMessage("ModelProto.graph"), "graph");
        }
        case 8 -> {
          r.expect(tag, ProtoReader.LEN, "ModelProto.opset_import");
          parseOpset(r.readMessage("ModelProto.opset_import"), opsets);
        }
        default -> r.skip(tag, "ModelProto");
      }
    }
    if (graph == null) {
      throw new ModelFormatException(source + ": not an ONNX model (no ModelProto.graph)");
    }
    return new Model(ir, producer, Collections.unmodifiableMap(opsets), graph);
  }

  private static void parseOpset(ProtoReader r, Map<String, Long> opsets) throws ModelFormatException {
    String domain = "";
    long version = 0;
    while (r.hasMore()) {
      int tag = r.readTag("OperatorSetIdProto");
      switch (tag >>> 3) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, "OperatorSetIdProto.domain");
          domain = r.readString("OperatorSetIdProto.domain");
        }
        case 2 -> {
          r.expect(tag, ProtoReader.VARINT, "OperatorSetIdProto.version");
          version = r.readVarint("OperatorSetIdProto.version");
        }
        default -> r.skip(tag, "OperatorSetIdProto");
      }
    }
    opsets.put(domain.equals("ai.onnx") ? "" : domain, version);
  }

  static Graph parseGraph(ProtoReader r, String what) throws ModelFormatException {
    String name = "";
    List<Node> nodes = new ArrayList<>();
    List<TensorProtos.Decoded> inits = new ArrayList<>();
    List<ValueInfo> inputs = new ArrayList<>();
    List<ValueInfo> outputs = new ArrayList<>();
    String msg = what + " (GraphProto)";
    while (r.hasMore()) {
      int tag = r.readTag(msg);
      switch (tag >>> 3) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".node");
          int at = r.position();
          nodes.add(parseNode(r.readMessage(msg + ".node"), at));
        }
        case 2 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".name");
          name = r.readString(msg + ".name");
        }
        case 5 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".initializer");
          inits.add(TensorProtos.decode(r.readMessage(msg + ".initializer"), "initializer"));
        }
        case 11 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".input");
          inputs.add(parseValueInfo(r.readMessage(msg + ".input")));
        }
        case 12 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".output");
          outputs.add(parseValueInfo(r.readMessage(msg + ".output")));
        }
        case 15 -> throw r.error(msg + ": sparse initializers are not supported", r.position());
        default -> r.skip(tag, msg);
      }
    }
    return new Graph(name, List.copyOf(nodes), List.copyOf(inits), List.copyOf(inputs), List.copyOf(outputs));
  }

  private static Node parseNode(ProtoReader r, int offset) throws ModelFormatException {
    String name = "";
    String op = "";
    String domain = "";
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    String msg = "NodeProto at byte " + offset;
    while (r.hasMore()) {
      int tag = r.readTag(msg);
      switch (tag >>> 3) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".input");
          inputs.add(r.readString(msg + ".input"));
        }
        case 2 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".output");
          outputs.add(r.readString(msg + ".output"));
        }
        case 3 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".name");
          name = r.readString(msg + ".name");
        }
        case 4 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".op_type");
          op = r.readString(msg + ".op_type");
        }
        case 5 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".attribute");
          Attribute a = parseAttribute(r.readMessage(msg + ".attribute"), msg);
          if (attrs.put(a.name(), a) != null) {
            throw r.error(msg + ": attribute '" + a.name() + "' given twice", r.position());
          }
        }
        case 7 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".domain");
          domain = r.readString(msg + ".domain");
        }
        default -> r.skip(tag, msg);
      }
    }
    if (op.isEmpty()) {
      throw r.error(msg + ": node without op_type", offset);
    }
    return new Node(name, op, domain.equals("ai.onnx") ? "" : domain, List.copyOf(inputs), List.copyOf(outputs),
        Collections.unmodifiableMap(attrs), offset);
  }

  private static Attribute parseAttribute(ProtoReader r, String node) throws ModelFormatException {
    int at = r.position();
    String name = "";
    int type = 0;
    int inferred = 0;
    float f = 0;
    long i = 0;
    String s = null;
    Tensor t = null;
    Repeated.Floats floats = new Repeated.Floats();
    Repeated.Longs ints = new Repeated.Longs();
    List<String> strings = new ArrayList<>();
    String msg = node + " AttributeProto";
    while (r.hasMore()) {
      int tag = r.readTag(msg);
      switch (tag >>> 3) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".name");
          name = r.readString(msg + ".name");
          msg = node + " attribute '" + name + "'";
        }
        case 20 -> {
          r.expect(tag, ProtoReader.VARINT, msg + ".type");
          type = r.readInt32(msg + ".type");
        }
        case 2 -> {
          r.expect(tag, ProtoReader.I32, msg + ".f");
          f = Float.intBitsToFloat(r.readFixed32(msg + ".f"));
          inferred = A_FLOAT;
        }
        case 3 -> {
          r.expect(tag, ProtoReader.VARINT, msg + ".i");
          i = r.readVarint(msg + ".i");
          inferred = A_INT;
        }
        case 4 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".s");
          s = r.readString(msg + ".s");
          inferred = A_STRING;
        }
        case 5 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".t");
          t = TensorProtos.decode(r.readMessage(msg + ".t"), msg).tensor();
          inferred = A_TENSOR;
        }
        case 6 -> {
          // Subgraphs (If, Loop, Scan) are parsed only so that nesting is bounded and errors are exact;
          // no supported op takes one.
          r.expect(tag, ProtoReader.LEN, msg + ".g");
          parseGraph(r.readMessage(msg + ".g"), msg);
          inferred = A_GRAPH;
        }
        case 7 -> {
          Repeated.readFixed32Floats(r, tag, floats, msg + ".floats");
          inferred = A_FLOATS;
        }
        case 8 -> {
          Repeated.readVarints(r, tag, ints, msg + ".ints");
          inferred = A_INTS;
        }
        case 9 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".strings");
          strings.add(r.readString(msg + ".strings"));
          inferred = A_STRINGS;
        }
        case 11 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".graphs");
          parseGraph(r.readMessage(msg + ".graphs"), msg);
          inferred = 10;
        }
        default -> r.skip(tag, msg);
      }
    }
    if (name.isEmpty()) {
      throw r.error(msg + ": attribute without a name", at);
    }
    // IR versions before 2 had no type field; the value field that is set says it.
    return new Attribute(name, type != 0 ? type : inferred, f, i, s, t, floats.toArray(), ints.toArray(),
        List.copyOf(strings));
  }

  private static ValueInfo parseValueInfo(ProtoReader r) throws ModelFormatException {
    String name = "";
    int elemType = 0;
    List<String> dims = null;
    while (r.hasMore()) {
      int tag = r.readTag("ValueInfoProto");
      switch (tag >>> 3) {
        case 1 -> {
          r.expect(tag, ProtoReader.LEN, "ValueInfoProto.name");
          name = r.readString("ValueInfoProto.name");
        }
        case 2 -> {
          r.expect(tag, ProtoReader.LEN, "ValueInfoProto.type");
          ProtoReader type = r.readMessage("ValueInfoProto.type");
          while (type.hasMore()) {
            int t = type.readTag("TypeProto");
            if (t >>> 3 == 1) {
              type.expect(t, ProtoReader.LEN, "TypeProto.tensor_type");
              ProtoReader tensor = type.readMessage("TypeProto.tensor_type");
              while (tensor.hasMore()) {
                int tt = tensor.readTag("TypeProto.Tensor");
                if (tt >>> 3 == 1) {
                  tensor.expect(tt, ProtoReader.VARINT, "TypeProto.Tensor.elem_type");
                  elemType = tensor.readInt32("TypeProto.Tensor.elem_type");
                } else if (tt >>> 3 == 2) {
                  tensor.expect(tt, ProtoReader.LEN, "TypeProto.Tensor.shape");
                  dims = parseShape(tensor.readMessage("TypeProto.Tensor.shape"));
                } else {
                  tensor.skip(tt, "TypeProto.Tensor");
                }
              }
            } else {
              type.skip(t, "TypeProto");
            }
          }
        }
        default -> r.skip(tag, "ValueInfoProto");
      }
    }
    return new ValueInfo(name, elemType, dims == null ? null : List.copyOf(dims));
  }

  /** TensorShapeProto: each dim as its value, its symbolic name, or "?". */
  private static List<String> parseShape(ProtoReader r) throws ModelFormatException {
    List<String> dims = new ArrayList<>();
    while (r.hasMore()) {
      int tag = r.readTag("TensorShapeProto");
      if (tag >>> 3 != 1) {
        r.skip(tag, "TensorShapeProto");
        continue;
      }
      r.expect(tag, ProtoReader.LEN, "TensorShapeProto.dim");
      ProtoReader d = r.readMessage("TensorShapeProto.dim");
      String dim = "?";
      while (d.hasMore()) {
        int t = d.readTag("Dimension");
        if (t >>> 3 == 1) {
          d.expect(t, ProtoReader.VARINT, "Dimension.dim_value");
          dim = Long.toString(d.readVarint("Dimension.dim_value"));
        } else if (t >>> 3 == 2) {
          d.expect(t, ProtoReader.LEN, "Dimension.dim_param");
          String p = d.readString("Dimension.dim_param");
          dim = p.isEmpty() ? "?" : p;
        } else {
          d.skip(t, "Dimension");
        }
      }
      dims.add(dim);
      if (dims.size() > Limits.MAX_RANK) {
        throw r.error("TensorShapeProto: more than " + Limits.MAX_RANK + " dimensions", r.position());
      }
    }
    return dims;
  }
}
