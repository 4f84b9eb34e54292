package org.rnn4j.onnx;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rnn4j.Activation;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.onnx.OnnxProto.Node;

/**
 * One ONNX LSTM / GRU / RNN node as an rnn4j {@link Model}: its attributes read once, its
 * W/R/B/P mapped to PyTorch parameters, its inputs and outputs converted between ONNX layouts and
 * rnn4j's. See {@code ONNX-RNN-SEMANTICS.md} for the operator semantics followed.
 *
 * <p>direction=reverse runs the node's weights as a forward model over each row's first L steps
 * reversed, and reverses the outputs back: that is exactly what the reverse pass computes, with
 * no second direction to pay for (a bidirectional model with a dummy forward half would double
 * the work and needs weights that do not exist).
 */
final class RnnNode {
  static final int X = 0;
  static final int W = 1;
  static final int R = 2;
  static final int B = 3;
  static final int SEQUENCE_LENS = 4;
  static final int INITIAL_H = 5;
  static final int INITIAL_C = 6;
  static final int P = 7;

  static final java.util.Set<String> OPS = java.util.Set.of("LSTM", "GRU", "RNN");

  enum Direction {
    FORWARD, REVERSE, BIDIRECTIONAL
  }

  final Node node;
  final String op;
  final CellType cell;
  final int gates;
  /** The hidden_size attribute, or 0 when absent (then R's last dimension decides). */
  final int hiddenAttr;
  final Direction direction;
  final int layout;
  final float clip;
  final boolean inputForget;
  final List<List<Activation>> activations;

  private RnnNode(Node n) {
    this.node = n;
    this.op = n.opType();
    int maxInputs = op.equals("LSTM") ? 8 : 6;
    if (n.inputs().size() > maxInputs) {
      throw new IllegalArgumentException(op + " takes at most " + maxInputs + " inputs, got " + n.inputs().size());
    }
    if (n.outputs().size() > (op.equals("LSTM") ? 3 : 2)) {
      throw new IllegalArgumentException(op + " has at most " + (op.equals("LSTM") ? 3 : 2) + " outputs, got "
          + n.outputs().size());
    }
    for (int i = 0; i < 3; i++) {
      if (n.input(i).isEmpty()) {
        throw new IllegalArgumentException("input " + i + " (" + List.of("X", "W", "R").get(i) + ") is required");
      }
    }
    long h = Attrs.getInt(n, "hidden_size", 0);
    if (h < 0 || h > Integer.MAX_VALUE || (Attrs.has(n, "hidden_size") && h == 0)) {
      throw new IllegalArgumentException("hidden_size " + h + " is invalid");
    }
    this.hiddenAttr = (int) h;
    String dir = Attrs.getString(n, "direction", "forward");
    this.direction = switch (dir.toLowerCase(Locale.ROOT)) {
      case "forward" -> Direction.FORWARD;
      case "reverse" -> Direction.REVERSE;
      case "bidirectional" -> Direction.BIDIRECTIONAL;
      default -> throw new IllegalArgumentException("direction '" + dir + "' is not forward, reverse or bidirectional");
    };
    long lay = Attrs.getInt(n, "layout", 0);
    if (lay != 0 && lay != 1) {
      throw new IllegalArgumentException("layout " + lay + " is not 0 or 1");
    }
    this.layout = (int) lay;
    this.clip = Attrs.has(n, "clip") ? Attrs.getFloat(n, "clip", 0) : Float.POSITIVE_INFINITY;
    if (!(clip > 0)) {
      throw new IllegalArgumentException("clip " + clip + " must be positive");
    }
    this.inputForget = op.equals("LSTM") && Attrs.getInt(n, "input_forget", 0) != 0;
    this.cell = switch (op) {
      case "LSTM" -> CellType.LSTM;
      case "GRU" -> Attrs.getInt(n, "linear_before_reset", 0) != 0 ? CellType.GRU : CellType.GRU_RESET_BEFORE;
      // The activation list decides the function; RNN_TANH is just the cell's wiring.
      case "RNN" -> CellType.RNN_TANH;
      default -> throw new IllegalArgumentException("not a recurrent op");
    };
    this.gates = cell.gates();
    this.activations = activations(n);
  }

  static RnnNode compile(Node n) {
    return new RnnNode(n);
  }

  /** Directions the ONNX tensors have (D): 2 for bidirectional, else 1. */
  int directions() {
    return direction == Direction.BIDIRECTIONAL ? 2 : 1;
  }

  /**
   * The node's activations per direction, alpha/beta consumed in order by only the functions that
   * take them; a function left without a value gets its ONNX default (LeakyRelu 0.01, HardSigmoid
   * 0.2/0.5, Elu 1.0, ThresholdedRelu 1.0).
   */
  private List<List<Activation>> activations(Node n) {
    int perDir = cell.defaultActivations().size();
    int d = directions();
    List<String> names = Attrs.getStrings(n, "activations");
    if (names == null) {
      List<List<Activation>> out = new ArrayList<>();
      for (int i = 0; i < d; i++) {
        out.add(op.equals("RNN") ? List.of(Activation.TANH) : cell.defaultActivations());
      }
      return out;
    }
    // The RNN schema's own default lists two functions even for one direction; others must be exact.
    if (names.size() < perDir * d || (!op.equals("RNN") && names.size() != perDir * d)) {
      throw new IllegalArgumentException("activations " + names + ": " + op + " with direction "
          + direction.name().toLowerCase(Locale.ROOT) + " needs " + perDir * d + " functions");
    }
    float[] alphas = Attrs.getFloats(n, "activation_alpha");
    float[] betas = Attrs.getFloats(n, "activation_beta");
    int ai = 0;
    int bi = 0;
    List<List<Activation>> out = new ArrayList<>();
    for (int dir = 0; dir < d; dir++) {
      List<Activation> list = new ArrayList<>();
      for (int k = 0; k < perDir; k++) {
        Activation.Kind kind = Activation.Kind.fromName(names.get(dir * perDir + k));
        float a = Float.NaN;
        float b = Float.NaN;
        if (kind.usesAlpha() && alphas != null && ai < alphas.length) {
          a = alphas[ai++];
        }
        if (kind.usesBeta() && betas != null && bi < betas.length) {
          b = betas[bi++];
        }
        try {
          list.add(Activation.of(kind, a, b));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("activation " + kind.onnxName() + " has no default alpha/beta; give them "
              + "in activation_alpha / activation_beta", e);
        }
      }
      out.add(List.copyOf(list));
    }
    return List.copyOf(out);
  }

  /** For each PyTorch gate block, the ONNX block it comes from: LSTM i,o,f,c → i,f,g,o; GRU z,r,h → r,z,n. */
  private int[] blockOrder() {
    return switch (op) {
      case "LSTM" -> new int[] {0, 2, 3, 1};
      case "GRU" -> new int[] {1, 0, 2};
      default -> new int[] {0};
    };
  }

  /** The rnn4j weights of this node from its W, R and optional B, P; every shape is checked. */
  ModelWeights weights(Tensor w, Tensor r, Tensor b, Tensor p) {
    int d = directions();
    float[] wv = floatInput(w, "W");
    float[] rv = floatInput(r, "R");
    if (r.rank() != 3) {
      throw new IllegalArgumentException("R must be [D, " + gates + "·H, H], got " + r.shapeString());
    }
    int h = hiddenAttr > 0 ? hiddenAttr : r.dim(2);
    if (h == 0) {
      throw new IllegalArgumentException("hidden size 0 (R " + r.shapeString() + ")");
    }
    long gh = (long) gates * h;
    if (w.rank() != 3 || w.dim(0) != d || w.dim(1) != gh || w.dim(2) == 0) {
      throw new IllegalArgumentException("W must be [" + d + ", " + gh + ", I], got " + w.shapeString());
    }
    int in = w.dim(2);
    if (r.dim(0) != d || r.dim(1) != gh || r.dim(2) != h) {
      throw new IllegalArgumentException("R must be [" + d + ", " + gh + ", " + h + "], got " + r.shapeString());
    }
    if (b != null && (b.rank() != 2 || b.dim(0) != d || b.dim(1) != 2 * gh)) {
      throw new IllegalArgumentException("B must be [" + d + ", " + 2 * gh + "], got " + b.shapeString());
    }
    if (p != null && (p.rank() != 2 || p.dim(0) != d || p.dim(1) != 3L * h)) {
      throw new IllegalArgumentException("P must be [" + d + ", " + 3L * h + "], got " + p.shapeString());
    }
    float[] bv = b == null ? null : floatInput(b, "B");
    float[] pv = p == null ? null : floatInput(p, "P");
    int g = gates;
    int[] order = blockOrder();
    Map<String, float[]> params = new LinkedHashMap<>();
    for (int dir = 0; dir < d; dir++) {
      // A reverse-only node runs as a forward model (see the class comment), so its weights are direction 0.
      params.put(ModelWeights.name("weight_ih", 0, dir), blocks(wv, dir * g * h * in, order, h * in));
      params.put(ModelWeights.name("weight_hh", 0, dir), blocks(rv, dir * g * h * h, order, h * h));
      if (bv != null) {
        params.put(ModelWeights.name("bias_ih", 0, dir), blocks(bv, dir * 2 * g * h, order, h));
        params.put(ModelWeights.name("bias_hh", 0, dir), blocks(bv, dir * 2 * g * h + g * h, order, h));
      }
      if (pv != null) {
        // ONNX P is i, o, f; rnn4j's weight_peep is i, f, o.
        params.put(ModelWeights.name("weight_peep", 0, dir), blocks(pv, dir * 3 * h, new int[] {0, 2, 1}, h));
      }
    }
    ModelSpec spec = ModelSpec.builder(cell, in, h).bidirectional(d == 2).clip(clip).inputForget(inputForget)
        .peepholes(pv != null).activations(activations).build();
    return ModelWeights.of(spec, params);
  }

  private static float[] blocks(float[] src, int offset, int[] order, int block) {
    float[] out = new float[order.length * block];
    for (int k = 0; k < order.length; k++) {
      System.arraycopy(src, offset + order[k] * block, out, k * block, block);
    }
    return out;
  }

  private static float[] floatInput(Tensor t, String name) {
    if (!t.isFloat()) {
      throw new IllegalArgumentException(name + " must be a floating-point tensor, got " + t);
    }
    return t.floats();
  }

  /**
   * Runs the node on {@code model} (built from {@link #weights}); returns Y, Y_h and Y_c (null for
   * GRU/RNN) in the node's layout.
   */
  Tensor[] run(Model model, Tensor x, Tensor seqLens, Tensor h0, Tensor c0) {
    ModelSpec spec = model.spec();
    int d = directions();
    int h = spec.hiddenSize();
    float[] xv = floatInput(x, "X");
    if (x.rank() != 3) {
      throw new IllegalArgumentException("X must have rank 3, got " + x.shapeString());
    }
    int steps = layout == 0 ? x.dim(0) : x.dim(1);
    int batch = layout == 0 ? x.dim(1) : x.dim(0);
    int in = x.dim(2);
    if (in != spec.inputSize()) {
      throw new IllegalArgumentException("X " + x.shapeString() + " has input size " + in + ", W expects "
          + spec.inputSize());
    }
    if (steps == 0 || batch == 0) {
      throw new IllegalArgumentException("X " + x.shapeString() + " is empty");
    }
    int[] lengths = lengths(seqLens, steps, batch);
    float[] h0v = state(h0, "initial_h", d, batch, h);
    float[] c0v = state(c0, "initial_c", d, batch, h);
    SequenceBatch sb;
    boolean reverse = direction == Direction.REVERSE;
    if (reverse) {
      sb = SequenceBatch.seqFirst(reverseRows(xv, steps, batch, in, lengths, layout == 1), steps, batch, in);
    } else if (layout == 0) {
      sb = SequenceBatch.seqFirst(xv, steps, batch, in);
    } else {
      sb = SequenceBatch.batchFirst(xv, batch, steps, in);
    }
    ForwardResult r = model.forward(sb.withLengths(lengths).withH0(h0v).withC0(c0v));
    Tensor y = outputY(r.output().data(), steps, batch, d, h, lengths, reverse);
    Tensor yh = outputState(r.hN().data(), d, batch, h);
    Tensor yc = r.cN() == null ? null : outputState(r.cN().data(), d, batch, h);
    return new Tensor[] {y, yh, yc};
  }

  /** sequence_lens as rnn4j lengths, or null when every row is full length. */
  private static int[] lengths(Tensor seqLens, int steps, int batch) {
    if (seqLens == null) {
      return null;
    }
    long[] v = ShapeOps.longs(seqLens, "sequence_lens");
    if (seqLens.rank() != 1 || v.length != batch) {
      throw new IllegalArgumentException("sequence_lens must be [" + batch + "], got " + seqLens.shapeString());
    }
    int[] out = new int[batch];
    boolean full = true;
    for (int b = 0; b < batch; b++) {
      if (v[b] < 1 || v[b] > steps) {
        throw new IllegalArgumentException("sequence_lens[" + b + "] = " + v[b] + " is out of range 1.." + steps
            + " (rnn4j rejects empty rows)");
      }
      out[b] = (int) v[b];
      full &= out[b] == steps;
    }
    return full ? null : out;
  }

  /** initial_h / initial_c in rnn4j's [D, N, H] (ONNX layout 1 has [N, D, H]); null stays null. */
  private float[] state(Tensor t, String name, int d, int batch, int h) {
    if (t == null) {
      return null;
    }
    float[] v = floatInput(t, name);
    int[] want = layout == 0 ? new int[] {d, batch, h} : new int[] {batch, d, h};
    if (!java.util.Arrays.equals(t.shapeRef(), want)) {
      throw new IllegalArgumentException(name + " must be " + java.util.Arrays.toString(want) + ", got "
          + t.shapeString());
    }
    return layout == 0 ? v : swap01(v, batch, d, h);
  }

  /** [a, b, h] → [b, a, h]. */
  private static float[] swap01(float[] v, int a, int b, int h) {
    if (a == 1 || b == 1) {
      return v;
    }
    float[] out = new float[v.length];
    for (int i = 0; i < a; i++) {
      for (int j = 0; j < b; j++) {
        System.arraycopy(v, (i * b + j) * h, out, (j * a + i) * h, h);
      }
    }
    return out;
  }

  /** Seq-first input where row b holds its first L_b steps in reverse order (then padding). */
  private static float[] reverseRows(float[] x, int steps, int batch, int in, int[] lengths, boolean batchFirst) {
    float[] out = new float[x.length];
    for (int b = 0; b < batch; b++) {
      int len = lengths == null ? steps : lengths[b];
      for (int t = 0; t < len; t++) {
        int s = len - 1 - t;
        int src = batchFirst ? (b * steps + s) * in : (s * batch + b) * in;
        System.arraycopy(x, src, out, (t * batch + b) * in, in);
      }
    }
    return out;
  }

  /**
   * Y from rnn4j's output: [S, N, D·H] (or [N, S, D·H] for layout 1; a reverse node always runs
   * seq-first over reversed rows) to ONNX [S, D, N, H] (or [N, S, D, H]).
   */
  private Tensor outputY(float[] y, int steps, int batch, int d, int h, int[] lengths, boolean reverse) {
    float[] out;
    if (reverse) {
      out = new float[y.length];
      for (int b = 0; b < batch; b++) {
        int len = lengths == null ? steps : lengths[b];
        for (int t = 0; t < len; t++) {
          int dst = layout == 0 ? (t * batch + b) * h : (b * steps + t) * h;
          System.arraycopy(y, ((len - 1 - t) * batch + b) * h, out, dst, h);
        }
      }
    } else if (layout == 0 && d == 2) {
      out = new float[y.length];
      for (int t = 0; t < steps; t++) {
        for (int b = 0; b < batch; b++) {
          for (int dir = 0; dir < d; dir++) {
            System.arraycopy(y, ((t * batch + b) * d + dir) * h, out, ((t * d + dir) * batch + b) * h, h);
          }
        }
      }
    } else {
      out = y; // [S, N, H] is [S, 1, N, H]; batch-first [N, S, D·H] is [N, S, D, H]
    }
    return layout == 0 ? Tensor.ofFloats(out, steps, d, batch, h) : Tensor.ofFloats(out, batch, steps, d, h);
  }

  private Tensor outputState(float[] s, int d, int batch, int h) {
    return layout == 0 ? Tensor.ofFloats(s, d, batch, h) : Tensor.ofFloats(swap01(s, d, batch, h), batch, d, h);
  }
}
