package org.rnn4j;

/**
 * What the forward pass keeps for the backward pass: the packed batch layout, each layer's input,
 * and per layer × direction the input projections, recurrent products, states and temporaries of
 * every step, all in the packed step-major layout (row offsets[t] + r).
 *
 * <p>Reusable: {@link #prepare} grows the buffers to a batch's size and otherwise keeps them, so a
 * training loop records every step into the same tape without allocating. Buffers may be longer
 * than the current batch needs; only the first {@code rows} rows are meaningful.
 */
final class Tape {
  private final ModelSpec spec;
  int steps;
  int batch;
  int rows;
  int[] order = new int[0];
  int[] batchSizes = new int[0];
  int[] offsets = new int[0];
  final float[][] layerInput;
  /** Per layer, the dropout mask applied to its output in the recorded pass (null where none). */
  final float[][] dropoutMasks;
  /** Per layer, the reusable storage of its mask. */
  final float[][] maskStore;
  float[] maskPerSequence = new float[0];
  final Direction[] dirs;

  /** One layer × direction. */
  static final class Direction {
    float[] xproj = new float[0];
    float[] hg = new float[0];
    float[] h = new float[0];
    float[] c;
    float[] tmp;
    float[] h0 = new float[0];
    float[] c0;
  }

  Tape(ModelSpec spec) {
    this.spec = spec;
    this.layerInput = new float[spec.numLayers()][];
    this.dropoutMasks = new float[spec.numLayers()][];
    this.maskStore = new float[spec.numLayers()][];
    for (int i = 0; i < layerInput.length; i++) {
      layerInput[i] = new float[0];
      maskStore[i] = new float[0];
    }
    this.dirs = new Direction[spec.directionCount()];
    boolean usesTmp = spec.projSize() > 0 || spec.cell() == CellType.JORDAN
        || spec.cell() == CellType.GRU_RESET_BEFORE;
    for (int i = 0; i < dirs.length; i++) {
      Direction d = new Direction();
      d.c = spec.hasCellState() ? new float[0] : null;
      d.c0 = spec.hasCellState() ? new float[0] : null;
      d.tmp = usesTmp ? new float[0] : null;
      dirs[i] = d;
    }
  }

  Tape(ModelSpec spec, Workspace ws, int steps, int batch) {
    this(spec);
    prepare(ws, steps, batch);
  }

  /** Takes the workspace's batch layout and makes every buffer large enough for it. */
  void prepare(Workspace ws, int steps, int batch) {
    this.steps = steps;
    this.batch = batch;
    this.rows = ws.packedRows;
    order = growInts(order, batch);
    batchSizes = growInts(batchSizes, steps);
    offsets = growInts(offsets, steps + 1);
    System.arraycopy(ws.order, 0, order, 0, batch);
    System.arraycopy(ws.batchSizes, 0, batchSizes, 0, steps);
    System.arraycopy(ws.offsets, 0, offsets, 0, steps + 1);
    long r = rows;
    int gh = spec.gateRows();
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    for (int layer = 0; layer < layerInput.length; layer++) {
      layerInput[layer] = Workspace.grow(layerInput[layer], r * spec.layerInputSize(layer));
      dropoutMasks[layer] = null;
    }
    for (Direction d : dirs) {
      d.xproj = Workspace.grow(d.xproj, r * gh);
      d.hg = Workspace.grow(d.hg, r * gh);
      d.h = Workspace.grow(d.h, r * hOut);
      if (d.c != null) {
        d.c = Workspace.grow(d.c, r * hid);
        d.c0 = Workspace.grow(d.c0, (long) batch * hid);
      }
      if (d.tmp != null) {
        d.tmp = Workspace.grow(d.tmp, r * hid);
      }
      d.h0 = Workspace.grow(d.h0, (long) batch * hOut);
    }
  }

  /** The mask storage of one layer, at least {@code n} floats. */
  float[] maskBuffer(int layer, int n) {
    maskStore[layer] = Workspace.grow(maskStore[layer], n);
    return maskStore[layer];
  }

  private static int[] growInts(int[] a, int n) {
    return a.length >= n ? a : new int[n];
  }

  /** Records one step's results for the alive rows, taken from the step scratch and states. */
  void recordStep(int slot, int t, int rowsAlive, ModelSpec spec, Workspace.StepScratch s, float[] h, float[] c) {
    Direction d = dirs[slot];
    int gh = spec.gateRows();
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    int base = offsets[t];
    System.arraycopy(s.hg, 0, d.hg, base * gh, rowsAlive * gh);
    System.arraycopy(h, 0, d.h, base * hOut, rowsAlive * hOut);
    if (d.c != null) {
      System.arraycopy(c, 0, d.c, base * hid, rowsAlive * hid);
    }
    if (d.tmp != null) {
      System.arraycopy(s.tmp, 0, d.tmp, base * hid, rowsAlive * hid);
    }
  }
}
