package org.rnn4j.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rnn4j.Activation;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;

/**
 * Model files: a PyTorch {@code nn.LSTM} / {@code nn.GRU} / {@code nn.RNN} state_dict saved as
 * safetensors, plus rnn4j's metadata for what PyTorch cannot express.
 *
 * <p>Reading infers the architecture from tensor names and shapes (gate multiple 4/3/1, layers,
 * directions, projection, peepholes, Jordan output weights). Names may carry a common prefix
 * ({@code encoder.rnn.}); tensors that are not RNN parameters are ignored. Metadata keys:
 * <ul>
 *   <li>{@code rnn4j.cell}: lstm, gru, gru_reset_before, rnn_tanh, rnn_relu, jordan — settles
 *       what shapes cannot (relu vs tanh, the GRU form);
 *   <li>{@code rnn4j.residual}: true when layers k ≥ 1 add their input to their output;
 *   <li>{@code rnn4j.clip}: gate pre-activation clip; {@code rnn4j.input_forget}: true for CIFG;
 *   <li>{@code rnn4j.activations}: per direction, ';'-separated lists of ','-separated
 *       functions, e.g. {@code Sigmoid,Tanh,Tanh;HardSigmoid(0.2,0.5),Tanh,Tanh}.
 * </ul>
 * F32, F16, BF16 and F64 tensors are accepted and converted to float32.
 */
public final class ModelFiles {
  public static final String CELL_KEY = "rnn4j.cell";
  public static final String RESIDUAL_KEY = "rnn4j.residual";
  public static final String CLIP_KEY = "rnn4j.clip";
  public static final String INPUT_FORGET_KEY = "rnn4j.input_forget";
  public static final String ACTIVATIONS_KEY = "rnn4j.activations";
  public static final String FORMAT_KEY = "rnn4j.format";

  private static final Pattern PARAM = Pattern.compile("^(.*?)(weight|bias)_(ih|hh|hr|ho|peep)_l(\\d+)(_reverse)?$");

  private ModelFiles() {
  }

  /** Reads a model file. */
  public static ModelWeights read(Path path) throws IOException {
    try (SafetensorsReader r = SafetensorsReader.open(path)) {
      return read(r, null);
    }
  }

  /**
   * Reads the RNN whose parameter names start with {@code prefix} (null: the only one in the
   * file; a file holding several must name one).
   */
  public static ModelWeights read(SafetensorsReader r, String prefix) throws ModelFormatException {
    String file = r.path().toString();
    TreeSet<String> prefixes = new TreeSet<>();
    for (TensorInfo t : r.tensors()) {
      Matcher m = PARAM.matcher(t.name());
      if (m.matches() && m.group(2).equals("weight") && m.group(3).equals("ih")) {
        prefixes.add(m.group(1));
      }
    }
    if (prefix == null) {
      if (prefixes.isEmpty()) {
        throw new ModelFormatException(file + ": no RNN parameters found (expected tensors named like "
            + "weight_ih_l0, weight_hh_l0, optionally under a prefix such as 'rnn.')");
      }
      if (prefixes.size() > 1) {
        throw new ModelFormatException(file + ": several RNNs in one file, with prefixes " + quoted(prefixes)
            + "; choose one");
      }
      prefix = prefixes.first();
    } else if (!prefixes.contains(prefix)) {
      throw new ModelFormatException(file + ": no RNN with prefix '" + prefix + "'; found " + quoted(prefixes));
    }
    ModelSpec spec = inferSpec(r, prefix, file);
    Map<String, float[]> params = new LinkedHashMap<>();
    for (ModelWeights.Param p : ModelWeights.layout(spec)) {
      String name = prefix + p.name();
      if (!r.contains(name)) {
        if (p.optional()) {
          continue;
        }
        throw new ModelFormatException(file + ": missing tensor " + name + " " + p.shapeString() + " for " + spec);
      }
      TensorInfo info = r.info(name);
      if (!Arrays.equals(toInts(info.shape()), p.shape())) {
        throw new ModelFormatException(file + ": tensor " + name + " has shape " + info.shapeString()
            + ", expected " + p.shapeString() + " for " + spec);
      }
      params.put(p.name(), r.readFloats(name));
    }
    // A parameter-like tensor that the inferred architecture does not use means we misread the file.
    for (TensorInfo t : r.tensors()) {
      Matcher m = PARAM.matcher(t.name());
      if (m.matches() && m.group(1).equals(prefix) && !params.containsKey(t.name().substring(prefix.length()))) {
        throw new ModelFormatException(file + ": tensor " + t.name() + " " + t.shapeString()
            + " does not belong to the inferred model " + spec);
      }
    }
    try {
      return ModelWeights.of(spec, params);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file + ": " + e.getMessage(), e);
    }
  }

  private static ModelSpec inferSpec(SafetensorsReader r, String prefix, String file) throws ModelFormatException {
    Map<String, String> meta = r.metadata();
    int layers = 0;
    boolean reverse = false;
    TreeSet<Integer> seen = new TreeSet<>();
    for (TensorInfo t : r.tensors()) {
      Matcher m = PARAM.matcher(t.name());
      if (m.matches() && m.group(1).equals(prefix) && m.group(2).equals("weight") && m.group(3).equals("ih")) {
        int k = parseLayer(m.group(4), t.name(), file);
        seen.add(k);
        reverse |= m.group(5) != null;
      }
    }
    layers = seen.last() + 1;
    if (seen.size() != layers) {
      throw new ModelFormatException(file + ": layers " + seen + " are not numbered 0.." + (layers - 1)
          + " (missing " + prefix + "weight_ih_l" + firstGap(seen) + ")");
    }
    int[] ih = matrixShape(r, prefix + "weight_ih_l0", file);
    int[] hh = matrixShape(r, prefix + "weight_hh_l0", file);
    int gateRows = ih[0];
    int inputSize = ih[1];
    String hrName = prefix + "weight_hr_l0";
    String hoName = prefix + "weight_ho_l0";
    CellType cell;
    String declared = meta.get(CELL_KEY);
    if (declared != null) {
      try {
        cell = CellType.fromId(declared);
      } catch (IllegalArgumentException e) {
        throw new ModelFormatException(file + ": metadata " + CELL_KEY + ": " + e.getMessage(), e);
      }
    } else if (r.contains(hoName)) {
      cell = CellType.JORDAN;
    } else if (r.contains(hrName)) {
      cell = CellType.LSTM;
    } else {
      cell = switch (hh[1] > 0 && gateRows % hh[1] == 0 ? gateRows / hh[1] : -1) {
        case 4 -> CellType.LSTM;
        case 3 -> CellType.GRU;
        case 1 -> CellType.RNN_TANH;
        default -> throw new ModelFormatException(file + ": cannot infer the cell from " + prefix + "weight_ih_l0 "
            + Arrays.toString(ih) + " and " + prefix + "weight_hh_l0 " + Arrays.toString(hh)
            + ": rows must be 4, 3 or 1 times the hidden size (set metadata " + CELL_KEY + ")");
      };
    }
    if (gateRows % cell.gates() != 0) {
      throw new ModelFormatException(file + ": " + prefix + "weight_ih_l0 has " + gateRows + " rows, not a multiple of "
          + cell.gates() + " as a " + cell.id() + " needs");
    }
    int hidden = gateRows / cell.gates();
    ModelSpec.Builder b = ModelSpec.builder(cell, inputSize, hidden).numLayers(layers).bidirectional(reverse);
    if (cell == CellType.LSTM && r.contains(hrName)) {
      b.projSize(matrixShape(r, hrName, file)[0]);
    }
    if (cell == CellType.JORDAN) {
      if (!r.contains(hoName)) {
        throw new ModelFormatException(file + ": a Jordan model needs " + hoName + " [O, H]");
      }
      b.outputSize(matrixShape(r, hoName, file)[0]);
    }
    b.peepholes(r.contains(prefix + "weight_peep_l0"));
    b.residual(parseBoolean(meta, RESIDUAL_KEY, file));
    b.inputForget(parseBoolean(meta, INPUT_FORGET_KEY, file));
    String clip = meta.get(CLIP_KEY);
    if (clip != null) {
      try {
        b.clip(Float.parseFloat(clip.trim()));
      } catch (NumberFormatException e) {
        throw new ModelFormatException(file + ": metadata " + CLIP_KEY + " is not a number: '" + clip + "'", e);
      }
    }
    String acts = meta.get(ACTIVATIONS_KEY);
    if (acts != null) {
      b.activations(parseActivations(acts, file));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file + ": inconsistent model: " + e.getMessage(), e);
    }
  }

  /** Parses the {@code rnn4j.activations} format. */
  public static List<List<Activation>> parseActivations(String text, String file) throws ModelFormatException {
    List<List<Activation>> out = new ArrayList<>();
    try {
      for (String dir : text.split(";")) {
        List<Activation> list = new ArrayList<>();
        for (String f : splitTopLevel(dir)) {
          list.add(Activation.parse(f));
        }
        out.add(list);
      }
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(file + ": metadata " + ACTIVATIONS_KEY + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** Formats activations for {@link #ACTIVATIONS_KEY}. */
  public static String formatActivations(List<List<Activation>> acts) {
    StringBuilder s = new StringBuilder();
    for (List<Activation> dir : acts) {
      if (!s.isEmpty()) {
        s.append(';');
      }
      for (int i = 0; i < dir.size(); i++) {
        s.append(i == 0 ? "" : ",").append(dir.get(i));
      }
    }
    return s.toString();
  }

  private static List<String> splitTopLevel(String s) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '(') {
        depth++;
      } else if (ch == ')') {
        depth--;
      } else if (ch == ',' && depth == 0) {
        parts.add(s.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(s.substring(start));
    return parts;
  }

  /** Writes weights as safetensors (PyTorch names, no prefix) with rnn4j metadata, atomically. */
  public static void write(ModelWeights w, Path path) throws IOException {
    ModelSpec spec = w.spec();
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    for (String name : w.names()) {
      int[] shape = w.shape(name);
      tensors.put(name, TensorData.ofFloats(w.get(name), Arrays.stream(shape).asLongStream().toArray()));
    }
    SafetensorsWriter.write(path, tensors, metadata(spec));
  }

  /** The metadata that makes a file load back as exactly this architecture. */
  public static Map<String, String> metadata(ModelSpec spec) {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(FORMAT_KEY, "1");
    meta.put(CELL_KEY, spec.cell().id());
    if (spec.residual()) {
      meta.put(RESIDUAL_KEY, "true");
    }
    if (spec.clips()) {
      meta.put(CLIP_KEY, Float.toString(spec.clip()));
    }
    if (spec.inputForget()) {
      meta.put(INPUT_FORGET_KEY, "true");
    }
    if (!spec.defaultActivations()) {
      meta.put(ACTIVATIONS_KEY, formatActivations(spec.activations()));
    }
    return meta;
  }

  private static boolean parseBoolean(Map<String, String> meta, String key, String file) throws ModelFormatException {
    String v = meta.get(key);
    if (v == null) {
      return false;
    }
    return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> throw new ModelFormatException(file + ": metadata " + key + " must be true or false, got '" + v + "'");
    };
  }

  private static int[] matrixShape(SafetensorsReader r, String name, String file) throws ModelFormatException {
    if (!r.contains(name)) {
      throw new ModelFormatException(file + ": missing tensor " + name);
    }
    TensorInfo t = r.info(name);
    if (t.rank() != 2) {
      throw new ModelFormatException(file + ": tensor " + name + " must be a matrix, has shape " + t.shapeString());
    }
    return toInts(t.shape());
  }

  private static int[] toInts(long[] shape) {
    int[] out = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i] > Integer.MAX_VALUE ? -1 : (int) shape[i];
    }
    return out;
  }

  private static int parseLayer(String digits, String name, String file) throws ModelFormatException {
    try {
      int k = Integer.parseInt(digits);
      if (k > 10_000) {
        throw new NumberFormatException();
      }
      return k;
    } catch (NumberFormatException e) {
      throw new ModelFormatException(file + ": tensor " + name + " has an implausible layer index");
    }
  }

  private static int firstGap(TreeSet<Integer> seen) {
    int k = 0;
    while (seen.contains(k)) {
      k++;
    }
    return k;
  }

  private static String quoted(java.util.Collection<String> names) {
    StringBuilder s = new StringBuilder();
    for (String n : names) {
      s.append(s.isEmpty() ? "" : ", ").append('\'').append(n).append('\'');
    }
    return s.toString();
  }
}
