package org.rnn4j.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.rnn4j.Activation;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.reference.ReferenceRnn;

/** Builds the float64 oracle's view of an rnn4j model, and deterministic random inputs. */
public final class RandomModels {
  private RandomModels() {
  }

  /** The oracle configuration describing the same architecture as {@code spec}. */
  public static ReferenceRnn.Config toConfig(ModelSpec spec) {
    List<List<ReferenceRnn.Act>> acts = new ArrayList<>();
    for (List<Activation> dir : spec.activations()) {
      List<ReferenceRnn.Act> list = new ArrayList<>();
      for (Activation a : dir) {
        list.add(new ReferenceRnn.Act(a.kind().onnxName(), a.alpha(), a.beta()));
      }
      acts.add(list);
    }
    return new ReferenceRnn.Config(spec.cell().id(), spec.inputSize(), spec.hiddenSize(), spec.projSize(),
        spec.outputSize(), spec.numLayers(), spec.bidirectional(), spec.residual(),
        spec.clips() ? spec.clip() : Double.POSITIVE_INFINITY, spec.inputForget(), acts);
  }

  /** The rnn4j architecture the oracle configuration describes (inverse of {@link #toConfig}). */
  public static ModelSpec toSpec(ReferenceRnn.Config c, boolean peepholes) {
    ModelSpec.Builder b = ModelSpec.builder(org.rnn4j.CellType.fromId(c.cell()), c.inputSize(), c.hiddenSize())
        .projSize(c.projSize()).numLayers(c.numLayers()).bidirectional(c.bidirectional()).residual(c.residual())
        .clip((float) c.clip()).inputForget(c.inputForget()).peepholes(peepholes);
    if (c.outputSize() > 0) {
      b.outputSize(c.outputSize());
    }
    if (c.activations() != null) {
      List<List<Activation>> acts = new ArrayList<>();
      for (List<ReferenceRnn.Act> dir : c.activations()) {
        List<Activation> list = new ArrayList<>();
        for (ReferenceRnn.Act a : dir) {
          list.add(Activation.of(Activation.Kind.fromName(a.name()), (float) a.alpha(), (float) a.beta()));
        }
        acts.add(list);
      }
      b.activations(acts);
    }
    return b.build();
  }

  /** Oracle weights (float64 values that came from float32 files) as an rnn4j model's weights. */
  public static ModelWeights toWeights(ModelSpec spec, Map<String, double[]> weights) {
    Map<String, float[]> f = new LinkedHashMap<>();
    for (Map.Entry<String, double[]> e : weights.entrySet()) {
      f.put(e.getKey(), narrow(e.getValue()));
    }
    return ModelWeights.of(spec, f);
  }

  public static float[] narrow(double[] a) {
    if (a == null) {
      return null;
    }
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }

  /** The model's float32 weights, widened exactly to float64 for the oracle. */
  public static Map<String, double[]> toDoubles(ModelWeights w) {
    Map<String, double[]> out = new LinkedHashMap<>();
    for (String name : w.names()) {
      out.put(name, widen(w.get(name)));
    }
    return out;
  }

  public static double[] widen(float[] a) {
    if (a == null) {
      return null;
    }
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  /** Standard-normal values scaled by {@code scale}, from a seed. */
  public static float[] gaussian(int n, double scale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * scale);
    }
    return a;
  }

  /** Transposes [T, B, F] to [B, T, F]. */
  public static float[] toBatchFirst(float[] x, int steps, int batch, int features) {
    float[] out = new float[x.length];
    for (int t = 0; t < steps; t++) {
      for (int b = 0; b < batch; b++) {
        System.arraycopy(x, (t * batch + b) * features, out, (b * steps + t) * features, features);
      }
    }
    return out;
  }
}
