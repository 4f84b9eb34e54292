package org.rnn4j;

/**
 * What the forward pass keeps for the backward pass: the packed batch layout, each layer's input,
 * and per layer × direction the input projections, recurrent products, states and temporaries of
 * every step, all in the packed step-major layout (row offsets[t] + r).
 */
final class Tape {
  final int steps;
  final int batch;
  final int rows;
  final int[] order;
  final int[] batchSizes;
  final int[] offsets;
  final float[][] layerInput;
  /** Per layer, the dropout mask applied to its output (null where none). */
  final float[][] dropoutMasks;
  final Direction[] dirs;

  /** One layer × direction. */
  static final class Direction {
    float[] xproj;
    float[] hg;
    float[] h;
    float[] c;
    float[] tmp;
    float[] h0;
    float[] c0;
  }

  Tape(ModelSpec spec, Workspace ws, int steps, int batch) {
    this.steps = steps;
    this.batch = batch;
    this.rows = ws.packedRows;
    this.order = java.util.Arrays.copyOf(ws.order, batch);
    this.batchSizes = java.util.Arrays.copyOf(ws.batchSizes, steps);
    this.offsets = java.util.Arrays.copyOf(ws.offsets, steps + 1);
    this.layerInput = new float[spec.numLayers()][];
    this.dropoutMasks = new float[spec.numLayers()][];
    this.dirs = new Direction[spec.directionCount()];
    int gh = spec.gateRows();
    int hid = spec.hiddenSize();
    int hOut = spec.outputWidth();
    boolean usesTmp = spec.projSize() > 0 || spec.cell() == CellType.JORDAN
        || spec.cell() == CellType.GRU_RESET_BEFORE;
    for (int i = 0; i < dirs.length; i++) {
      Direction d = new Direction();
      d.xproj = new float[rows * gh];
      d.hg = new float[rows * gh];
      d.h = new float[rows * hOut];
      d.c = spec.hasCellState() ? new float[rows * hid] : null;
      d.tmp = usesTmp ? new float[rows * hid] : null;
      d.h0 = new float[batch * hOut];
      d.c0 = spec.hasCellState() ? new float[batch * hid] : null;
      dirs[i] = d;
    }
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
