package org.rnn4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.rnn4j.FloatTensor;
import org.rnn4j.ForwardPass;
import org.rnn4j.ForwardResult;
import org.rnn4j.Gradients;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.io.ModelFormatException;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.io.SafetensorsWriter;
import org.rnn4j.io.TensorData;
import org.rnn4j.spi.Backend;

/**
 * Trains a recurrent model with a linear head by backpropagation through time: forward with
 * {@link Model#record}, loss (softmax cross-entropy or mean squared error, masked by lengths and
 * {@link Targets#IGNORE}), backward, optional gradient clipping, then an {@link Optimizer} step.
 *
 * <p>Truncated BPTT: pass {@link StepResult#hN()} / {@link StepResult#cN()} of one chunk as the
 * next chunk's h0 / c0; the gradient stops at the chunk border because initial states are inputs.
 * Not thread-safe; the parameters it holds change with every step.
 */
public final class Trainer {
  private static final String STEP_KEY = "rnn4j.train.step";
  private static final String HEAD_KEY = "rnn4j.head.outputs";

  private final ModelSpec spec;
  private final Map<String, float[]> params;
  private final LinearHead head;
  private final Optimizer optimizer;
  private final Backend backend;
  private final double clipNorm;
  private final float clipValue;
  private org.rnn4j.Dropout dropout;

  /** The outcome of one step: the mean loss, the gradient norm before clipping, and the final states. */
  public record StepResult(double loss, double gradientNorm, float[] hN, float[] cN) {
  }

  private Trainer(ModelSpec spec, Map<String, float[]> params, LinearHead head, Optimizer optimizer, Backend backend,
      double clipNorm, float clipValue) {
    this.spec = spec;
    this.params = params;
    this.head = head;
    this.optimizer = optimizer;
    this.backend = backend;
    this.clipNorm = clipNorm;
    this.clipValue = clipValue;
  }

  /**
   * A trainer starting from {@code initial}, with a head of {@code outputs} units initialised from
   * {@code seed}.
   *
   * @param clipNorm global-norm clipping threshold, or 0 for none
   * @param clipValue per-value clipping threshold, or 0 for none
   */
  public static Trainer create(ModelWeights initial, int outputs, long seed, Optimizer optimizer, Backend backend,
      double clipNorm, float clipValue) {
    ModelSpec spec = initial.spec();
    LinearHead head = new LinearHead(spec.directions() * spec.outputWidth(), outputs);
    Map<String, float[]> params = new LinkedHashMap<>();
    for (String n : initial.names()) {
      params.put(n, initial.get(n));
    }
    float[][] hp = head.initialParameters(seed);
    params.put(LinearHead.WEIGHT, hp[0]);
    params.put(LinearHead.BIAS, hp[1]);
    return new Trainer(spec, params, head, Objects.requireNonNull(optimizer, "optimizer"),
        backend == null ? BackendRegistry.getDefault().defaultBackend() : backend, clipNorm, clipValue);
  }

  /**
   * Dropout between stacked layers during {@link #step} (never in {@link #evaluate}); each step
   * draws fresh masks from the given seed and the step number. Null turns it off.
   */
  public void setDropout(org.rnn4j.Dropout dropout) {
    this.dropout = dropout;
  }

  public ModelSpec spec() {
    return spec;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /** A snapshot of the recurrent model's current parameters. */
  public ModelWeights weights() {
    Map<String, float[]> m = new LinkedHashMap<>();
    for (ModelWeights.Param p : ModelWeights.layout(spec)) {
      m.put(p.name(), params.get(p.name()));
    }
    return ModelWeights.of(spec, m);
  }

  /** A copy of every parameter, the head's included. */
  public Map<String, float[]> parameters() {
    Map<String, float[]> m = new LinkedHashMap<>();
    params.forEach((k, v) -> m.put(k, v.clone()));
    return m;
  }

  /** One training step; returns the loss before the update. */
  public StepResult step(SequenceBatch in, Targets targets) {
    return run(in, targets, true);
  }

  /** The loss without updating anything. */
  public double evaluate(SequenceBatch in, Targets targets) {
    return run(in, targets, false).loss();
  }

  /** The loss and final states without updating anything (evaluating long texts chunk by chunk). */
  public StepResult evaluateWithState(SequenceBatch in, Targets targets) {
    return run(in, targets, false);
  }

  /** Final states of a forward pass with the current parameters (no loss, no update). */
  StepResult finalStates(SequenceBatch in) {
    try (Model m = Model.of(weights(), backend, Precision.FP32)) {
      ForwardResult r = m.forward(in);
      return new StepResult(Double.NaN, Double.NaN, r.hN().data(), r.cN() == null ? null : r.cN().data());
    }
  }

  /** Head outputs [rows, outputs] for the selected positions: logits for inspection or sampling. */
  public float[] logits(SequenceBatch in, int[] rows) {
    try (Model m = Model.of(weights(), backend, Precision.FP32)) {
      float[] y = m.forward(in).output().data();
      return head.forward(params.get(LinearHead.WEIGHT), params.get(LinearHead.BIAS), y, rows);
    }
  }

  private StepResult run(SequenceBatch in, Targets targets, boolean update) {
    try (Model m = Model.of(weights(), backend, Precision.FP32)) {
      org.rnn4j.Dropout d = update && dropout != null
          ? new org.rnn4j.Dropout(dropout.p(), dropout.variational(), dropout.seed() + 31 * optimizer.steps()) : null;
      ForwardPass pass = update ? m.record(in, d) : null;
      ForwardResult result = update ? pass.result() : m.forward(in);
      float[] y = result.output().data();
      int[] rows = selectRows(in, targets);
      float[] w = params.get(LinearHead.WEIGHT);
      float[] b = params.get(LinearHead.BIAS);
      float[] out = head.forward(w, b, y, rows);
      float[] dOut = new float[out.length];
      double loss = rows.length == 0 ? 0 : switch (targets.kind) {
        case CLASS_PER_STEP, CLASS_PER_SEQUENCE -> Losses.softmaxCrossEntropy(out, head.outputs(),
            classesFor(in, targets, rows), dOut);
        case VALUES_PER_STEP -> Losses.meanSquaredError(out, valuesFor(in, targets, rows), dOut);
      };
      float[] hN = result.hN().data();
      float[] cN = result.cN() == null ? null : result.cN().data();
      if (!update) {
        return new StepResult(loss, Double.NaN, hN, cN);
      }
      float[] dy = new float[y.length];
      Map<String, float[]> grads = new LinkedHashMap<>();
      float[] dw = new float[w.length];
      float[] db = new float[b.length];
      head.backward(w, y, rows, dOut, dw, db, dy);
      Gradients g = pass.backward(dy, null, null);
      for (Map.Entry<String, FloatTensor> e : g.parameters().entrySet()) {
        grads.put(e.getKey(), e.getValue().data());
      }
      grads.put(LinearHead.WEIGHT, dw);
      grads.put(LinearHead.BIAS, db);
      double norm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(grads, clipNorm)
          : GradientClipping.globalNorm(grads);
      if (clipValue > 0) {
        GradientClipping.clipByValue(grads, clipValue);
      }
      optimizer.step(params, grads);
      return new StepResult(loss, norm, hN, cN);
    }
  }

  /** Rows of y (flattened [T·B] in the input's order) that the loss reads. */
  private static int[] selectRows(SequenceBatch in, Targets t) {
    int steps = in.steps();
    int batch = in.batch();
    int[] lengths = in.lengths();
    java.util.List<Integer> rows = new java.util.ArrayList<>();
    if (t.kind == Targets.Kind.CLASS_PER_SEQUENCE) {
      if (t.classes.length != batch) {
        throw new IllegalArgumentException("targets: expected one class per sequence (" + batch + "), got "
            + t.classes.length);
      }
      for (int b = 0; b < batch; b++) {
        int last = (lengths == null ? steps : lengths[b]) - 1;
        rows.add(index(in, last, b));
      }
    } else {
      boolean masked = t.kind == Targets.Kind.CLASS_PER_STEP;
      if (masked && t.classes.length != steps * batch) {
        throw new IllegalArgumentException("targets: expected a class per step and row (" + steps * batch
            + "), got " + t.classes.length);
      }
      for (int t2 = 0; t2 < steps; t2++) {
        for (int b = 0; b < batch; b++) {
          if ((lengths == null || t2 < lengths[b]) && !(masked && t.classes[index(in, t2, b)] == Targets.IGNORE)) {
            rows.add(index(in, t2, b));
          }
        }
      }
    }
    return rows.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int index(SequenceBatch in, int t, int b) {
    return in.isBatchFirst() ? b * in.steps() + t : t * in.batch() + b;
  }

  private static int[] classesFor(SequenceBatch in, Targets t, int[] rows) {
    if (t.kind == Targets.Kind.CLASS_PER_SEQUENCE) {
      return t.classes;
    }
    if (t.classes.length != in.steps() * in.batch()) {
      throw new IllegalArgumentException("targets: expected a class per step and row (" + in.steps() * in.batch()
          + "), got " + t.classes.length);
    }
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = t.classes[rows[i]];
    }
    return out;
  }

  private float[] valuesFor(SequenceBatch in, Targets t, int[] rows) {
    int c = head.outputs();
    if (t.values.length != in.steps() * in.batch() * c) {
      throw new IllegalArgumentException("targets: expected [" + in.steps() + ", " + in.batch() + ", " + c
          + "] values, got " + t.values.length);
    }
    float[] out = new float[rows.length * c];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(t.values, rows[i] * c, out, i * c, c);
    }
    return out;
  }

  // ---------------------------------------------------------------- checkpoints

  /** The optimizer-state file that goes with a checkpoint. */
  public static Path optimizerFile(Path checkpoint) {
    String name = checkpoint.getFileName().toString();
    String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
    return checkpoint.resolveSibling(base + ".optim.safetensors");
  }

  /**
   * Saves the parameters (PyTorch names, loadable by {@link Model#load} and {@code rnn4j run};
   * head as {@code head.weight}/{@code head.bias}) and, beside them, the optimizer state with the
   * step counter. Each file is written atomically; both carry the step so a mismatched pair is
   * detected on resume.
   */
  public void save(Path checkpoint) throws IOException {
    save(checkpoint, Map.of());
  }

  /** As {@link #save(Path)}, with extra metadata in the parameter file (e.g. a vocabulary). */
  public void save(Path checkpoint, Map<String, String> extraMetadata) throws IOException {
    String step = Long.toString(optimizer.steps());
    Map<String, String> meta = new LinkedHashMap<>(extraMetadata);
    meta.putAll(ModelFiles.metadata(spec));
    meta.put(STEP_KEY, step);
    meta.put(HEAD_KEY, Integer.toString(head.outputs()));
    Map<String, TensorData> tensors = new LinkedHashMap<>();
    ModelWeights w = weights();
    for (String n : w.names()) {
      tensors.put(n, TensorData.ofFloats(params.get(n), toLongs(w.shape(n))));
    }
    tensors.put(LinearHead.WEIGHT, TensorData.ofFloats(params.get(LinearHead.WEIGHT), head.outputs(), head.features()));
    tensors.put(LinearHead.BIAS, TensorData.ofFloats(params.get(LinearHead.BIAS), head.outputs()));
    Map<String, TensorData> opt = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : optimizer.state().entrySet()) {
      opt.put(e.getKey(), TensorData.ofFloats(e.getValue(), e.getValue().length));
    }
    SafetensorsWriter.write(optimizerFile(checkpoint), opt, Map.of(STEP_KEY, step));
    SafetensorsWriter.write(checkpoint, tensors, meta);
  }

  /** Continues from a checkpoint: same parameters, optimizer state and step as when it was saved. */
  public static Trainer resume(Path checkpoint, Optimizer optimizer, Backend backend, double clipNorm,
      float clipValue) throws IOException {
    ModelWeights w = ModelFiles.read(checkpoint);
    Map<String, float[]> params = new LinkedHashMap<>();
    for (String n : w.names()) {
      params.put(n, w.get(n));
    }
    long step;
    int outputs;
    try (SafetensorsReader r = SafetensorsReader.open(checkpoint)) {
      step = parseLong(r, STEP_KEY);
      outputs = (int) parseLong(r, HEAD_KEY);
      params.put(LinearHead.WEIGHT, r.readFloats(LinearHead.WEIGHT));
      params.put(LinearHead.BIAS, r.readFloats(LinearHead.BIAS));
    }
    Map<String, float[]> state = new LinkedHashMap<>();
    Path optFile = optimizerFile(checkpoint);
    try (SafetensorsReader r = SafetensorsReader.open(optFile)) {
      if (parseLong(r, STEP_KEY) != step) {
        throw new ModelFormatException(optFile + " is from step " + r.metadata().get(STEP_KEY) + ", " + checkpoint
            + " from step " + step + "; they do not belong together");
      }
      for (var t : r.tensors()) {
        state.put(t.name(), r.readFloats(t.name()));
      }
    }
    optimizer.loadState(state, step);
    LinearHead head = new LinearHead(w.spec().directions() * w.spec().outputWidth(), outputs);
    if (params.get(LinearHead.WEIGHT).length != outputs * head.features()) {
      throw new ModelFormatException(checkpoint + ": head.weight does not match " + outputs + " x " + head.features());
    }
    return new Trainer(w.spec(), params, head, optimizer,
        backend == null ? BackendRegistry.getDefault().defaultBackend() : backend, clipNorm, clipValue);
  }

  private static long parseLong(SafetensorsReader r, String key) throws ModelFormatException {
    String v = r.metadata().get(key);
    if (v == null) {
      throw new ModelFormatException(r.path() + ": metadata " + key + " missing; not an rnn4j training checkpoint");
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new ModelFormatException(r.path() + ": metadata " + key + " is not a number: '" + v + "'", e);
    }
  }

  private static long[] toLongs(int[] a) {
    return Arrays.stream(a).asLongStream().toArray();
  }
}
