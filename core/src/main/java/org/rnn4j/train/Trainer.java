package org.rnn4j.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.List;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.TrainableModel;
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
 * Not thread-safe; the parameters it holds change with every step. The model's prepared weights
 * are re-packed in place after each update ({@link TrainableModel}), so {@link #close()} it when done.
 */
public final class Trainer implements AutoCloseable {
  private static final String STEP_KEY = "rnn4j.train.step";
  private static final String HEAD_KEY = "rnn4j.head.outputs";

  private final ModelSpec spec;
  private final TrainableModel model;
  private final LinearHead head;
  private final Optimizer optimizer;
  private final double clipNorm;
  private final float clipValue;
  private org.rnn4j.Dropout dropout;
  /** Every parameter (the model's live arrays, then head.weight, head.bias), and their gradients. */
  private final String[] names;
  private final float[][] params;
  private final float[][] grads;
  private final float[] headW;
  private final float[] headB;
  private final float[] dHeadW;
  private final float[] dHeadB;
  // Reusable scratch of the step, grown to the largest batch.
  private int[] rows = new int[0];
  private int[] classes = new int[0];
  private float[] values = new float[0];
  private float[] logits = new float[0];
  private float[] dLogits = new float[0];
  private float[] dy = new float[0];
  private double lastGradientNorm = Double.NaN;

  /** The outcome of one step: the mean loss, the gradient norm before clipping, and the final states. */
  public record StepResult(double loss, double gradientNorm, float[] hN, float[] cN) {
  }

  private Trainer(ModelWeights weights, float[] headW, float[] headB, LinearHead head, Optimizer optimizer,
      Backend backend, double clipNorm, float clipValue) {
    this.spec = weights.spec();
    this.model = TrainableModel.of(weights, backend);
    this.head = head;
    this.optimizer = optimizer;
    this.clipNorm = clipNorm;
    this.clipValue = clipValue;
    this.headW = headW;
    this.headB = headB;
    this.dHeadW = new float[headW.length];
    this.dHeadB = new float[headB.length];
    List<String> modelNames = model.parameterNames();
    int n = modelNames.size();
    names = new String[n + 2];
    params = new float[n + 2][];
    grads = new float[n + 2][];
    for (int i = 0; i < n; i++) {
      names[i] = modelNames.get(i);
      params[i] = model.parameter(i);
      grads[i] = model.gradient(i);
    }
    names[n] = LinearHead.WEIGHT;
    params[n] = headW;
    grads[n] = dHeadW;
    names[n + 1] = LinearHead.BIAS;
    params[n + 1] = headB;
    grads[n + 1] = dHeadB;
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
    float[][] hp = head.initialParameters(seed);
    return new Trainer(initial, hp[0], hp[1], head, Objects.requireNonNull(optimizer, "optimizer"),
        backend == null ? BackendRegistry.getDefault().defaultBackend() : backend, clipNorm, clipValue);
  }

  /**
   * Dropout between stacked layers during {@link #step} (never in {@link #evaluate}); each step
   * draws fresh masks from the given seed and the step number. Null turns it off.
   */
  public void setDropout(org.rnn4j.Dropout dropout) {
    this.dropout = dropout;
  }

  /**
   * Data parallelism over the batch ({@link TrainableModel#parallelise}): every step's rows are
   * cut into {@code shards} fixed shards run on a dedicated pool of {@code threads} threads, and
   * their gradients are summed in shard order, so a run gives the same bits for any thread count
   * (and differs from another shard count only by float rounding). Inner kernels should then run
   * single-threaded (e.g. {@code -Drnn4j.simd.threads=1}) so the two levels do not oversubscribe.
   */
  public void setDataParallel(int shards, int threads) {
    model.parallelise(shards, threads);
    for (int i = 0; i < grads.length - 2; i++) {
      grads[i] = model.gradient(i); // the summed gradients live elsewhere once sharded
    }
  }

  /** {@link #setDataParallel(int, int)} with {@code -Drnn4j.threads} threads (default: the available processors). */
  public void setDataParallel(int shards) {
    setDataParallel(shards, Integer.getInteger("rnn4j.threads", Runtime.getRuntime().availableProcessors()));
  }

  public ModelSpec spec() {
    return spec;
  }

  public Optimizer optimizer() {
    return optimizer;
  }

  /** A snapshot of the recurrent model's current parameters. */
  public ModelWeights weights() {
    return model.snapshot();
  }

  /** A copy of every parameter, the head's included. */
  public Map<String, float[]> parameters() {
    Map<String, float[]> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], params[i].clone());
    }
    return m;
  }

  /** One training step; returns the loss before the update, and copies of the final states. */
  public StepResult step(SequenceBatch in, Targets targets) {
    double loss = train(in, targets);
    float[] hN = model.finalHidden();
    float[] cN = model.finalCell();
    int ld = spec.directionCount();
    int batch = in.batch();
    return new StepResult(loss, lastGradientNorm, Arrays.copyOf(hN, ld * batch * spec.outputWidth()),
        cN == null ? null : Arrays.copyOf(cN, ld * batch * spec.hiddenSize()));
  }

  /**
   * One training step (forward, loss, backward, clipping, optimizer update, re-pack), returning
   * the loss before the update; {@link #lastGradientNorm()} has the norm. Once the buffers have
   * grown to the largest batch (and the optimizer's state exists, after the first step) it
   * allocates nothing — without dropout; with dropout, one small random generator per layer.
   */
  public double train(SequenceBatch in, Targets targets) {
    org.rnn4j.Dropout d = dropout != null
        ? new org.rnn4j.Dropout(dropout.p(), dropout.variational(), dropout.seed() + 31 * optimizer.steps()) : null;
    model.record(in, d);
    float[] y = model.output();
    int n = selectRows(in, targets);
    int outputs = head.outputs();
    logits = grow(logits, n * outputs);
    dLogits = grow(dLogits, n * outputs);
    head.forward(headW, headB, y, rows, n, logits);
    double loss = lossAndGradient(in, targets, n);
    int yLen = in.steps() * in.batch() * spec.directions() * spec.outputWidth();
    dy = grow(dy, yLen);
    Arrays.fill(dy, 0, yLen, 0f);
    Arrays.fill(dHeadW, 0f);
    Arrays.fill(dHeadB, 0f);
    head.backward(headW, y, rows, n, dLogits, dHeadW, dHeadB, dy);
    model.backward(dy, null, null);
    lastGradientNorm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(grads, clipNorm)
        : GradientClipping.globalNorm(grads);
    if (clipValue > 0) {
      GradientClipping.clipByValue(grads, clipValue);
    }
    optimizer.step(names, params, grads);
    model.refresh();
    return loss;
  }

  /** The global gradient norm (before clipping) of the last training step. */
  public double lastGradientNorm() {
    return lastGradientNorm;
  }

  /** The loss without updating anything. */
  public double evaluate(SequenceBatch in, Targets targets) {
    return evaluateWithState(in, targets).loss();
  }

  /** The loss and final states without updating anything (evaluating long texts chunk by chunk). */
  public StepResult evaluateWithState(SequenceBatch in, Targets targets) {
    ForwardResult result = model.forward(in);
    float[] y = result.output().data();
    int n = selectRows(in, targets);
    int outputs = head.outputs();
    logits = grow(logits, n * outputs);
    dLogits = grow(dLogits, n * outputs);
    head.forward(headW, headB, y, rows, n, logits);
    double loss = lossAndGradient(in, targets, n);
    return new StepResult(loss, Double.NaN, result.hN().data(), result.cN() == null ? null : result.cN().data());
  }

  /** Final states of a forward pass with the current parameters (no loss, no update). */
  StepResult finalStates(SequenceBatch in) {
    ForwardResult r = model.forward(in);
    return new StepResult(Double.NaN, Double.NaN, r.hN().data(), r.cN() == null ? null : r.cN().data());
  }

  /** Head outputs [rows, outputs] for the selected positions: logits for inspection or sampling. */
  public float[] logits(SequenceBatch in, int[] rows) {
    float[] y = model.forward(in).output().data();
    return head.forward(headW, headB, y, rows);
  }

  /** Releases the backend's prepared weights. */
  @Override
  public void close() {
    model.close();
  }

  /** The mean loss over the n selected rows, its gradient into dLogits (0 when nothing is selected). */
  private double lossAndGradient(SequenceBatch in, Targets targets, int n) {
    if (n == 0) {
      return 0;
    }
    return switch (targets.kind) {
      case CLASS_PER_STEP, CLASS_PER_SEQUENCE -> Losses.softmaxCrossEntropy(logits, head.outputs(),
          classesFor(in, targets, n), n, dLogits);
      case VALUES_PER_STEP -> Losses.meanSquaredError(logits, valuesFor(in, targets, n), n * head.outputs(),
          dLogits);
    };
  }

  /** Fills {@link #rows} with the rows of y (flattened [T·B] in the input's order) that the loss reads; returns how many. */
  private int selectRows(SequenceBatch in, Targets t) {
    int steps = in.steps();
    int batch = in.batch();
    rows = growInts(rows, steps * batch);
    int n = 0;
    if (t.kind == Targets.Kind.CLASS_PER_SEQUENCE) {
      if (t.classes.length != batch) {
        throw new IllegalArgumentException("targets: expected one class per sequence (" + batch + "), got "
            + t.classes.length);
      }
      for (int b = 0; b < batch; b++) {
        int last = in.length(b) - 1;
        rows[n++] = index(in, last, b);
      }
    } else {
      boolean masked = t.kind == Targets.Kind.CLASS_PER_STEP;
      if (masked && t.classes.length != steps * batch) {
        throw new IllegalArgumentException("targets: expected a class per step and row (" + steps * batch
            + "), got " + t.classes.length);
      }
      for (int t2 = 0; t2 < steps; t2++) {
        for (int b = 0; b < batch; b++) {
          if (t2 < in.length(b) && !(masked && t.classes[index(in, t2, b)] == Targets.IGNORE)) {
            rows[n++] = index(in, t2, b);
          }
        }
      }
    }
    return n;
  }

  private static int index(SequenceBatch in, int t, int b) {
    return in.isBatchFirst() ? b * in.steps() + t : t * in.batch() + b;
  }

  private int[] classesFor(SequenceBatch in, Targets t, int n) {
    if (t.kind == Targets.Kind.CLASS_PER_SEQUENCE) {
      return t.classes;
    }
    if (t.classes.length != in.steps() * in.batch()) {
      throw new IllegalArgumentException("targets: expected a class per step and row (" + in.steps() * in.batch()
          + "), got " + t.classes.length);
    }
    classes = growInts(classes, n);
    for (int i = 0; i < n; i++) {
      classes[i] = t.classes[rows[i]];
    }
    return classes;
  }

  private float[] valuesFor(SequenceBatch in, Targets t, int n) {
    int c = head.outputs();
    if (t.values.length != in.steps() * in.batch() * c) {
      throw new IllegalArgumentException("targets: expected [" + in.steps() + ", " + in.batch() + ", " + c
          + "] values, got " + t.values.length);
    }
    values = grow(values, n * c);
    for (int i = 0; i < n; i++) {
      System.arraycopy(t.values, rows[i] * c, values, i * c, c);
    }
    return values;
  }

  private static float[] grow(float[] a, int n) {
    return a.length >= n ? a : new float[n];
  }

  private static int[] growInts(int[] a, int n) {
    return a.length >= n ? a : new int[n];
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
      tensors.put(n, TensorData.ofFloats(w.get(n), toLongs(w.shape(n))));
    }
    tensors.put(LinearHead.WEIGHT, TensorData.ofFloats(headW.clone(), head.outputs(), head.features()));
    tensors.put(LinearHead.BIAS, TensorData.ofFloats(headB.clone(), head.outputs()));
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
    long step;
    int outputs;
    float[] headW;
    float[] headB;
    try (SafetensorsReader r = SafetensorsReader.open(checkpoint)) {
      step = parseLong(r, STEP_KEY);
      outputs = (int) parseLong(r, HEAD_KEY);
      headW = r.readFloats(LinearHead.WEIGHT);
      headB = r.readFloats(LinearHead.BIAS);
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
    if (headW.length != outputs * head.features() || headB.length != outputs) {
      throw new ModelFormatException(checkpoint + ": head.weight/head.bias do not match " + outputs + " x "
          + head.features());
    }
    return new Trainer(w, headW, headB, head, optimizer,
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
