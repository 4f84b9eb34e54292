package org.rnn4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The parameters of a model, keyed by their PyTorch {@code state_dict} names
 * ({@code weight_ih_l0}, {@code bias_hh_l1_reverse}, {@code weight_hr_l0}, …).
 *
 * <p>rnn4j's extensions use the same scheme: {@code weight_peep_l{k}} [3·H] holds LSTM peephole
 * weights in the order i, f, o; the Jordan cell adds {@code weight_ho_l{k}} [O, H] and
 * {@code bias_ho_l{k}} [O]. Immutable: arrays are copied in and out.
 */
public final class ModelWeights {

  /** One parameter tensor: its name, shape, and whether a file may omit it (then it is zero). */
  public record Param(String name, int[] shape, boolean optional) {
    public int size() {
      int n = 1;
      for (int d : shape) {
        n = Math.multiplyExact(n, d);
      }
      return n;
    }

    public String shapeString() {
      return Arrays.toString(shape);
    }
  }

  private final ModelSpec spec;
  private final Map<String, float[]> values;

  private ModelWeights(ModelSpec spec, Map<String, float[]> values) {
    this.spec = spec;
    this.values = values;
  }

  /** The parameters a model of this architecture has, in canonical order. */
  public static List<Param> layout(ModelSpec spec) {
    List<Param> out = new ArrayList<>();
    int gh = spec.gateRows();
    int h = spec.hiddenSize();
    int recurrentIn = spec.outputWidth();
    for (int k = 0; k < spec.numLayers(); k++) {
      for (int d = 0; d < spec.directions(); d++) {
        String s = "_l" + k + (d == 1 ? "_reverse" : "");
        out.add(new Param("weight_ih" + s, new int[] {gh, spec.layerInputSize(k)}, false));
        out.add(new Param("weight_hh" + s, new int[] {gh, recurrentIn}, false));
        out.add(new Param("bias_ih" + s, new int[] {gh}, true));
        out.add(new Param("bias_hh" + s, new int[] {gh}, true));
        if (spec.projSize() > 0) {
          out.add(new Param("weight_hr" + s, new int[] {spec.projSize(), h}, false));
        }
        if (spec.peepholes()) {
          out.add(new Param("weight_peep" + s, new int[] {3 * h}, false));
        }
        if (spec.cell() == CellType.JORDAN) {
          out.add(new Param("weight_ho" + s, new int[] {spec.outputSize(), h}, false));
          out.add(new Param("bias_ho" + s, new int[] {spec.outputSize()}, true));
        }
      }
    }
    return out;
  }

  /**
   * Validates and copies {@code params}. Every non-optional parameter of {@link #layout} must be
   * present with exactly its size; optional ones default to zeros; unknown names are rejected.
   */
  public static ModelWeights of(ModelSpec spec, Map<String, float[]> params) {
    Objects.requireNonNull(spec, "spec");
    Map<String, float[]> copy = new LinkedHashMap<>();
    List<Param> layout = layout(spec);
    for (Param p : layout) {
      float[] v = params.get(p.name());
      if (v == null) {
        if (!p.optional()) {
          throw new IllegalArgumentException("missing parameter " + p.name() + " " + p.shapeString() + " for " + spec);
        }
        v = new float[p.size()];
      } else if (v.length != p.size()) {
        throw new IllegalArgumentException("parameter " + p.name() + " has " + v.length + " elements, expected "
            + p.size() + " (shape " + p.shapeString() + ") for " + spec);
      }
      copy.put(p.name(), v.clone());
    }
    for (String name : params.keySet()) {
      if (!copy.containsKey(name)) {
        throw new IllegalArgumentException("unexpected parameter " + name + " for " + spec);
      }
    }
    return new ModelWeights(spec, Collections.unmodifiableMap(copy));
  }

  /**
   * PyTorch's default initialisation: every parameter uniform in ±1/√H, from a seed, so the
   * same seed gives the same model on every machine.
   */
  public static ModelWeights random(ModelSpec spec, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double bound = 1.0 / Math.sqrt(spec.hiddenSize());
    Map<String, float[]> params = new LinkedHashMap<>();
    for (Param p : layout(spec)) {
      float[] v = new float[p.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) rnd.nextDouble(-bound, bound);
      }
      params.put(p.name(), v);
    }
    return of(spec, params);
  }

  public ModelSpec spec() {
    return spec;
  }

  /** Parameter names in canonical order. */
  public List<String> names() {
    return List.copyOf(values.keySet());
  }

  /** A copy of one parameter's values. */
  public float[] get(String name) {
    return values(name).clone();
  }

  /** Shape of one parameter. */
  public int[] shape(String name) {
    for (Param p : layout(spec)) {
      if (p.name().equals(name)) {
        return p.shape().clone();
      }
    }
    throw new IllegalArgumentException("no parameter " + name + " in " + spec);
  }

  /** The parameter array itself, for code in this module that promises not to modify it. */
  float[] values(String name) {
    float[] v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no parameter " + name + " in " + spec);
    }
    return v;
  }

  /** Total number of scalar parameters. */
  public long parameterCount() {
    long n = 0;
    for (float[] v : values.values()) {
      n += v.length;
    }
    return n;
  }

  /** Name of parameter {@code base} (e.g. "weight_ih") for a layer and direction. */
  public static String name(String base, int layer, int direction) {
    return base + "_l" + layer + (direction == 1 ? "_reverse" : "");
  }
}
