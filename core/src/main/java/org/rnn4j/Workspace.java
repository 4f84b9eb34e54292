package org.rnn4j;

import java.util.Arrays;

/**
 * Reusable scratch memory for {@link Model#forward(SequenceBatch, Workspace)}: buffers grow to
 * the largest call seen and are then reused, so steady-state calls allocate nothing but their
 * results. Not thread-safe: use one workspace per thread (the model itself is shared).
 */
public final class Workspace {
  final ModelSpec spec;
  // Batch layout: rows sorted by length, longest first, so that the rows alive at step t are a prefix.
  int[] order = new int[0];
  int[] batchSizes = new int[0];
  int[] offsets = new int[0];
  int packedRows;
  float[] packedInput = new float[0];
  float[] layerA = new float[0];
  float[] layerB = new float[0];
  /**
   * The most bytes of input projection (x·W_ihᵀ, G·H floats per packed row) one forward pass holds:
   * longer inputs are projected {@link #projectionSteps} steps at a time, so {@link #xproj} stays
   * bounded (without it, an LSTM of H = 512 at T = 1000, B = 64 would hold half a GB). Not smaller:
   * projecting in chunks of 192 rows made LSTM 512 T = 50 B = 16 passes 12% slower, 768 rows 3–5%
   * (B = 16 and 64; 1 thread, paired builds, session 11), so passes below the cap keep one projection
   * over all rows.
   */
  static final long PROJECTION_BYTES = 64L << 20;

  /** {@link #PROJECTION_BYTES} unless a test sets a smaller cap. */
  long projectionBytes = PROJECTION_BYTES;
  /** Steps per input projection of the forward pass (at least 1). */
  int projectionSteps = 1;
  /** x·W_ihᵀ of one chunk of steps, rows in packed order from the chunk's first row. */
  float[] xproj = new float[0];
  final StepScratch step = new StepScratch();

  Workspace(ModelSpec spec) {
    this.spec = spec;
  }

  /** Scratch of one time step: recurrent products, states and temporaries for `rows` ≤ capacity. */
  static final class StepScratch {
    float[] hg = new float[0];
    float[] tmp = new float[0];
    float[] h = new float[0];
    float[] c = new float[0];

    void ensure(ModelSpec spec, int batch) {
      hg = grow(hg, (long) batch * spec.gateRows());
      tmp = grow(tmp, (long) batch * Math.max(spec.hiddenSize(), spec.outputWidth()));
      h = grow(h, (long) batch * spec.outputWidth());
      c = grow(c, (long) batch * spec.hiddenSize());
    }
  }

  static float[] grow(float[] a, long n) {
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("workspace buffer of " + n + " floats exceeds the Java array limit");
    }
    return a.length >= n ? a : new float[(int) n];
  }

  private static int[] growInts(int[] a, int n) {
    return a.length >= n ? a : new int[n];
  }

  /** Computes the packed layout of a batch: row order, rows alive per step, and step offsets. */
  void layout(int steps, int batch, int[] lengths) {
    order = growInts(order, batch);
    batchSizes = growInts(batchSizes, steps);
    offsets = growInts(offsets, steps + 1);
    for (int b = 0; b < batch; b++) {
      order[b] = b;
    }
    if (lengths == null) {
      Arrays.fill(batchSizes, 0, steps, batch);
    } else {
      // Stable insertion sort by length, longest first (batches are small; no boxing).
      for (int i = 1; i < batch; i++) {
        int row = order[i];
        int j = i - 1;
        while (j >= 0 && lengths[order[j]] < lengths[row]) {
          order[j + 1] = order[j];
          j--;
        }
        order[j + 1] = row;
      }
      for (int t = 0; t < steps; t++) {
        int alive = 0;
        while (alive < batch && lengths[order[alive]] > t) {
          alive++;
        }
        batchSizes[t] = alive;
      }
    }
    int off = 0;
    for (int t = 0; t < steps; t++) {
      offsets[t] = off;
      off += batchSizes[t];
    }
    offsets[steps] = off;
    packedRows = off;
  }

  void ensure(int steps, int batch) {
    int width = spec.directions() * spec.outputWidth();
    long rows = packedRows;
    packedInput = grow(packedInput, rows * spec.inputSize());
    layerA = grow(layerA, rows * width);
    if (spec.numLayers() > 1) {
      layerB = grow(layerB, rows * width);
    }
    long stepBytes = (long) Math.max(1, batch) * spec.gateRows() * Float.BYTES;
    projectionSteps = (int) Math.max(1, Math.min(steps, projectionBytes / stepBytes));
    xproj = grow(xproj, Math.min(rows, (long) projectionSteps * batch) * spec.gateRows());
    step.ensure(spec, batch);
  }
}
