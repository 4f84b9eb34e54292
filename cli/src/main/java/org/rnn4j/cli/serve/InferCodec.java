package org.rnn4j.cli.serve;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rnn4j.ModelSpec;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.onnx.Tensor;
import org.rnn4j.serving.SequenceResult;

/**
 * Open Inference Protocol v2 tensors ⇄ rnn4j sequences. Inputs: {@code x} FP32 [T, I] (one
 * sequence) or [T, B, I]; optional {@code lengths} INT32/INT64 [B], {@code h0} FP32 [L·D, Hout]
 * or [L·D, B, Hout], {@code c0} (LSTM) [L·D, H] or [L·D, B, H]. Outputs {@code y}, {@code h_n},
 * {@code c_n}, shaped like the inputs. Every problem is an {@link HttpError} 400 naming it.
 *
 * <p>Binary tensor data extension (as KServe/Triton and tritonclient use it): when the request
 * had an {@code Inference-Header-Content-Length} header, the body is that many bytes of JSON and
 * then raw little-endian tensor bytes; an input with {@code "parameters": {"binary_data_size": N}}
 * (and no {@code data}) takes the next N bytes, in the order of the inputs. Outputs are sent the
 * same way when the request says {@code "parameters": {"binary_data_output": true}} or an output
 * asks for {@code "parameters": {"binary_data": true}}.
 */
final class InferCodec {
  private InferCodec() {
  }

  /** A validated request: B sequences, each with its own length and optional initial state. */
  record Parsed(Object id, boolean batched, int steps, int batch, float[][] xs, int[] lengths, float[][] h0s,
      float[][] c0s, Set<String> outputs, Set<String> binaryOutputs) {
  }

  /** A response: its JSON part, and the raw data that follows it (binary outputs, float[] or long[], in order). */
  record Response(Map<String, Object> json, List<Object> binary) {
  }

  /** A validated stream request: x [K, I] as K consecutive steps, flat. */
  record StreamParsed(Object id, float[] x, int steps, Set<String> binaryOutputs) {
  }

  /** A validated request for an ONNX graph: inputs by graph name, the outputs wanted and which of them as binary. */
  record OnnxParsed(Object id, Map<String, Tensor> inputs, Set<String> outputs, Set<String> binaryOutputs) {
  }

  /** A tensor as the request gave it: data (JSON numbers) or floats (binary FP32). */
  private record Input(String name, String datatype, long[] shape, double[] data, float[] floats) {
    String shapeString() {
      return Arrays.toString(shape);
    }
  }

  static List<String> outputNames(ModelSpec spec) {
    return spec.hasCellState() ? List.of("y", "h_n", "c_n") : List.of("y", "h_n");
  }

  static Parsed parse(Object json, ModelSpec spec) throws HttpError {
    return parse(json, spec, null);
  }

  /**
   * Parses a request; binary is the part of the body after the JSON header (null without the
   * {@code Inference-Header-Content-Length} header), its position the start of the tensor bytes.
   */
  /** The request object, its fields checked; its id a string or absent. */
  private static Map<?, ?> requestObject(Object json) throws HttpError {
    if (!(json instanceof Map<?, ?> body)) {
      throw HttpError.badRequest("request body must be a JSON object");
    }
    for (Object key : body.keySet()) {
      if (!Set.of("id", "inputs", "outputs", "parameters").contains(key)) {
        throw HttpError.badRequest("unknown request field \"" + key + "\" (expected id, inputs, outputs, parameters)");
      }
    }
    Object id = body.get("id");
    if (id != null && !(id instanceof String)) {
      throw HttpError.badRequest("\"id\" must be a string");
    }
    return body;
  }

  /** The request's parameters.binary_data_output (false when absent). */
  private static boolean binaryOutputByDefault(Map<?, ?> body) throws HttpError {
    Object params = body.get("parameters");
    if (params == null) {
      return false;
    }
    if (!(params instanceof Map<?, ?> pm)) {
      throw HttpError.badRequest("\"parameters\" must be an object");
    }
    Object bo = pm.get("binary_data_output");
    if (bo != null && !(bo instanceof Boolean)) {
      throw HttpError.badRequest("parameters.binary_data_output must be true or false");
    }
    return Boolean.TRUE.equals(bo);
  }

  static Parsed parse(Object json, ModelSpec spec, ByteBuffer binary) throws HttpError {
    Map<?, ?> body = requestObject(json);
    Object id = body.get("id");
    boolean binaryOut = binaryOutputByDefault(body);
    ByteBuffer bin = binary == null ? null : binary.slice().order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Input> inputs = new LinkedHashMap<>();
    for (Object o : list(body.get("inputs"), "\"inputs\"")) {
      Input in = input(o, bin);
      if (!Set.of("x", "lengths", "h0", "c0").contains(in.name)) {
        throw HttpError.badRequest("unknown input \"" + in.name + "\" (expected x, and optionally lengths, h0, c0)");
      }
      if (inputs.put(in.name, in) != null) {
        throw HttpError.badRequest("input \"" + in.name + "\" given twice");
      }
    }
    Input x = inputs.get("x");
    if (x == null) {
      throw HttpError.badRequest("missing input \"x\" (FP32 [T, " + spec.inputSize() + "] or [T, B, "
          + spec.inputSize() + "])");
    }
    requireType(x, "FP32");
    boolean batched = x.shape.length == 3;
    if (x.shape.length != 2 && !batched) {
      throw HttpError.badRequest("x: shape must be [T, I] or [T, B, I], got " + x.shapeString());
    }
    int steps = dim(x, 0);
    int batch = batched ? dim(x, 1) : 1;
    int features = dim(x, x.shape.length - 1);
    if (features != spec.inputSize()) {
      throw HttpError.badRequest("x: shape " + x.shapeString() + " has " + features + " features, the model expects "
          + spec.inputSize());
    }
    if (steps < 1 || batch < 1) {
      throw HttpError.badRequest("x: shape " + x.shapeString() + " is empty");
    }
    int[] lengths = new int[batch];
    Arrays.fill(lengths, steps);
    Input len = inputs.get("lengths");
    if (len != null) {
      if (!len.datatype.equals("INT64") && !len.datatype.equals("INT32")) {
        throw HttpError.badRequest("lengths: datatype must be INT64 or INT32, got " + len.datatype);
      }
      if (len.shape.length != 1 || len.shape[0] != batch) {
        throw HttpError.badRequest("lengths: shape must be [" + batch + "], got " + len.shapeString());
      }
      for (int b = 0; b < batch; b++) {
        double v = len.data[b];
        if (v != Math.rint(v) || v < 1 || v > steps) {
          throw HttpError.badRequest("lengths[" + b + "] = " + Json.write(v) + " is out of range (integers 1.." + steps
              + ")");
        }
        lengths[b] = (int) v;
      }
    }
    float[][] xs = new float[batch][];
    float[] xf = floats(x);
    int in = spec.inputSize();
    for (int b = 0; b < batch; b++) {
      xs[b] = new float[lengths[b] * in];
      for (int t = 0; t < lengths[b]; t++) {
        System.arraycopy(xf, (t * batch + b) * in, xs[b], t * in, in);
      }
    }
    int ld = spec.directionCount();
    float[][] h0s = state(inputs.get("h0"), batched, ld, batch, spec.outputWidth());
    Input c0 = inputs.get("c0");
    if (c0 != null && !spec.hasCellState()) {
      throw HttpError.badRequest("c0 given, but a " + spec.cell().id() + " model has no cell state");
    }
    float[][] c0s = state(c0, batched, ld, batch, spec.hiddenSize());
    if (bin != null && bin.hasRemaining()) {
      throw HttpError.badRequest("binary data: " + bin.remaining() + " bytes after the JSON header are not claimed "
          + "by any input's binary_data_size");
    }
    Set<String> binaryOutputs = new LinkedHashSet<>();
    Set<String> wanted = outputs(body.get("outputs"), outputNames(spec), binaryOut, binaryOutputs);
    return new Parsed(id, batched, steps, batch, xs, lengths, h0s, c0s, wanted, binaryOutputs);
  }

  /**
   * A request for an ONNX graph: inputs named as the graph's, FP32 for float inputs, INT64 or
   * INT32 for integer ones (JSON or binary data); shapes are checked by the graph when it runs.
   */
  static OnnxParsed parseOnnx(Object json, OnnxModel model, ByteBuffer binary) throws HttpError {
    Map<?, ?> body = requestObject(json);
    boolean binaryOut = binaryOutputByDefault(body);
    ByteBuffer bin = binary == null ? null : binary.slice().order(ByteOrder.LITTLE_ENDIAN);
    Map<String, OnnxModel.Port> ports = new LinkedHashMap<>();
    for (OnnxModel.Port p : model.inputs()) {
      ports.put(p.name(), p);
    }
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (Object o : list(body.get("inputs"), "\"inputs\"")) {
      Input in = input(o, bin);
      OnnxModel.Port port = ports.get(in.name);
      if (port == null) {
        throw HttpError.badRequest("unknown input \"" + in.name + "\" (the graph's inputs are "
            + String.join(", ", ports.keySet()) + ")");
      }
      if (inputs.containsKey(in.name)) {
        throw HttpError.badRequest("input \"" + in.name + "\" given twice");
      }
      String want = v2Type(port.dataType());
      boolean integer = in.datatype.equals("INT64") || in.datatype.equals("INT32");
      if (!in.datatype.equals("FP32") && !integer) {
        throw HttpError.badRequest(in.name + ": datatype must be FP32, INT64 or INT32, got " + in.datatype);
      }
      if (want != null && !(want.equals(in.datatype) || (integer && (want.equals("INT64") || want.equals("INT32"))))) {
        throw HttpError.badRequest(in.name + ": datatype must be " + want + " (the graph declares "
            + port.dataType() + "), got " + in.datatype);
      }
      int[] shape = new int[in.shape.length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = (int) in.shape[i];
      }
      if (integer) {
        long[] l = new long[in.data.length];
        for (int i = 0; i < l.length; i++) {
          if (in.data[i] != Math.rint(in.data[i]) || Math.abs(in.data[i]) > 9.007199254740992E15) {
            throw HttpError.badRequest(in.name + ": data[" + i + "] = " + Json.write(in.data[i]) + " is not an integer");
          }
          l[i] = (long) in.data[i];
        }
        inputs.put(in.name, Tensor.ofLongs(l, shape));
      } else {
        inputs.put(in.name, Tensor.ofFloats(floats(in), shape));
      }
    }
    if (bin != null && bin.hasRemaining()) {
      throw HttpError.badRequest("binary data: " + bin.remaining() + " bytes after the JSON header are not claimed "
          + "by any input's binary_data_size");
    }
    List<String> known = new ArrayList<>();
    for (OnnxModel.Port p : model.outputs()) {
      known.add(p.name());
    }
    Set<String> binaryOutputs = new LinkedHashSet<>();
    Set<String> wanted = outputs(body.get("outputs"), known, binaryOut, binaryOutputs);
    return new OnnxParsed(body.get("id"), inputs, wanted, binaryOutputs);
  }

  /** A stream step request: input x FP32 [K, I] (K steps, in order); output y [K, Hout]. */
  static StreamParsed parseStream(Object json, ModelSpec spec, ByteBuffer binary) throws HttpError {
    Map<?, ?> body = requestObject(json);
    boolean binaryOut = binaryOutputByDefault(body);
    ByteBuffer bin = binary == null ? null : binary.slice().order(ByteOrder.LITTLE_ENDIAN);
    Input x = null;
    for (Object o : list(body.get("inputs"), "\"inputs\"")) {
      Input in = input(o, bin);
      if (!in.name.equals("x")) {
        throw HttpError.badRequest("unknown input \"" + in.name + "\" (a stream takes x [K, " + spec.inputSize()
            + "] only)");
      }
      if (x != null) {
        throw HttpError.badRequest("input \"x\" given twice");
      }
      x = in;
    }
    if (x == null) {
      throw HttpError.badRequest("missing input \"x\" (FP32 [K, " + spec.inputSize() + "]: K steps)");
    }
    requireType(x, "FP32");
    if (x.shape.length != 2 || x.shape[1] != spec.inputSize() || x.shape[0] < 1) {
      throw HttpError.badRequest("x: shape must be [K, " + spec.inputSize() + "] with K ≥ 1 steps, got "
          + x.shapeString());
    }
    if (bin != null && bin.hasRemaining()) {
      throw HttpError.badRequest("binary data: " + bin.remaining() + " bytes after the JSON header are not claimed "
          + "by any input's binary_data_size");
    }
    Set<String> binaryOutputs = new LinkedHashSet<>();
    outputs(body.get("outputs"), List.of("y"), binaryOut, binaryOutputs);
    return new StreamParsed(body.get("id"), floats(x), dim(x, 0), binaryOutputs);
  }

  static Response streamResponse(String model, StreamParsed p, float[] y, int width) {
    List<Object> binary = new ArrayList<>();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model_name", model);
    r.put("model_version", "1");
    if (p.id() != null) {
      r.put("id", p.id());
    }
    r.put("outputs", List.of(tensor("y", "FP32", new int[] {p.steps(), width}, y, p.binaryOutputs(), binary)));
    return new Response(r, binary);
  }

  /** The protocol's datatype for an ONNX element type, or null when it has none here. */
  static String v2Type(String onnxType) {
    return switch (onnxType) {
      case "FLOAT" -> "FP32";
      case "INT64" -> "INT64";
      case "INT32" -> "INT32";
      default -> null;
    };
  }

  /** The graph's outputs the request asked for, as protocol tensors. */
  static Response onnxResponse(String model, OnnxParsed p, Map<String, Tensor> results) {
    List<Object> outs = new ArrayList<>();
    List<Object> binary = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : results.entrySet()) {
      if (!p.outputs().contains(e.getKey())) {
        continue;
      }
      Tensor t = e.getValue();
      outs.add(tensor(e.getKey(), t.isFloat() ? "FP32" : "INT64", t.shape(), t.isFloat() ? t.floats() : t.longs(),
          p.binaryOutputs(), binary));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model_name", model);
    r.put("model_version", "1");
    if (p.id() != null) {
      r.put("id", p.id());
    }
    r.put("outputs", outs);
    return new Response(r, binary);
  }

  private static Set<String> outputs(Object o, List<String> known, boolean binaryByDefault, Set<String> binary)
      throws HttpError {
    if (o == null) {
      if (binaryByDefault) {
        binary.addAll(known);
      }
      return new LinkedHashSet<>(known);
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (Object e : list(o, "\"outputs\"")) {
      if (!(e instanceof Map<?, ?> m) || !(m.get("name") instanceof String name)) {
        throw HttpError.badRequest("each of \"outputs\" must be an object with a string \"name\"");
      }
      if (!known.contains(name)) {
        throw HttpError.badRequest("unknown output \"" + name + "\" (this model has " + String.join(", ", known) + ")");
      }
      wanted.add(name);
      boolean asBinary = binaryByDefault;
      Object params = m.get("parameters");
      if (params != null) {
        if (!(params instanceof Map<?, ?> pm)) {
          throw HttpError.badRequest("output " + name + ": \"parameters\" must be an object");
        }
        Object bd = pm.get("binary_data");
        if (bd != null && !(bd instanceof Boolean)) {
          throw HttpError.badRequest("output " + name + ": parameters.binary_data must be true or false");
        }
        if (bd != null) {
          asBinary = (Boolean) bd;
        }
      }
      if (asBinary) {
        binary.add(name);
      }
    }
    return wanted;
  }

  private static float[][] state(Input s, boolean batched, int ld, int batch, int width) throws HttpError {
    if (s == null) {
      return new float[batch][];
    }
    requireType(s, "FP32");
    long[] expected = batched ? new long[] {ld, batch, width} : new long[] {ld, width};
    if (!Arrays.equals(s.shape, expected)) {
      throw HttpError.badRequest(s.name + ": shape must be " + Arrays.toString(expected) + ", got " + s.shapeString());
    }
    float[] all = floats(s);
    float[][] rows = new float[batch][ld * width];
    for (int b = 0; b < batch; b++) {
      for (int slot = 0; slot < ld; slot++) {
        System.arraycopy(all, (slot * batch + b) * width, rows[b], slot * width, width);
      }
    }
    return rows;
  }

  private static Input input(Object o, ByteBuffer bin) throws HttpError {
    if (!(o instanceof Map<?, ?> m)) {
      throw HttpError.badRequest("each of \"inputs\" must be an object");
    }
    if (!(m.get("name") instanceof String name)) {
      throw HttpError.badRequest("an input has no string \"name\"");
    }
    if (!(m.get("datatype") instanceof String type)) {
      throw HttpError.badRequest(name + ": missing string \"datatype\"");
    }
    if (!(m.get("shape") instanceof Json.Numbers shapeNums)) {
      throw HttpError.badRequest(name + ": \"shape\" must be an array of integers");
    }
    long[] shape = new long[shapeNums.length()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      double d = shapeNums.values()[i];
      if (d != Math.rint(d) || d < 0 || d > Integer.MAX_VALUE) {
        throw HttpError.badRequest(name + ": shape entries must be non-negative integers, got " + d);
      }
      shape[i] = (long) d;
      count = Math.min(count * shape[i], Integer.MAX_VALUE + 1L);
    }
    Object data = m.get("data");
    Long binarySize = binaryDataSize(name, m.get("parameters"));
    if (binarySize != null) {
      if (data != null) {
        throw HttpError.badRequest(name + ": has both \"data\" and parameters.binary_data_size; give one");
      }
      return binaryInput(name, type, shape, count, binarySize, bin);
    }
    if (data == null) {
      throw HttpError.badRequest(name + ": missing \"data\"");
    }
    double[] flat = flatten(name, data);
    if (flat.length != count) {
      throw HttpError.badRequest(name + ": shape " + Arrays.toString(shape) + " needs " + count + " elements, \"data\" has "
          + flat.length);
    }
    return new Input(name, type, shape, flat, null);
  }

  private static Long binaryDataSize(String name, Object params) throws HttpError {
    if (params == null) {
      return null;
    }
    if (!(params instanceof Map<?, ?> pm)) {
      throw HttpError.badRequest(name + ": \"parameters\" must be an object");
    }
    Object v = pm.get("binary_data_size");
    if (v == null) {
      return null;
    }
    if (!(v instanceof Double d) || d != Math.rint(d) || d < 0 || d > Integer.MAX_VALUE) {
      throw HttpError.badRequest(name + ": parameters.binary_data_size must be a non-negative integer, got "
          + Json.write(v));
    }
    return d.longValue();
  }

  private static Input binaryInput(String name, String type, long[] shape, long count, long size, ByteBuffer bin)
      throws HttpError {
    if (bin == null) {
      throw HttpError.badRequest(name + ": parameters.binary_data_size given, but the request has no "
          + "Inference-Header-Content-Length header (binary tensor data extension)");
    }
    int elem = switch (type) {
      case "FP32", "INT32" -> 4;
      case "INT64" -> 8;
      default -> throw HttpError.badRequest(name + ": binary data of datatype " + type + " is not supported "
          + "(FP32, INT32, INT64)");
    };
    if (size != count * elem) {
      throw HttpError.badRequest(name + ": binary_data_size " + size + " does not match shape "
          + Arrays.toString(shape) + " of " + type + " (" + count + " × " + elem + " = " + count * elem + " bytes)");
    }
    if (size > bin.remaining()) {
      throw HttpError.badRequest(name + ": binary_data_size " + size + " at byte " + bin.position() + " of the binary "
          + "data runs past its end (" + (bin.position() + bin.remaining()) + " bytes)");
    }
    int n = (int) count;
    if (type.equals("FP32")) {
      float[] f = new float[n];
      bin.asFloatBuffer().get(f);
      bin.position(bin.position() + n * 4);
      return new Input(name, type, shape, null, f);
    }
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = elem == 4 ? bin.getInt() : bin.getLong();
    }
    return new Input(name, type, shape, d, null);
  }

  /** The data as given: flat (row-major), or nested arrays as some clients send. */
  private static double[] flatten(String name, Object data) throws HttpError {
    if (data instanceof Json.Numbers n) {
      return n.length() == n.values().length ? n.values() : Arrays.copyOf(n.values(), n.length());
    }
    if (!(data instanceof List<?>)) {
      throw HttpError.badRequest(name + ": \"data\" must be an array of numbers");
    }
    List<double[]> parts = new ArrayList<>();
    long total = collect(name, data, parts, 0);
    double[] out = new double[(int) total];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private static long collect(String name, Object o, List<double[]> parts, long total) throws HttpError {
    if (o instanceof Json.Numbers n) {
      parts.add(Arrays.copyOf(n.values(), n.length()));
      return total + n.length();
    }
    if (o instanceof Double d) {
      parts.add(new double[] {d});
      return total + 1;
    }
    if (o instanceof List<?> l) {
      for (Object e : l) {
        total = collect(name, e, parts, total);
      }
      return total;
    }
    throw HttpError.badRequest(name + ": \"data\" must hold numbers only, found " + (o instanceof String ? "a string"
        : o == Json.NULL ? "null" : o.getClass().getSimpleName()));
  }

  private static void requireType(Input in, String type) throws HttpError {
    if (!in.datatype.equals(type)) {
      throw HttpError.badRequest(in.name + ": datatype must be " + type + ", got " + in.datatype);
    }
  }

  private static float[] floats(Input in) throws HttpError {
    if (in.floats != null) {
      for (int i = 0; i < in.floats.length; i++) {
        if (!Float.isFinite(in.floats[i])) {
          throw HttpError.badRequest(in.name + ": element " + i + " = " + in.floats[i] + " is not a finite FP32 value");
        }
      }
      return in.floats;
    }
    float[] f = new float[in.data.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) in.data[i];
      if (!Float.isFinite(f[i])) {
        throw HttpError.badRequest(in.name + ": data[" + i + "] = " + in.data[i] + " is not a finite FP32 value");
      }
    }
    return f;
  }

  private static int dim(Input in, int axis) {
    return (int) in.shape[axis];
  }

  private static List<?> list(Object o, String what) throws HttpError {
    if (o instanceof List<?> l) {
      return l;
    }
    if (o instanceof Json.Numbers n && n.length() == 0) {
      return List.of();
    }
    throw HttpError.badRequest(what + " must be an array of objects");
  }

  // ------------------------------------------------------------------ response

  static Response response(String model, ModelSpec spec, Parsed p, SequenceResult[] rs) {
    int batch = p.batch();
    int width = spec.directions() * spec.outputWidth();
    int ld = spec.directionCount();
    List<Object> outs = new ArrayList<>();
    List<Object> binary = new ArrayList<>();
    if (p.outputs().contains("y")) {
      float[] y = new float[p.steps() * batch * width];
      for (int b = 0; b < batch; b++) {
        for (int t = 0; t < rs[b].steps(); t++) {
          System.arraycopy(rs[b].output(), t * width, y, (t * batch + b) * width, width);
        }
      }
      outs.add(tensor("y", p.batched() ? new int[] {p.steps(), batch, width} : new int[] {p.steps(), width}, y, p,
          binary));
    }
    if (p.outputs().contains("h_n")) {
      outs.add(stateTensor("h_n", p, ld, spec.outputWidth(), rs, true, binary));
    }
    if (p.outputs().contains("c_n")) {
      outs.add(stateTensor("c_n", p, ld, spec.hiddenSize(), rs, false, binary));
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("model_name", model);
    r.put("model_version", "1");
    if (p.id() != null) {
      r.put("id", p.id());
    }
    r.put("outputs", outs);
    return new Response(r, binary);
  }

  /** The binary outputs (float[] as FP32, long[] as INT64) as little-endian bytes, in order. */
  static byte[] bytes(List<Object> binary) {
    long n = 0;
    for (Object o : binary) {
      n += o instanceof float[] f ? 4L * f.length : 8L * ((long[]) o).length;
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(n)).order(ByteOrder.LITTLE_ENDIAN);
    for (Object o : binary) {
      if (o instanceof float[] f) {
        b.asFloatBuffer().put(f);
        b.position(b.position() + 4 * f.length);
      } else {
        long[] l = (long[]) o;
        b.asLongBuffer().put(l);
        b.position(b.position() + 8 * l.length);
      }
    }
    return b.array();
  }

  private static Map<String, Object> stateTensor(String name, Parsed p, int ld, int w, SequenceResult[] rs,
      boolean hidden, List<Object> binary) {
    int batch = p.batch();
    float[] all = new float[ld * batch * w];
    for (int b = 0; b < batch; b++) {
      float[] s = hidden ? rs[b].hN() : rs[b].cN();
      for (int slot = 0; slot < ld; slot++) {
        System.arraycopy(s, slot * w, all, (slot * batch + b) * w, w);
      }
    }
    return tensor(name, p.batched() ? new int[] {ld, batch, w} : new int[] {ld, w}, all, p, binary);
  }

  private static Map<String, Object> tensor(String name, int[] shape, float[] data, Parsed p, List<Object> binary) {
    return tensor(name, "FP32", shape, data, p.binaryOutputs(), binary);
  }

  /** An output tensor; data (float[] or long[]) inline, or appended to binary when asked for. */
  private static Map<String, Object> tensor(String name, String datatype, int[] shape, Object data,
      Set<String> binaryOutputs, List<Object> binary) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("datatype", datatype);
    t.put("shape", shape);
    if (binaryOutputs.contains(name)) {
      long bytes = data instanceof float[] f ? 4L * f.length : 8L * ((long[]) data).length;
      t.put("parameters", Map.of("binary_data_size", bytes));
      binary.add(data);
    } else {
      t.put("data", data);
    }
    return t;
  }
}
