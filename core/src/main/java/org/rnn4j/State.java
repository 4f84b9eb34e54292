package org.rnn4j;

import java.util.Arrays;

/**
 * The state of a batch of independent streams for {@link Model#step}: per layer, h [B, Hout]
 * and (LSTM) c [B, H], plus the scratch one step needs. Owned by the caller, not thread-safe;
 * the model stays shared. Rows can be read, set and reset one stream at a time.
 */
public final class State {
  final ModelSpec spec;
  private final int batch;
  final float[][] h;
  final float[][] c;
  final float[] xproj;
  final float[][] layerOut;
  final Workspace.StepScratch scratch = new Workspace.StepScratch();

  State(ModelSpec spec, int batch) {
    this.spec = spec;
    this.batch = batch;
    int layers = spec.numLayers();
    h = new float[layers][batch * spec.outputWidth()];
    c = new float[layers][spec.hasCellState() ? batch * spec.hiddenSize() : 0];
    xproj = new float[batch * spec.gateRows()];
    layerOut = new float[][] {new float[batch * spec.outputWidth()], new float[batch * spec.outputWidth()]};
    scratch.ensure(spec, batch);
  }

  public int batch() {
    return batch;
  }

  /** Copies h [L, B, Hout] (PyTorch's h_n layout) into a new array. */
  public float[] hidden() {
    int w = spec.outputWidth();
    float[] out = new float[spec.numLayers() * batch * w];
    for (int l = 0; l < h.length; l++) {
      System.arraycopy(h[l], 0, out, l * batch * w, batch * w);
    }
    return out;
  }

  /** Copies c [L, B, H] into a new array (LSTM only). */
  public float[] cell() {
    requireCell();
    int w = spec.hiddenSize();
    float[] out = new float[spec.numLayers() * batch * w];
    for (int l = 0; l < c.length; l++) {
      System.arraycopy(c[l], 0, out, l * batch * w, batch * w);
    }
    return out;
  }

  /** Sets h from [L, B, Hout] (e.g. a previous call's h_n). */
  public void setHidden(float[] hAll) {
    int w = spec.outputWidth();
    check("h", hAll, spec.numLayers() * batch * w);
    for (int l = 0; l < h.length; l++) {
      System.arraycopy(hAll, l * batch * w, h[l], 0, batch * w);
    }
  }

  /** Sets c from [L, B, H] (LSTM only). */
  public void setCell(float[] cAll) {
    requireCell();
    int w = spec.hiddenSize();
    check("c", cAll, spec.numLayers() * batch * w);
    for (int l = 0; l < c.length; l++) {
      System.arraycopy(cAll, l * batch * w, c[l], 0, batch * w);
    }
  }

  /** Zeroes the state of one stream, so that a new sequence can start in that row. */
  public void reset(int row) {
    if (row < 0 || row >= batch) {
      throw new IndexOutOfBoundsException("row " + row + " is outside 0.." + (batch - 1));
    }
    int w = spec.outputWidth();
    int hid = spec.hiddenSize();
    for (int l = 0; l < h.length; l++) {
      Arrays.fill(h[l], row * w, (row + 1) * w, 0f);
      if (spec.hasCellState()) {
        Arrays.fill(c[l], row * hid, (row + 1) * hid, 0f);
      }
    }
  }

  /**
   * Copies one stream's state out: h as [L, Hout] and, for LSTM, c as [L, H] (null skips it).
   * With {@link #setRow} this moves streams in and out of rows, e.g. to batch a changing set of
   * streams through {@link Model#step(State, int, float[], float[])}.
   */
  public void copyRowTo(int row, float[] hOut, float[] cOut) {
    checkRow(row);
    int w = spec.outputWidth();
    int hid = spec.hiddenSize();
    check("h", hOut, h.length * w);
    if (cOut != null) {
      requireCell();
      check("c", cOut, c.length * hid);
    }
    for (int l = 0; l < h.length; l++) {
      System.arraycopy(h[l], row * w, hOut, l * w, w);
      if (cOut != null) {
        System.arraycopy(c[l], row * hid, cOut, l * hid, hid);
      }
    }
  }

  /** Sets one stream's state from h [L, Hout] and, for LSTM, c [L, H] (null = zeros). */
  public void setRow(int row, float[] hIn, float[] cIn) {
    checkRow(row);
    int w = spec.outputWidth();
    int hid = spec.hiddenSize();
    check("h", hIn, h.length * w);
    if (cIn != null) {
      requireCell();
      check("c", cIn, c.length * hid);
    }
    for (int l = 0; l < h.length; l++) {
      System.arraycopy(hIn, l * w, h[l], row * w, w);
      if (spec.hasCellState()) {
        if (cIn == null) {
          Arrays.fill(c[l], row * hid, (row + 1) * hid, 0f);
        } else {
          System.arraycopy(cIn, l * hid, c[l], row * hid, hid);
        }
      }
    }
  }

  private void checkRow(int row) {
    if (row < 0 || row >= batch) {
      throw new IndexOutOfBoundsException("row " + row + " is outside 0.." + (batch - 1));
    }
  }

  private void requireCell() {
    if (!spec.hasCellState()) {
      throw new IllegalStateException(spec.cell().id() + " has no cell state");
    }
  }

  private static void check(String name, float[] a, int n) {
    if (a == null || a.length != n) {
      throw new IllegalArgumentException(name + ": expected " + n + " elements, got "
          + (a == null ? "null" : a.length));
    }
  }
}
