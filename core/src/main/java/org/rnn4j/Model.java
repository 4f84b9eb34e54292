package org.rnn4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.spi.Backend;
import org.rnn4j.spi.Kernels;

/**
 * A recurrent model ready to run: its weights, prepared once for one backend.
 *
 * <p>Immutable and thread-safe: share one instance between all request threads. Each call
 * brings its own {@link Workspace} (or gets a fresh one) and, for streaming, its own
 * {@link State}. {@link #close()} releases what the backend prepared (off-heap weights, for
 * some backends); calls after close fail.
 *
 * <pre>{@code
 * try (Model model = Model.load(Path.of("lstm.safetensors"))) {
 *   ForwardResult r = model.forward(SequenceBatch.seqFirst(x, steps, batch, features));
 *   float[] y = r.output().data();
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
  private final ModelWeights weights;
  private final ModelSpec spec;
  private final Backend backend;
  private final Kernels kernels;
  private final Precision precision;
  private final PreparedDirection[] prepared;
  private volatile boolean closed;

  private Model(ModelWeights weights, Backend backend, Precision precision) {
    this.weights = Objects.requireNonNull(weights, "weights");
    this.spec = weights.spec();
    this.backend = Objects.requireNonNull(backend, "backend");
    this.precision = Objects.requireNonNull(precision, "precision");
    this.kernels = backend.kernels();
    this.prepared = new PreparedDirection[spec.directionCount()];
    try {
      for (int layer = 0; layer < spec.numLayers(); layer++) {
        for (int d = 0; d < spec.directions(); d++) {
          prepared[layer * spec.directions() + d] = new PreparedDirection(spec, weights, layer, d, kernels, precision);
        }
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * A model on the default backend ({@link BackendRegistry#defaultBackend()}), in the default
   * precision ({@link Precision#defaultPrecision()}: {@code -Drnn4j.precision}, else fp32).
   */
  public static Model of(ModelWeights weights) {
    return of(weights, BackendRegistry.getDefault().defaultBackend());
  }

  /** A model on the given backend, in the default precision. */
  public static Model of(ModelWeights weights, Backend backend) {
    return new Model(weights, backend, Precision.defaultPrecision());
  }

  /**
   * A model on the given backend in the given precision: {@link Precision#BF16} rounds the weight
   * matrices to bfloat16 here, once (see {@link Precision}).
   */
  public static Model of(ModelWeights weights, Backend backend, Precision precision) {
    return new Model(weights, backend, precision);
  }

  /** Loads a safetensors file (PyTorch state_dict names) on the default backend. */
  public static Model load(Path path) throws IOException {
    return of(ModelFiles.read(path));
  }

  /** Loads a safetensors file (PyTorch state_dict names) on the given backend. */
  public static Model load(Path path, Backend backend) throws IOException {
    return of(ModelFiles.read(path), backend);
  }

  /**
   * Loads a safetensors file on the given backend in the given precision. BF16 tensors in the
   * file are taken as they are (widening them is exact, so rounding them again changes nothing).
   */
  public static Model load(Path path, Backend backend, Precision precision) throws IOException {
    return of(ModelFiles.read(path), backend, precision);
  }

  /** Saves the weights as safetensors with PyTorch names and rnn4j metadata, atomically. */
  public void save(Path path) throws IOException {
    ModelFiles.write(weights, path);
  }

  public ModelSpec spec() {
    return spec;
  }

  public ModelWeights weights() {
    return weights;
  }

  public Backend backend() {
    return backend;
  }

  /** How the weight matrices are stored and multiplied. */
  public Precision precision() {
    return precision;
  }

  /** Bytes the backend holds for this model's prepared weights. */
  public long preparedBytes() {
    long n = 0;
    for (PreparedDirection p : prepared) {
      if (p != null) {
        n += p.packedBytes();
      }
    }
    return n;
  }

  /** A new workspace for this model; reuse it across calls on one thread. */
  public Workspace newWorkspace() {
    return new Workspace(spec);
  }

  /** Runs a batch of sequences with a fresh workspace. */
  public ForwardResult forward(SequenceBatch in) {
    return forward(in, newWorkspace());
  }

  /** Runs a batch of sequences, reusing {@code ws}; only the results are allocated. */
  public ForwardResult forward(SequenceBatch in, Workspace ws) {
    return forward(in, ws, false, null).result();
  }

  /** A forward result and, when asked for, the tape the backward pass reads. */
  record Recorded(ForwardResult result, Tape tape) {
  }

  Recorded forward(SequenceBatch in, Workspace ws, boolean record, Dropout dropout) {
    validate(in, ws);
    int steps = in.steps();
    int batch = in.batch();
    int ld = spec.directionCount();
    int hOut = spec.outputWidth();
    int hid = spec.hiddenSize();
    int width = spec.directions() * hOut;
    float[] y = new float[steps * batch * width];
    float[] hN = new float[ld * batch * hOut];
    float[] cN = spec.hasCellState() ? new float[ld * batch * hid] : null;
    Tape tape = record ? new Tape(spec) : null;
    run(in, ws, tape, dropout, y, hN, cN);
    int[] yShape = in.isBatchFirst() ? new int[] {batch, steps, width} : new int[] {steps, batch, width};
    return new Recorded(new ForwardResult(new FloatTensor(y, yShape), new FloatTensor(hN, new int[] {ld, batch, hOut}),
        cN == null ? null : new FloatTensor(cN, new int[] {ld, batch, hid})), tape);
  }

  /** Checks the input against this model and the workspace. */
  void validate(SequenceBatch in, Workspace ws) {
    ensureOpen();
    Objects.requireNonNull(in, "input");
    // A workspace fits every model of the same architecture, so equal specs may share one.
    if (ws == null || (ws.spec != spec && !ws.spec.equals(spec))) {
      throw new IllegalArgumentException("workspace was created for another architecture" + (ws == null ? "" : ": "
          + ws.spec));
    }
    int batch = in.batch();
    if (in.features() != spec.inputSize()) {
      throw new IllegalArgumentException("x: " + in.features() + " features per step, model expects "
          + spec.inputSize());
    }
    int ld = spec.directionCount();
    int hOut = spec.outputWidth();
    int hid = spec.hiddenSize();
    checkState("h0", in.h0(), (long) ld * batch * hOut, ld, batch, hOut);
    if (in.c0() != null && !spec.hasCellState()) {
      throw new IllegalArgumentException("c0 given, but a " + spec.cell().id() + " model has no cell state");
    }
    checkState("c0", in.c0(), (long) ld * batch * hid, ld, batch, hid);
  }

  /**
   * The forward pass of a validated input into caller-owned outputs (y, at least T·B·D·Hout, is
   * zeroed first; hN, cN at least [L·D, B, ·]), recording into {@code tape} (prepared here) when
   * it is not null. Allocates nothing once the workspace and tape have grown to the batch.
   */
  void run(SequenceBatch in, Workspace ws, Tape tape, Dropout dropout, float[] y, float[] hN, float[] cN) {
    int steps = in.steps();
    int batch = in.batch();
    int hOut = spec.outputWidth();
    int[] lengths = in.lengthsRef();
    ws.layout(steps, batch, lengths);
    ws.ensure(steps, batch);
    int rows = ws.packedRows;

    float[] input = gatherInput(in, ws);
    if (tape != null) {
      tape.prepare(ws, steps, batch);
    }
    int width = spec.directions() * hOut;
    // Seq-first with every row alive, the packed layout is y's own: the last layer writes into y.
    boolean packedIsY = !in.isBatchFirst() && lengths == null;
    int last = spec.numLayers() - 1;
    float[] out = null;
    for (int layer = 0; layer <= last; layer++) {
      out = layer == last && packedIsY ? y : (layer % 2 == 0) ? ws.layerA : ws.layerB;
      int inWidth = spec.layerInputSize(layer);
      if (tape != null) {
        System.arraycopy(input, 0, tape.layerInput[layer], 0, rows * inWidth);
      }
      for (int d = 0; d < spec.directions(); d++) {
        runDirection(layer, d, input, inWidth, out, width, steps, batch, in, ws, hN, cN, tape);
      }
      if (spec.residual() && layer > 0) {
        kernels.axpy(rows * width, 1f, input, 0, out, 0);
      }
      if (dropout != null && dropout.p() > 0f && layer < spec.numLayers() - 1) {
        float[] mask;
        if (tape != null) {
          mask = tape.maskBuffer(layer, rows * width);
          if (dropout.variational()) {
            tape.maskPerSequence = Workspace.grow(tape.maskPerSequence, (long) batch * width);
          }
          dropout.fillMask(layer, width, steps, batch, ws.order, ws.batchSizes, ws.offsets, rows, mask,
              tape.maskPerSequence);
          tape.dropoutMasks[layer] = mask;
        } else {
          mask = dropout.mask(layer, width, steps, batch, ws.order, ws.batchSizes, ws.offsets, rows);
        }
        for (int i = 0; i < rows * width; i++) {
          out[i] *= mask[i];
        }
      }
      input = out;
    }
    if (out != y) {
      scatterOutput(out, width, steps, batch, in.isBatchFirst(), ws, y);
    }
  }

  /**
   * Vector-Jacobian product: the gradients of L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n with respect to
   * the input, the initial states and every parameter, as {@code torch.autograd.grad} gives them.
   *
   * @param dy shaped like the output y (seq- or batch-first as the input)
   * @param dhN [L·D, B, Hout], or null for zeros
   * @param dcN [L·D, B, H] (LSTM only), or null for zeros
   */
  public Gradients vjp(SequenceBatch in, float[] dy, float[] dhN, float[] dcN) {
    return record(in).backward(dy, dhN, dcN);
  }

  /**
   * Runs the forward pass and keeps what the backward pass needs, for training: read the outputs
   * from {@link ForwardPass#result()}, compute the loss's gradient, then call
   * {@link ForwardPass#backward}.
   */
  public ForwardPass record(SequenceBatch in) {
    return record(in, null);
  }

  /** As {@link #record(SequenceBatch)}, with dropout between stacked layers (null = none). */
  public ForwardPass record(SequenceBatch in, Dropout dropout) {
    return record(in, dropout, newWorkspace());
  }

  /** As {@link #record(SequenceBatch, Dropout)} on a given workspace (tests vary its projection chunk). */
  ForwardPass record(SequenceBatch in, Dropout dropout, Workspace ws) {
    Objects.requireNonNull(in, "input");
    if (precision != Precision.FP32) {
      throw new UnsupportedOperationException("training (record, vjp, backward) runs in fp32 only; this model was "
          + "loaded in " + precision + ": load it with Precision.FP32 to train or take gradients");
    }
    Recorded rec = forward(in, ws, true, dropout);
    return new ForwardPass(this, in, rec.result(), rec.tape());
  }

  /**
   * Runs one sequence x [steps, I] and returns every unit's value at every step: hidden and cell
   * states and each gate after its activation, per layer and direction.
   */
  public ActivationTrace trace(float[] x, int steps) {
    ensureOpen();
    Recorded rec = forward(SequenceBatch.seqFirst(x, steps, 1, spec.inputSize()), newWorkspace(), true, null);
    return Tracer.trace(spec, prepared, rec.tape());
  }

  /** Backward over a recorded pass; arguments validated by {@link ForwardPass#backward}. */
  Gradients backward(SequenceBatch in, Tape tape, float[] dy, float[] dhN, float[] dcN) {
    ensureOpen();
    int batch = in.batch();
    int ld = spec.directionCount();
    long yLen = (long) in.steps() * batch * spec.directions() * spec.outputWidth();
    if (dy == null || dy.length != yLen) {
      throw new IllegalArgumentException("dy: expected the shape of y (" + yLen + " elements), got "
          + (dy == null ? "null" : dy.length + " elements"));
    }
    checkState("dh_n", dhN, (long) ld * batch * spec.outputWidth(), ld, batch, spec.outputWidth());
    if (dcN != null && !spec.hasCellState()) {
      throw new IllegalArgumentException("dc_n given, but a " + spec.cell().id() + " model has no cell state");
    }
    checkState("dc_n", dcN, (long) ld * batch * spec.hiddenSize(), ld, batch, spec.hiddenSize());
    Backprop bp = newBackprop();
    bp.run(tape, in.isBatchFirst(), dy, dhN, dcN);
    return bp.result(in.isBatchFirst());
  }

  /** A reusable backward pass over this model's prepared weights. */
  Backprop newBackprop() {
    return new Backprop(spec, weights, kernels, prepared);
  }

  /** Floats of scratch {@link #refresh} needs. */
  int refreshScratchSize() {
    int n = 1;
    for (PreparedDirection p : prepared) {
      n = Math.max(n, p.refreshScratchSize());
    }
    return n;
  }

  /**
   * Re-prepares every layer from the current values of this model's parameter arrays, in place
   * (for {@link TrainableModel}, the only owner of a model whose parameters change). Not safe
   * while another call uses the model.
   */
  void refresh(float[] scratch) {
    ensureOpen();
    if (precision != Precision.FP32) {
      throw new UnsupportedOperationException("re-packing updated parameters runs in fp32 only; this model is "
          + precision);
    }
    for (PreparedDirection p : prepared) {
      p.refresh(kernels, scratch);
    }
  }

  /** The kernels this model runs on. */
  Kernels kernels() {
    return kernels;
  }

  private static void checkState(String name, float[] s, long expected, int ld, int batch, int width) {
    if (s != null && s.length != expected) {
      throw new IllegalArgumentException(name + ": expected shape [" + ld + ", " + batch + ", " + width + "] ("
          + expected + " elements), got " + s.length + " elements");
    }
  }

  /** The input in packed layout: step-major, rows of each step in length order, padding dropped. */
  private float[] gatherInput(SequenceBatch in, Workspace ws) {
    int steps = in.steps();
    int batch = in.batch();
    int feat = in.features();
    if (!in.isBatchFirst() && in.lengthsRef() == null) {
      return in.x(); // already [T, B, I] with every row alive
    }
    float[] x = in.x();
    float[] p = ws.packedInput;
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < ws.batchSizes[t]; r++) {
        int b = ws.order[r];
        int src = in.isBatchFirst() ? (b * steps + t) * feat : (t * batch + b) * feat;
        System.arraycopy(x, src, p, (ws.offsets[t] + r) * feat, feat);
      }
    }
    return p;
  }

  private void scatterOutput(float[] out, int width, int steps, int batch, boolean batchFirst, Workspace ws,
      float[] y) {
    java.util.Arrays.fill(y, 0, steps * batch * width, 0f);
    for (int t = 0; t < steps; t++) {
      for (int r = 0; r < ws.batchSizes[t]; r++) {
        int b = ws.order[r];
        int dst = batchFirst ? (b * steps + t) * width : (t * batch + b) * width;
        System.arraycopy(out, (ws.offsets[t] + r) * width, y, dst, width);
      }
    }
  }

  private void runDirection(int layer, int dir, float[] input, int inWidth, float[] out, int width, int steps,
      int batch, SequenceBatch in, Workspace ws, float[] hN, float[] cN, Tape tape) {
    PreparedDirection p = prepared[layer * spec.directions() + dir];
    int hOut = p.outWidth;
    int hid = p.hidden;
    int gh = spec.gateRows();
    int slot = layer * spec.directions() + dir;
    Workspace.StepScratch s = ws.step;
    float[] h = s.h;
    float[] c = s.c;
    // Initial state, rows in length order.
    for (int r = 0; r < batch; r++) {
      int b = ws.order[r];
      fillRow(in.h0(), (slot * batch + b) * hOut, h, r * hOut, hOut);
      if (cN != null) {
        fillRow(in.c0(), (slot * batch + b) * hid, c, r * hid, hid);
      }
    }
    Tape.Direction td = tape == null ? null : tape.dirs[slot];
    if (td != null) {
      System.arraycopy(h, 0, td.h0, 0, batch * hOut);
      if (td.c0 != null) {
        System.arraycopy(c, 0, td.c0, 0, batch * hid);
      }
    }
    // The input projection runs per chunk of steps (Workspace.projectionSteps: all of them unless
    // the pass is long), in the direction's order, so its buffer stays bounded whatever T is. Each
    // row's product is the same whatever rows share the call.
    int chunk = ws.projectionSteps;
    for (int s0 = 0; s0 < steps; s0 += chunk) {
      int s1 = Math.min(steps, s0 + chunk);
      int tLo = dir == 0 ? s0 : steps - s1;
      int tHi = dir == 0 ? s1 : steps - s0;
      int row0 = ws.offsets[tLo];
      int chunkRows = ws.offsets[tHi] - row0;
      if (chunkRows == 0) {
        continue;
      }
      kernels.matmulPacked(chunkRows, input, row0 * inWidth, inWidth, p.wIh, 0f, ws.xproj, 0, gh);
      if (td != null) {
        System.arraycopy(ws.xproj, 0, td.xproj, row0 * gh, chunkRows * gh);
      }
      for (int s2 = s0; s2 < s1; s2++) {
        int t = dir == 0 ? s2 : steps - 1 - s2;
        int rows = ws.batchSizes[t];
        if (rows == 0) {
          continue;
        }
        CellStep.advance(kernels, p, rows, ws.xproj, (ws.offsets[t] - row0) * gh, h, c, s);
        if (tape != null) {
          tape.recordStep(slot, t, rows, spec, s, h, c);
        }
        if (width == hOut) {
          System.arraycopy(h, 0, out, ws.offsets[t] * width, rows * hOut);
        } else {
          for (int r = 0; r < rows; r++) {
            System.arraycopy(h, r * hOut, out, (ws.offsets[t] + r) * width + dir * hOut, hOut);
          }
        }
      }
    }
    // Rows that ended early kept their state since their last step: that is their final state.
    for (int r = 0; r < batch; r++) {
      int b = ws.order[r];
      System.arraycopy(h, r * hOut, hN, (slot * batch + b) * hOut, hOut);
      if (cN != null) {
        System.arraycopy(c, r * hid, cN, (slot * batch + b) * hid, hid);
      }
    }
  }

  private static void fillRow(float[] src, int srcOff, float[] dst, int dstOff, int n) {
    if (src == null) {
      Arrays.fill(dst, dstOff, dstOff + n, 0f);
    } else {
      System.arraycopy(src, srcOff, dst, dstOff, n);
    }
  }

  // ------------------------------------------------------------------ streaming

  /**
   * A fresh streaming state for {@code batch} independent streams, all starting from zeros.
   * Streaming needs a unidirectional model: a reverse direction cannot run one step at a time.
   */
  public State newState(int batch) {
    if (spec.bidirectional()) {
      throw new IllegalStateException("streaming needs a unidirectional model; this one is bidirectional");
    }
    if (batch <= 0) {
      throw new IllegalArgumentException("batch must be positive, got " + batch);
    }
    return new State(spec, batch);
  }

  /**
   * Advances every stream of {@code state} by one step: x [B, I] in, y [B, Hout] (the last
   * layer's output) out. Allocates nothing. Equivalent to a sequence call over the same steps.
   */
  public void step(State state, float[] x, float[] y) {
    checkStep(state, state == null ? 0 : state.batch(), x, y, true);
    stepRows(state, state.batch(), x, y);
  }

  /**
   * Advances only the first {@code rows} streams of {@code state} by one step, reading x from the
   * first rows·I elements of {@code x} and writing the first rows·Hout elements of {@code y}; the
   * other rows keep their state. Lets a caller that gathers a varying set of streams into the
   * front rows (a micro-batcher) keep one state and one pair of buffers of the largest size.
   */
  public void step(State state, int rows, float[] x, float[] y) {
    checkStep(state, rows, x, y, false);
    stepRows(state, rows, x, y);
  }

  private void checkStep(State state, int rows, float[] x, float[] y, boolean exact) {
    ensureOpen();
    Objects.requireNonNull(state, "state");
    if (!state.spec.equals(spec)) {
      throw new IllegalArgumentException("state was created for another architecture: " + state.spec);
    }
    if (rows < 1 || rows > state.batch()) {
      throw new IllegalArgumentException("rows must be in 1.." + state.batch() + ", got " + rows);
    }
    long nx = (long) rows * spec.inputSize();
    long ny = (long) rows * spec.outputWidth();
    if (x == null || (exact ? x.length != nx : x.length < nx)) {
      throw new IllegalArgumentException("x: expected [" + rows + ", " + spec.inputSize() + "] (" + nx
          + " elements), got " + (x == null ? "null" : x.length + " elements"));
    }
    if (y == null || (exact ? y.length != ny : y.length < ny)) {
      throw new IllegalArgumentException("y: expected [" + rows + ", " + spec.outputWidth() + "] (" + ny
          + " elements), got " + (y == null ? "null" : y.length + " elements"));
    }
  }

  private void stepRows(State state, int batch, float[] x, float[] y) {
    int hOut = spec.outputWidth();
    float[] input = x;
    int gh = spec.gateRows();
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      PreparedDirection p = prepared[layer];
      kernels.matmulPacked(batch, input, 0, spec.layerInputSize(layer), p.wIh, 0f, state.xproj, 0, gh);
      float[] h = state.h[layer];
      CellStep.advance(kernels, p, batch, state.xproj, 0, h, state.c[layer], state.scratch);
      float[] out = state.layerOut[layer % 2];
      System.arraycopy(h, 0, out, 0, batch * hOut);
      if (spec.residual() && layer > 0) {
        kernels.axpy(batch * hOut, 1f, input, 0, out, 0);
      }
      input = out;
    }
    System.arraycopy(input, 0, y, 0, batch * hOut);
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("model is closed");
    }
  }

  /** Releases the backend's prepared weights. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (PreparedDirection p : prepared) {
      if (p != null) {
        p.close();
      }
    }
  }

  @Override
  public String toString() {
    return "Model[" + spec + " on " + backend.name() + (precision == Precision.FP32 ? "" : ", " + precision) + "]";
  }
}
