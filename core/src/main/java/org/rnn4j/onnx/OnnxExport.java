package org.rnn4j.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.rnn4j.Activation;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

/**
 * Writes an rnn4j model as an ONNX model (opset 14, IR version 7) that computes the same thing:
 * one {@code LSTM} / {@code GRU} / {@code RNN} node per layer, its weights as initializers.
 *
 * <p>The graph:
 * <ul>
 *   <li>input {@code X} float {@code [S, N, I]} (S and N symbolic), seq-first;
 *   <li>per layer k a node {@code layer_k} with W {@code [D, G·H, I_k]}, R {@code [D, G·H, H]},
 *       B {@code [D, 2·G·H]} (= [W_b, R_b]) and, for peephole LSTMs, P {@code [D, 3·H]}; gate blocks
 *       permuted from PyTorch's order (LSTM i,f,g,o → ONNX i,o,f,c; GRU r,z,n → z,r,h; peepholes
 *       i,f,o → i,o,f); {@code linear_before_reset} 1 for {@code gru}, 0 for {@code gru_reset_before};
 *       {@code clip}, {@code input_forget}, {@code activations} (+ alpha/beta) when not the defaults,
 *       {@code direction=bidirectional} for two directions;
 *   <li>between layers and after the last one, the node's Y {@code [S, D, N, H]} becomes the
 *       next layer's input {@code [S, N, D·H]}: {@code Squeeze(axis 1)} for one direction,
 *       {@code Transpose(0,2,1,3)} + {@code Reshape([0,0,-1])} for two;
 *   <li>outputs {@code Y} {@code [S, N, D·H]} (exactly rnn4j's seq-first output), {@code Y_h}
 *       {@code [L·D, N, H]} and, for LSTM, {@code Y_c} {@code [L·D, N, H]} (each layer's final states
 *       concatenated: PyTorch's / rnn4j's {@code h_n} / {@code c_n} order).
 * </ul>
 *
 * <p>No {@code sequence_lens}: every row runs all S steps; from zero states unless
 * {@link #toBytes(ModelWeights, boolean)} adds the {@code initial_h} / {@code initial_c} inputs. LSTM projections ({@code proj_size}), the Jordan cell and residual connections have no
 * ONNX operator equivalent and are refused.
 */
public final class OnnxExport {
  /** The default-domain opset the exported model imports. */
  public static final int OPSET = 14;
  /** ONNX IR version 7 goes with opset 14 (ONNX 1.9). */
  public static final int IR_VERSION = 7;

  private OnnxExport() {
  }

  /**
   * Why {@code spec} cannot be exported, or null when it can.
   */
  public static String unsupportedReason(ModelSpec spec) {
    if (spec.cell() == CellType.JORDAN) {
      return "the Jordan cell has no ONNX operator (ONNX RNN feeds back h, not the output layer's y)";
    }
    if (spec.projSize() > 0) {
      return "LSTM projections (proj_size " + spec.projSize() + ") have no ONNX LSTM attribute";
    }
    if (spec.residual() && spec.numLayers() > 1) {
      return "residual connections between layers are not exported (no ONNX RNN attribute; would need Add glue)";
    }
    return null;
  }

  /**
   * Writes the ONNX model to {@code path} (via a temporary file in the same folder, then renamed).
   *
   * @throws IllegalArgumentException when the model has no ONNX equivalent (see {@link #unsupportedReason})
   */
  public static void write(ModelWeights weights, Path path) throws IOException {
    byte[] bytes = toBytes(weights);
    Path abs = path.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The serialized ONNX ModelProto.
   *
   * @throws IllegalArgumentException when the model has no ONNX equivalent (see {@link #unsupportedReason})
   */
  public static byte[] toBytes(ModelWeights weights) {
    return toBytes(weights, false);
  }

  /**
   * The serialized ONNX ModelProto; with {@code stateInputs}, the graph also takes
   * {@code initial_h} (and, for LSTM, {@code initial_c}) {@code [L·D, N, H]} in {@code h_n} order,
   * each layer's part sliced out for its node, so that a caller can carry state between calls
   * (streaming).
   *
   * @throws IllegalArgumentException when the model has no ONNX equivalent (see {@link #unsupportedReason})
   */
  public static byte[] toBytes(ModelWeights weights, boolean stateInputs) {
    ModelSpec spec = weights.spec();
    String why = unsupportedReason(spec);
    if (why != null) {
      throw new IllegalArgumentException("cannot export " + spec + " to ONNX: " + why);
    }
    int d = spec.directions();
    int h = spec.hiddenSize();
    int layers = spec.numLayers();
    String op = opType(spec.cell());

    List<ProtoWriter> nodes = new ArrayList<>();
    List<ProtoWriter> inits = new ArrayList<>();
    if (d == 1) {
      inits.add(ProtoWriter.longTensor("squeeze_axes", new long[] {1}, 1));
    } else {
      inits.add(ProtoWriter.longTensor("merge_directions_shape", new long[] {0, 0, -1}, 3));
    }
    String x = "X";
    List<String> yh = new ArrayList<>();
    List<String> yc = new ArrayList<>();
    for (int k = 0; k < layers; k++) {
      String suffix = "_l" + k;
      int in = spec.layerInputSize(k);
      int g = spec.cell().gates();
      float[] w = new float[d * g * h * in];
      float[] r = new float[d * g * h * h];
      float[] b = new float[d * 2 * g * h];
      float[] p = spec.peepholes() ? new float[d * 3 * h] : null;
      int[] order = onnxOrder(spec.cell());
      for (int dir = 0; dir < d; dir++) {
        put(weights.get(ModelWeights.name("weight_ih", k, dir)), order, h * in, w, dir * g * h * in);
        put(weights.get(ModelWeights.name("weight_hh", k, dir)), order, h * h, r, dir * g * h * h);
        put(weights.get(ModelWeights.name("bias_ih", k, dir)), order, h, b, dir * 2 * g * h);
        put(weights.get(ModelWeights.name("bias_hh", k, dir)), order, h, b, dir * 2 * g * h + g * h);
        if (p != null) {
          // rnn4j weight_peep is i, f, o; ONNX P is i, o, f.
          put(weights.get(ModelWeights.name("weight_peep", k, dir)), new int[] {0, 2, 1}, h, p, dir * 3 * h);
        }
      }
      inits.add(ProtoWriter.floatTensor("W" + suffix, w, d, g * h, in));
      inits.add(ProtoWriter.floatTensor("R" + suffix, r, d, g * h, h));
      inits.add(ProtoWriter.floatTensor("B" + suffix, b, d, 2 * g * h));
      List<String> inputs = new ArrayList<>(List.of(x, "W" + suffix, "R" + suffix, "B" + suffix));
      if (stateInputs) {
        inputs.add("");
        inputs.add(stateSlice("initial_h", k, d, layers, nodes, inits));
        if (spec.cell() == CellType.LSTM) {
          inputs.add(stateSlice("initial_c", k, d, layers, nodes, inits));
        }
      }
      if (p != null) {
        inits.add(ProtoWriter.floatTensor("P" + suffix, p, d, 3 * h));
        while (inputs.size() < 7) {
          inputs.add("");
        }
        inputs.add("P" + suffix);
      }
      String yName = "Y4" + suffix;
      String yhName = layers == 1 ? "Y_h" : "Y_h" + suffix;
      String ycName = layers == 1 ? "Y_c" : "Y_c" + suffix;
      yh.add(yhName);
      yc.add(ycName);
      List<String> outputs = new ArrayList<>(List.of(yName, yhName));
      if (spec.cell() == CellType.LSTM) {
        outputs.add(ycName);
      }
      nodes.add(ProtoWriter.node(op, "layer" + suffix, inputs.toArray(String[]::new), outputs.toArray(String[]::new),
          attributes(spec).toArray(ProtoWriter[]::new)));

      String next = k == layers - 1 ? "Y" : "X" + "_l" + (k + 1);
      if (d == 1) {
        nodes.add(ProtoWriter.node("Squeeze", "squeeze" + suffix, new String[] {yName, "squeeze_axes"},
            new String[] {next}));
      } else {
        String t = "Y4t" + suffix;
        nodes.add(ProtoWriter.node("Transpose", "transpose" + suffix, new String[] {yName}, new String[] {t},
            ProtoWriter.ints("perm", 0, 2, 1, 3)));
        nodes.add(ProtoWriter.node("Reshape", "merge" + suffix, new String[] {t, "merge_directions_shape"},
            new String[] {next}));
      }
      x = next;
    }
    if (layers > 1) {
      nodes.add(ProtoWriter.node("Concat", "concat_h", yh.toArray(String[]::new), new String[] {"Y_h"},
          ProtoWriter.attr("axis", 0L)));
      if (spec.cell() == CellType.LSTM) {
        nodes.add(ProtoWriter.node("Concat", "concat_c", yc.toArray(String[]::new), new String[] {"Y_c"},
            ProtoWriter.attr("axis", 0L)));
      }
    }

    ProtoWriter graph = new ProtoWriter();
    for (ProtoWriter n : nodes) {
      graph.message(1, n);
    }
    graph.string(2, "rnn4j_" + spec.cell().id());
    for (ProtoWriter t : inits) {
      graph.message(5, t);
    }
    graph.string(10, spec.toString());
    graph.message(11, ProtoWriter.valueInfo("X", ProtoWriter.FLOAT, "S", "N", spec.inputSize()));
    if (stateInputs) {
      graph.message(11, ProtoWriter.valueInfo("initial_h", ProtoWriter.FLOAT, layers * d, "N", h));
      if (spec.cell() == CellType.LSTM) {
        graph.message(11, ProtoWriter.valueInfo("initial_c", ProtoWriter.FLOAT, layers * d, "N", h));
      }
    }
    graph.message(12, ProtoWriter.valueInfo("Y", ProtoWriter.FLOAT, "S", "N", d * h));
    graph.message(12, ProtoWriter.valueInfo("Y_h", ProtoWriter.FLOAT, layers * d, "N", h));
    if (spec.cell() == CellType.LSTM) {
      graph.message(12, ProtoWriter.valueInfo("Y_c", ProtoWriter.FLOAT, layers * d, "N", h));
    }
    return new ProtoWriter().varint(1, IR_VERSION).string(2, "rnn4j").string(3, "0.1.0-SNAPSHOT")
        .message(7, graph).message(8, new ProtoWriter().string(1, "").varint(2, OPSET)).toBytes();
  }

  /** Layer k's rows [k·D, (k+1)·D) of a state input: the input itself for one layer, else a Slice. */
  private static String stateSlice(String input, int k, int d, int layers, List<ProtoWriter> nodes,
      List<ProtoWriter> inits) {
    if (layers == 1) {
      return input;
    }
    String out = input + "_l" + k;
    if (input.equals("initial_h")) { // initial_c's slice reuses these
      if (k == 0) {
        inits.add(ProtoWriter.longTensor("state_axis", new long[] {0}, 1));
      }
      inits.add(ProtoWriter.longTensor("state_start_l" + k, new long[] {(long) k * d}, 1));
      inits.add(ProtoWriter.longTensor("state_end_l" + k, new long[] {(long) (k + 1) * d}, 1));
    }
    nodes.add(ProtoWriter.node("Slice", "slice_" + out,
        new String[] {input, "state_start_l" + k, "state_end_l" + k, "state_axis"}, new String[] {out}));
    return out;
  }

  private static String opType(CellType cell) {
    return switch (cell) {
      case LSTM -> "LSTM";
      case GRU, GRU_RESET_BEFORE -> "GRU";
      case RNN_TANH, RNN_RELU -> "RNN";
      case JORDAN -> throw new IllegalArgumentException("Jordan has no ONNX operator");
    };
  }

  /** The ONNX operator's default activations for one direction. */
  private static List<Activation> onnxDefaults(CellType cell) {
    return switch (cell) {
      case RNN_TANH, RNN_RELU -> List.of(Activation.TANH);
      default -> cell.defaultActivations();
    };
  }

  private static List<ProtoWriter> attributes(ModelSpec spec) {
    List<ProtoWriter> a = new ArrayList<>();
    a.add(ProtoWriter.attr("hidden_size", (long) spec.hiddenSize()));
    if (spec.bidirectional()) {
      a.add(ProtoWriter.attr("direction", "bidirectional"));
    }
    if (spec.cell().isGru()) {
      a.add(ProtoWriter.attr("linear_before_reset", spec.cell() == CellType.GRU ? 1L : 0L));
    }
    if (spec.clips()) {
      a.add(ProtoWriter.attr("clip", spec.clip()));
    }
    if (spec.inputForget()) {
      a.add(ProtoWriter.attr("input_forget", 1L));
    }
    List<Activation> defaults = onnxDefaults(spec.cell());
    boolean standard = true;
    for (List<Activation> perDir : spec.activations()) {
      standard &= perDir.equals(defaults);
    }
    if (!standard) {
      List<String> names = new ArrayList<>();
      List<Float> alphas = new ArrayList<>();
      List<Float> betas = new ArrayList<>();
      for (List<Activation> perDir : spec.activations()) {
        for (Activation f : perDir) {
          names.add(f.kind().onnxName());
          if (f.kind().usesAlpha()) {
            alphas.add(f.alpha());
          }
          if (f.kind().usesBeta()) {
            betas.add(f.beta());
          }
        }
      }
      a.add(ProtoWriter.strings("activations", names.toArray(String[]::new)));
      if (!alphas.isEmpty()) {
        a.add(ProtoWriter.floats("activation_alpha", toArray(alphas)));
      }
      if (!betas.isEmpty()) {
        a.add(ProtoWriter.floats("activation_beta", toArray(betas)));
      }
    }
    return a;
  }

  private static float[] toArray(List<Float> l) {
    float[] out = new float[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = l.get(i);
    }
    return out;
  }

  /** For each ONNX gate block, the PyTorch block it holds: LSTM i,o,f,c ← i,f,g,o; GRU z,r,h ← r,z,n. */
  private static int[] onnxOrder(CellType cell) {
    return switch (cell) {
      case LSTM -> new int[] {0, 3, 1, 2};
      case GRU, GRU_RESET_BEFORE -> new int[] {1, 0, 2};
      default -> new int[] {0};
    };
  }

  /** Copies blocks of {@code src} (PyTorch order) into {@code dst} at {@code off} in ONNX order. */
  private static void put(float[] src, int[] order, int block, float[] dst, int off) {
    for (int k = 0; k < order.length; k++) {
      System.arraycopy(src, order[k] * block, dst, off + k * block, block);
    }
  }
}
