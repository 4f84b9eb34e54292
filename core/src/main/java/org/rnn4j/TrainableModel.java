package org.rnn4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.rnn4j.spi.Backend;

/**
 * A model whose parameters change in place, for training loops: the parameter arrays are live
 * ({@link #parameter}), an optimizer updates them and {@link #refresh()} re-packs the backend's
 * prepared weights in place ({@link org.rnn4j.spi.Kernels#repack}). {@link #record} and
 * {@link #backward} reuse one workspace, one tape and one set of gradient buffers, so once they
 * have grown to the largest batch a training step allocates nothing.
 *
 * <p>Outputs and gradients live in buffers owned by this object and are overwritten by the next
 * call; buffers may be longer than the current batch needs (only the prefix the batch's shape
 * gives is meaningful). Not thread-safe; {@link #snapshot()} gives an immutable copy for serving.
 */
public final class TrainableModel implements AutoCloseable {
  private final ModelSpec spec;
  private final Model model;
  /** The model's own parameter arrays, in layout order. */
  private final String[] names;
  private final float[][] live;
  private final Workspace ws;
  private final Tape tape;
  private final Backprop backprop;
  private final float[] scratch;
  private float[] y = new float[0];
  private float[] hN = new float[0];
  private float[] cN = new float[0];
  private SequenceBatch recorded;
  // Data parallelism over the batch (see parallelise): fixed shards of rows, each with its own
  // workspace, tape and gradient buffers, run on a pool of its own, gradients summed in shard order.
  private Shard[] shards;
  private ShardPool pool;
  private float[][] reduced;
  private int activeShards;
  private SequenceBatch jobInput;
  private Dropout jobDropout;
  private float[] jobDy;
  private float[] jobDhN;
  private float[] jobDcN;
  private final java.util.function.IntConsumer recordJob = this::recordShard;
  private final java.util.function.IntConsumer backwardJob = this::backwardShard;
  private final java.util.function.IntConsumer reduceJob = this::reduceParameter;

  private TrainableModel(ModelWeights initial, Backend backend) {
    this.spec = initial.spec();
    // A private copy: its arrays are changed in place by the optimizer, never seen by anyone else.
    ModelWeights own = ModelWeights.of(spec, toMap(initial));
    this.model = Model.of(own, backend, Precision.FP32); // training is fp32 only
    List<String> n = own.names();
    this.names = n.toArray(new String[0]);
    this.live = new float[names.length][];
    for (int i = 0; i < names.length; i++) {
      live[i] = own.values(names[i]);
    }
    this.ws = model.newWorkspace();
    this.tape = new Tape(spec);
    this.backprop = model.newBackprop();
    this.scratch = new float[model.refreshScratchSize()];
  }

  private static Map<String, float[]> toMap(ModelWeights w) {
    Map<String, float[]> m = new LinkedHashMap<>();
    for (String name : w.names()) {
      m.put(name, w.get(name));
    }
    return m;
  }

  /** One shard of the batch's rows and everything it computes with. */
  private static final class Shard {
    final Workspace ws;
    final Tape tape;
    final Backprop bp;
    int first;
    int rows;
    SequenceBatch in;
    float[] x = new float[0];
    int[] lengths;
    float[] h0;
    float[] c0;
    float[] y = new float[0];
    float[] hN = new float[0];
    float[] cN = new float[0];
    float[] dy = new float[0];
    float[] dhN = new float[0];
    float[] dcN = new float[0];

    Shard(Model m, ModelSpec spec) {
      ws = m.newWorkspace();
      tape = new Tape(spec);
      bp = m.newBackprop();
    }
  }

  /**
   * Splits every following {@link #record}/{@link #backward} over the batch: rows are cut into
   * {@code shards} contiguous shards (fewer when the batch is smaller), each runs forward and
   * backward on its own, on a dedicated pool of {@code threads} threads (the caller included),
   * and the parameter gradients are summed shard by shard in shard order. Results therefore
   * depend on the number of shards but not on the number of threads. One shard (the default)
   * is the unsplit computation. Steady-state steps still allocate nothing.
   */
  public void parallelise(int shards, int threads) {
    if (shards < 1 || threads < 1) {
      throw new IllegalArgumentException("shards and threads must be >= 1, got " + shards + " and " + threads);
    }
    if (pool != null) {
      pool.close();
      pool = null;
    }
    if (shards == 1) {
      this.shards = null;
      return;
    }
    this.shards = new Shard[shards];
    for (int i = 0; i < shards; i++) {
      this.shards[i] = new Shard(model, spec);
    }
    if (reduced == null) {
      reduced = new float[names.length][];
      for (int i = 0; i < names.length; i++) {
        reduced[i] = new float[live[i].length];
      }
    }
    pool = new ShardPool(threads);
  }

  /** A trainable copy of {@code initial} on {@code backend}. */
  public static TrainableModel of(ModelWeights initial, Backend backend) {
    return new TrainableModel(Objects.requireNonNull(initial, "weights"), Objects.requireNonNull(backend, "backend"));
  }

  public ModelSpec spec() {
    return spec;
  }

  public Backend backend() {
    return model.backend();
  }

  /** Parameter names in canonical order; index i of {@link #parameter(int)} and {@link #gradient(int)}. */
  public List<String> parameterNames() {
    return List.of(names);
  }

  /** The live values of parameter i: change them, then call {@link #refresh()}. */
  public float[] parameter(int i) {
    return live[i];
  }

  /** The gradient of parameter i from the last {@link #backward} (the same array every time). */
  public float[] gradient(int i) {
    return shards == null ? backprop.gradient(i) : reduced[i];
  }

  /** Re-packs the prepared weights from the live parameters, in place, without allocating. */
  public void refresh() {
    model.refresh(scratch);
  }

  /** An immutable copy of the current parameters. */
  public ModelWeights snapshot() {
    Map<String, float[]> m = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], live[i]);
    }
    return ModelWeights.of(spec, m);
  }

  /** A forward pass with fresh result tensors (evaluation; allocates its results). */
  public ForwardResult forward(SequenceBatch in) {
    return model.forward(in, ws);
  }

  /**
   * Runs the forward pass keeping what {@link #backward} needs, with dropout between stacked
   * layers when {@code dropout} is not null. Results in {@link #output()}, {@link #finalHidden()}
   * and {@link #finalCell()}.
   */
  public void record(SequenceBatch in, Dropout dropout) {
    model.validate(in, ws);
    int steps = in.steps();
    int batch = in.batch();
    int ld = spec.directionCount();
    y = Workspace.grow(y, (long) steps * batch * spec.directions() * spec.outputWidth());
    hN = Workspace.grow(hN, (long) ld * batch * spec.outputWidth());
    cN = Workspace.grow(cN, spec.hasCellState() ? (long) ld * batch * spec.hiddenSize() : 0);
    recorded = null; // until this pass has completed
    if (shards == null) {
      model.run(in, ws, tape, dropout, y, hN, cN.length == 0 ? null : cN);
    } else {
      activeShards = Math.min(shards.length, batch);
      jobInput = in;
      jobDropout = dropout;
      try {
        pool.run(recordJob, activeShards);
      } finally {
        jobInput = null;
        jobDropout = null;
      }
    }
    recorded = in;
  }

  /** Forward pass of shard s: its rows of the input, run, its rows of y, h_n and c_n written back. */
  private void recordShard(int s) {
    Shard sh = shards[s];
    SequenceBatch in = jobInput;
    int steps = in.steps();
    int batch = in.batch();
    int f = in.features();
    int first = s * batch / activeShards;
    int rows = (s + 1) * batch / activeShards - first;
    int ld = spec.directionCount();
    int hOut = spec.outputWidth();
    int hid = spec.hiddenSize();
    int width = spec.directions() * hOut;
    boolean lstm = spec.hasCellState();
    if (sh.in == null || sh.rows != rows || sh.in.steps() != steps || sh.in.features() != f
        || sh.in.isBatchFirst() != in.isBatchFirst() || (sh.lengths != null) != (in.lengthsRef() != null)
        || (sh.h0 != null) != (in.h0() != null) || (sh.c0 != null) != (in.c0() != null)) {
      // A new shape: exact-size buffers (the model checks state sizes exactly) and a batch over them.
      sh.x = new float[steps * rows * f];
      sh.lengths = in.lengthsRef() != null ? new int[rows] : null;
      sh.h0 = in.h0() != null ? new float[ld * rows * hOut] : null;
      sh.c0 = in.c0() != null ? new float[ld * rows * hid] : null;
      sh.in = new SequenceBatch(sh.x, steps, rows, f, in.isBatchFirst(), sh.lengths, sh.h0, sh.c0);
      sh.y = new float[steps * rows * width];
      sh.hN = new float[ld * rows * hOut];
      sh.cN = lstm ? new float[ld * rows * hid] : null;
    }
    sh.first = first;
    sh.rows = rows;
    float[] x = in.x();
    if (in.isBatchFirst()) {
      System.arraycopy(x, first * steps * f, sh.x, 0, rows * steps * f);
    } else {
      for (int t = 0; t < steps; t++) {
        System.arraycopy(x, (t * batch + first) * f, sh.x, t * rows * f, rows * f);
      }
    }
    if (sh.lengths != null) {
      System.arraycopy(in.lengthsRef(), first, sh.lengths, 0, rows);
    }
    sliceState(in.h0(), sh.h0, ld, batch, first, rows, hOut);
    sliceState(in.c0(), sh.c0, ld, batch, first, rows, hid);
    model.run(sh.in, sh.ws, sh.tape, jobDropout, sh.y, sh.hN, sh.cN);
    scatterRows(sh.y, y, steps, batch, first, rows, width, in.isBatchFirst());
    unsliceState(sh.hN, hN, ld, batch, first, rows, hOut);
    if (lstm) {
      unsliceState(sh.cN, cN, ld, batch, first, rows, hid);
    }
  }

  private static void sliceState(float[] full, float[] part, int ld, int batch, int first, int rows, int width) {
    if (full == null) {
      return;
    }
    for (int slot = 0; slot < ld; slot++) {
      System.arraycopy(full, (slot * batch + first) * width, part, slot * rows * width, rows * width);
    }
  }

  private static void unsliceState(float[] part, float[] full, int ld, int batch, int first, int rows, int width) {
    for (int slot = 0; slot < ld; slot++) {
      System.arraycopy(part, slot * rows * width, full, (slot * batch + first) * width, rows * width);
    }
  }

  /** Copies a shard's [T, rows, W] (or [rows, T, W]) block into the full batch's tensor. */
  private static void scatterRows(float[] part, float[] full, int steps, int batch, int first, int rows, int width,
      boolean batchFirst) {
    if (batchFirst) {
      System.arraycopy(part, 0, full, first * steps * width, rows * steps * width);
    } else {
      for (int t = 0; t < steps; t++) {
        System.arraycopy(part, t * rows * width, full, (t * batch + first) * width, rows * width);
      }
    }
  }

  /** The inverse of {@link #scatterRows}. */
  private static void gatherRows(float[] full, float[] part, int steps, int batch, int first, int rows, int width,
      boolean batchFirst) {
    if (batchFirst) {
      System.arraycopy(full, first * steps * width, part, 0, rows * steps * width);
    } else {
      for (int t = 0; t < steps; t++) {
        System.arraycopy(full, (t * batch + first) * width, part, t * rows * width, rows * width);
      }
    }
  }

  /** Backward pass of shard s over its rows of dy, dh_n, dc_n. */
  private void backwardShard(int s) {
    Shard sh = shards[s];
    SequenceBatch in = recorded;
    int steps = in.steps();
    int batch = in.batch();
    int ld = spec.directionCount();
    int hOut = spec.outputWidth();
    int hid = spec.hiddenSize();
    int width = spec.directions() * hOut;
    sh.dy = Workspace.grow(sh.dy, (long) steps * sh.rows * width);
    gatherRows(jobDy, sh.dy, steps, batch, sh.first, sh.rows, width, in.isBatchFirst());
    float[] dh = null;
    float[] dc = null;
    if (jobDhN != null) {
      sh.dhN = Workspace.grow(sh.dhN, (long) ld * sh.rows * hOut);
      sliceState(jobDhN, sh.dhN, ld, batch, sh.first, sh.rows, hOut);
      dh = sh.dhN;
    }
    if (jobDcN != null) {
      sh.dcN = Workspace.grow(sh.dcN, (long) ld * sh.rows * hid);
      sliceState(jobDcN, sh.dcN, ld, batch, sh.first, sh.rows, hid);
      dc = sh.dcN;
    }
    sh.bp.run(sh.tape, in.isBatchFirst(), sh.dy, dh, dc);
  }

  /** Parameter i's gradient: the shards' gradients summed in shard order (whichever thread runs it). */
  private void reduceParameter(int i) {
    float[] out = reduced[i];
    System.arraycopy(shards[0].bp.gradient(i), 0, out, 0, out.length);
    for (int s = 1; s < activeShards; s++) {
      float[] g = shards[s].bp.gradient(i);
      for (int j = 0; j < out.length; j++) {
        out[j] += g[j];
      }
    }
  }

  /** y of the last {@link #record}, laid out as its input (seq- or batch-first); T·B·D·Hout values used. */
  public float[] output() {
    return y;
  }

  /** h_n of the last {@link #record}, [L·D, B, Hout]. */
  public float[] finalHidden() {
    return hN;
  }

  /** c_n of the last {@link #record} (LSTM), [L·D, B, H]; null for other cells. */
  public float[] finalCell() {
    return spec.hasCellState() ? cN : null;
  }

  /**
   * Gradients of L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n for the last {@link #record}, into
   * {@link #gradient(int)}. dy holds at least the output's T·B·D·Hout values (laid out as y);
   * dhN and dcN may be null (zeros).
   */
  public void backward(float[] dy, float[] dhN, float[] dcN) {
    if (recorded == null) {
      throw new IllegalStateException("backward needs a recorded forward pass first");
    }
    int batch = recorded.batch();
    int ld = spec.directionCount();
    long yLen = (long) recorded.steps() * batch * spec.directions() * spec.outputWidth();
    if (dy == null || dy.length < yLen) {
      throw new IllegalArgumentException("dy: expected at least the " + yLen + " elements of y, got "
          + (dy == null ? "null" : dy.length + " elements"));
    }
    if (dhN != null && dhN.length < (long) ld * batch * spec.outputWidth()) {
      throw new IllegalArgumentException("dh_n: expected [" + ld + ", " + batch + ", " + spec.outputWidth()
          + "], got " + dhN.length + " elements");
    }
    if (dcN != null && (!spec.hasCellState() || dcN.length < (long) ld * batch * spec.hiddenSize())) {
      throw new IllegalArgumentException(spec.hasCellState() ? "dc_n: expected [" + ld + ", " + batch + ", "
          + spec.hiddenSize() + "], got " + dcN.length + " elements" : "dc_n given, but a " + spec.cell().id()
          + " model has no cell state");
    }
    if (shards == null) {
      backprop.run(tape, recorded.isBatchFirst(), dy, dhN, dcN);
      return;
    }
    jobDy = dy;
    jobDhN = dhN;
    jobDcN = dcN;
    try {
      pool.run(backwardJob, activeShards);
      pool.run(reduceJob, names.length);
    } finally {
      jobDy = null;
      jobDhN = null;
      jobDcN = null;
    }
  }

  /** Releases the backend's prepared weights. */
  @Override
  public void close() {
    if (pool != null) {
      pool.close();
    }
    model.close();
  }
}
