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

  private TrainableModel(ModelWeights initial, Backend backend) {
    this.spec = initial.spec();
    // A private copy: its arrays are changed in place by the optimizer, never seen by anyone else.
    ModelWeights own = ModelWeights.of(spec, toMap(initial));
    this.model = Model.of(own, backend);
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

  /** The gradient of parameter i from the last {@link #backward}. */
  public float[] gradient(int i) {
    return backprop.gradient(i);
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
    model.run(in, ws, tape, dropout, y, hN, cN.length == 0 ? null : cN);
    recorded = in;
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
    backprop.run(tape, recorded.isBatchFirst(), dy, dhN, dcN);
  }

  /** Releases the backend's prepared weights. */
  @Override
  public void close() {
    model.close();
  }
}
