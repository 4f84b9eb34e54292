package org.rnn4j.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.rnn4j.Model;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.onnx.OnnxProto.Node;
import org.rnn4j.onnx.OnnxProto.ValueInfo;
import org.rnn4j.spi.Backend;

/**
 * An ONNX model whose graph rnn4j can run: LSTM / GRU / RNN nodes on an rnn4j backend, plus the
 * glue ops exporters put around them, interpreted in float32 / int64.
 *
 * <p>At load the file is parsed and validated (see {@code docs/ONNX.md} for what is supported),
 * the nodes are ordered, everything computable from initializers alone is computed, and each
 * recurrent node whose weights are initializers is prepared once on the backend. Nodes whose
 * weights arrive as graph inputs are prepared on every {@link #run}.
 *
 * <p>Thread-safe after loading: {@link #run} shares only immutable state.
 *
 * <pre>{@code
 * try (OnnxModel m = OnnxModel.load(Path.of("lstm.onnx"), backend)) {
 *   Map<String, Tensor> out = m.run(Map.of("X", Tensor.ofFloats(x, steps, batch, features)));
 * }
 * }</pre>
 */
public final class OnnxModel implements AutoCloseable {

  /**
   * A graph input or output as the file declares it.
   *
   * @param dataType the ONNX element type, e.g. FLOAT, INT32 ("UNDEFINED" when not declared)
   * @param shape each dimension as a number, a symbolic name, or "?"; null when no shape is declared
   */
  public record Port(String name, String dataType, List<String> shape) {
    @Override
    public String toString() {
      return name + " " + dataType + (shape == null ? "[?]" : shape.toString());
    }
  }

  /** A node that runs at {@link #run} time, with what was prepared for it at load. */
  private record Step(Node node, GlueOps.Kernel kernel, RnnNode rnn, Model prepared) {
  }

  private final String file;
  private final OnnxProto.Model proto;
  private final Backend backend;
  private final long opset;
  private final List<Node> ordered;
  private final List<Port> inputs = new ArrayList<>();
  private final List<Port> outputs = new ArrayList<>();
  private final Map<String, ValueInfo> inputInfo = new HashMap<>();
  private final Map<String, Tensor> constants = new HashMap<>();
  private final List<Step> steps = new ArrayList<>();
  private final List<Model> models = new ArrayList<>();
  private volatile boolean closed;

  private OnnxModel(String file, OnnxProto.Model proto, Backend backend) throws ModelFormatException {
    this.file = file;
    this.proto = proto;
    this.backend = backend;
    this.opset = proto.defaultOpset();
    if (opset < 1) {
      throw new ModelFormatException(file + ": the model imports no opset of the default ONNX domain");
    }
    this.ordered = GraphPlan.order(proto.graph(), file);
    for (TensorProtos.Decoded t : proto.graph().initializers()) {
      constants.put(t.name(), t.tensor());
    }
    for (ValueInfo v : proto.graph().inputs()) {
      // Inputs that an initializer also defines are weights with a default; rnn4j uses the initializer.
      if (!constants.containsKey(v.name())) {
        inputs.add(port(v));
        inputInfo.put(v.name(), v);
      }
    }
    for (ValueInfo v : proto.graph().outputs()) {
      outputs.add(port(v));
    }
    try {
      prepare();
    } catch (RuntimeException | ModelFormatException e) {
      close();
      throw e;
    }
  }

  private static Port port(ValueInfo v) {
    return new Port(v.name(), TensorProtos.typeName(v.elemType()), v.dims());
  }

  /** Loads a model on the default backend. */
  public static OnnxModel load(Path path) throws IOException {
    return load(path, BackendRegistry.getDefault().defaultBackend());
  }

  /**
   * Loads a model on {@code backend}.
   *
   * @throws ModelFormatException for a malformed file or a graph rnn4j cannot run; the message
   *     names the node, tensor or byte offset
   */
  public static OnnxModel load(Path path, Backend backend) throws IOException {
    long size = Files.size(path);
    if (size > Limits.MAX_FILE_BYTES) {
      throw new ModelFormatException(path + ": " + size + " bytes is more than rnn4j reads into memory");
    }
    byte[] bytes = Files.readAllBytes(path);
    return new OnnxModel(path.toString(), OnnxProto.parseModel(bytes, path.toString()), backend);
  }

  /** Parses a model from bytes ({@code source} names it in errors). */
  public static OnnxModel load(byte[] bytes, String source, Backend backend) throws ModelFormatException {
    return new OnnxModel(source, OnnxProto.parseModel(bytes, source), backend);
  }

  /**
   * Whether {@code path} is an ONNX file rather than safetensors: by its name (.onnx) or, failing
   * that, by its first bytes (a ModelProto starts with field 1, ir_version; safetensors with an
   * 8-byte header length followed by '{').
   */
  public static boolean looksLikeOnnx(Path path) throws IOException {
    if (path.getFileName() != null && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      return true;
    }
    byte[] head = new byte[9];
    int n;
    try (InputStream in = Files.newInputStream(path)) {
      n = in.readNBytes(head, 0, head.length);
    }
    return n == head.length && head[0] == 0x08 && head[8] != '{';
  }

  /** Reads one serialized TensorProto (an ONNX test-data {@code .pb} file). */
  public static Tensor readTensorProto(Path path) throws IOException {
    long size = Files.size(path);
    if (size > Limits.MAX_FILE_BYTES) {
      throw new ModelFormatException(path + ": " + size + " bytes is more than rnn4j reads into memory");
    }
    return TensorProtos.decode(new ProtoReader(Files.readAllBytes(path), path.toString()), "tensor").tensor();
  }

  // ------------------------------------------------------------------ load-time preparation

  /** Folds what initializers determine and prepares the recurrent nodes whose weights are known. */
  private void prepare() throws ModelFormatException {
    for (Node n : ordered) {
      try {
        if (RnnNode.OPS.contains(n.opType())) {
          RnnNode rnn = RnnNode.compile(n);
          Model model = null;
          if (isConstant(n.input(RnnNode.W)) && isConstant(n.input(RnnNode.R)) && isConstant(n.input(RnnNode.B))
              && isConstant(n.input(RnnNode.P))) {
            model = Model.of(rnn.weights(constants.get(n.input(RnnNode.W)), constants.get(n.input(RnnNode.R)),
                constant(n.input(RnnNode.B)), constant(n.input(RnnNode.P))), backend);
            models.add(model);
          }
          steps.add(new Step(n, null, rnn, model));
          continue;
        }
        GlueOps.Kernel k = GlueOps.compile(n, opset);
        boolean foldable = true;
        for (String in : n.inputs()) {
          foldable &= in.isEmpty() || constants.containsKey(in);
        }
        if (foldable) {
          store(n, k.apply(inputsOf(n, constants)));
        } else {
          steps.add(new Step(n, k, null, null));
        }
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(file + ": " + n.label() + ": " + e.getMessage(), e);
      }
    }
  }

  /** An absent optional input counts as known. */
  private boolean isConstant(String name) {
    return name.isEmpty() || constants.containsKey(name);
  }

  private Tensor constant(String name) {
    return name.isEmpty() ? null : constants.get(name);
  }

  private void store(Node n, Tensor[] results) {
    for (int i = 0; i < n.outputs().size(); i++) {
      String out = n.outputs().get(i);
      if (out.isEmpty()) {
        continue;
      }
      if (i >= results.length || results[i] == null) {
        throw new IllegalArgumentException("output " + i + " ('" + out + "') is not produced by this op");
      }
      constants.put(out, results[i]);
    }
  }

  private static Tensor[] inputsOf(Node n, Map<String, Tensor> values) {
    Tensor[] in = new Tensor[n.inputs().size()];
    for (int i = 0; i < in.length; i++) {
      String name = n.inputs().get(i);
      in[i] = name.isEmpty() ? null : values.get(name);
    }
    return in;
  }

  // ------------------------------------------------------------------ running

  /** The graph inputs a caller provides (those that are not initializers), in file order. */
  public List<Port> inputs() {
    return List.copyOf(inputs);
  }

  /** The graph outputs, in file order. */
  public List<Port> outputs() {
    return List.copyOf(outputs);
  }

  public Backend backend() {
    return backend;
  }

  /** The default-domain opset the model imports. */
  public long opset() {
    return opset;
  }

  /**
   * Runs the graph. Every input is named as in {@link #inputs()}; an input may be left out when
   * only optional recurrent inputs (B, sequence_lens, initial_h, initial_c, P) read it.
   *
   * @return every graph output, by name, in {@link #outputs()} order
   * @throws IllegalArgumentException for unknown, missing or mis-shaped inputs, naming them
   */
  public Map<String, Tensor> run(Map<String, Tensor> given) {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
    Map<String, Tensor> values = new HashMap<>(constants);
    for (Map.Entry<String, Tensor> e : given.entrySet()) {
      ValueInfo info = inputInfo.get(e.getKey());
      if (info == null) {
        throw new IllegalArgumentException("unknown input '" + e.getKey() + "'; the model's inputs are " + inputs);
      }
      check(info, e.getValue());
      values.put(e.getKey(), e.getValue());
    }
    Set<String> missing = new HashSet<>(inputInfo.keySet());
    missing.removeAll(given.keySet());
    for (Step s : steps) {
      Tensor[] in = inputsOf(s.node(), values);
      try {
        Tensor[] out = s.rnn() != null ? runRnn(s, in) : s.kernel().apply(in);
        for (int i = 0; i < s.node().outputs().size(); i++) {
          String name = s.node().outputs().get(i);
          if (!name.isEmpty() && i < out.length && out[i] != null) {
            values.put(name, out[i]);
          }
        }
      } catch (IllegalArgumentException e) {
        StringBuilder absent = new StringBuilder();
        for (String name : s.node().inputs()) {
          if (missing.contains(name)) {
            absent.append(absent.isEmpty() ? "" : ", ").append('\'').append(name).append('\'');
          }
        }
        throw new IllegalArgumentException(s.node().label() + ": " + e.getMessage()
            + (absent.isEmpty() ? "" : " (graph inputs not given: " + absent + ")"), e);
      }
    }
    Map<String, Tensor> result = new LinkedHashMap<>();
    for (Port p : outputs) {
      Tensor t = values.get(p.name());
      if (t == null) {
        throw new IllegalArgumentException("output '" + p.name() + "' was not computed (its producer's input "
            + "was not given?)");
      }
      result.put(p.name(), t);
    }
    return result;
  }

  private Tensor[] runRnn(Step s, Tensor[] in) {
    RnnNode rnn = s.rnn();
    Tensor x = GlueOps.need(in, RnnNode.X, "X");
    Model model = s.prepared();
    boolean own = model == null;
    if (own) {
      model = Model.of(rnn.weights(GlueOps.need(in, RnnNode.W, "W"), GlueOps.need(in, RnnNode.R, "R"),
          at(in, RnnNode.B), at(in, RnnNode.P)), backend);
    }
    try {
      return rnn.run(model, x, at(in, RnnNode.SEQUENCE_LENS), at(in, RnnNode.INITIAL_H), at(in, RnnNode.INITIAL_C));
    } finally {
      if (own) {
        model.close();
      }
    }
  }

  private static Tensor at(Tensor[] in, int i) {
    return i < in.length ? in[i] : null;
  }

  /** A given input against its declaration: element type family, rank and every fixed dimension. */
  private static void check(ValueInfo info, Tensor t) {
    int type = info.elemType();
    if ((TensorProtos.isFloatType(type) && !t.isFloat()) || (TensorProtos.isIntType(type) && t.isFloat())
        || (type != 0 && !TensorProtos.isFloatType(type) && !TensorProtos.isIntType(type))) {
      throw new IllegalArgumentException("input '" + info.name() + "' is declared " + TensorProtos.typeName(type)
          + ", got " + t);
    }
    List<String> dims = info.dims();
    if (dims == null) {
      return;
    }
    boolean ok = dims.size() == t.rank();
    for (int i = 0; ok && i < dims.size(); i++) {
      String d = dims.get(i);
      if (!d.isEmpty() && (Character.isDigit(d.charAt(0)))) {
        ok = Long.parseLong(d) == t.dim(i);
      }
    }
    if (!ok) {
      throw new IllegalArgumentException("input '" + info.name() + "' must have shape " + dims + ", got "
          + t.shapeString());
    }
  }

  // ------------------------------------------------------------------ description

  /** A human-readable summary: inputs, outputs, initializers and nodes with their rnn4j mapping. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append("ONNX model ").append(file).append(": IR version ").append(proto.irVersion()).append(", opset ")
        .append(opset);
    if (!proto.producer().isEmpty()) {
      s.append(", producer '").append(proto.producer()).append('\'');
    }
    s.append('\n');
    s.append("Inputs:\n");
    for (Port p : inputs) {
      s.append("  ").append(p).append('\n');
    }
    s.append("Outputs:\n");
    for (Port p : outputs) {
      s.append("  ").append(p).append('\n');
    }
    List<TensorProtos.Decoded> inits = proto.graph().initializers();
    long params = 0;
    for (TensorProtos.Decoded t : inits) {
      params += t.tensor().size();
    }
    s.append("Initializers: ").append(inits.size()).append(" (").append(params).append(" values)\n");
    s.append("Nodes (run order):\n");
    Map<Node, Step> byNode = new HashMap<>();
    for (Step st : steps) {
      byNode.put(st.node(), st);
    }
    for (Node n : ordered) {
      s.append("  ").append(n.label()).append(": ").append(n.inputs()).append(" -> ").append(n.outputs());
      Step st = byNode.get(n);
      if (st == null) {
        s.append("  [folded at load]");
      } else if (st.rnn() != null) {
        RnnNode r = st.rnn();
        s.append("\n      direction=").append(r.direction.name().toLowerCase(Locale.ROOT)).append(", layout=")
            .append(r.layout).append(", ");
        s.append(st.prepared() != null ? st.prepared().spec() + " prepared on " + backend.name()
            : "weights from graph inputs, prepared per run");
      }
      s.append('\n');
    }
    return s.toString();
  }

  @Override
  public String toString() {
    return "OnnxModel[" + file + ", " + ordered.size() + " nodes, on " + backend.name() + "]";
  }

  /** Releases the prepared recurrent models. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (Model m : models) {
      m.close();
    }
  }
}
