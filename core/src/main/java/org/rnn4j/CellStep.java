package org.rnn4j;

import org.rnn4j.spi.Kernels;

/** One time step of one layer direction, for the first {@code rows} batch rows: the cell code, written once. */
final class CellStep {
  private CellStep() {
  }

  /**
   * Advances the state by one step. {@code xproj} holds x·W_ihᵀ for these rows (gate tile
   * [rows, G·H] at {@code xgOff}); {@code h} [rows, Hout] and {@code c} [rows, H] are updated in
   * place; {@code s} supplies the recurrent-product tile and temporaries.
   */
  static void advance(Kernels k, PreparedDirection p, int rows, float[] xproj, int xgOff, float[] h, float[] c,
      Workspace.StepScratch s) {
    int hid = p.hidden;
    int gh = p.cell.gates() * hid;
    switch (p.cell) {
      case LSTM -> {
        k.matmulPacked(rows, h, 0, p.outWidth, p.wHh, 0f, s.hg, 0, gh);
        if (p.wHr == null) {
          k.lstmCell(rows, hid, xproj, xgOff, s.hg, 0, p.bias, p.peep, p.fns, c, 0, h, 0);
        } else {
          k.lstmCell(rows, hid, xproj, xgOff, s.hg, 0, p.bias, p.peep, p.fns, c, 0, s.tmp, 0);
          k.matmulPacked(rows, s.tmp, 0, hid, p.wHr, 0f, h, 0, p.outWidth);
        }
      }
      case GRU -> {
        k.matmulPacked(rows, h, 0, hid, p.wHh, 0f, s.hg, 0, gh);
        k.gruCell(rows, hid, true, xproj, xgOff, s.hg, 0, p.bias, p.fns, h, 0);
      }
      case GRU_RESET_BEFORE -> {
        k.matmulPacked(rows, h, 0, hid, p.wHhRz, 0f, s.hg, 0, gh);
        k.gruResetState(rows, hid, xproj, xgOff, s.hg, 0, p.bias, p.fns, h, 0, s.tmp, 0);
        k.matmulPacked(rows, s.tmp, 0, hid, p.wHhN, 0f, s.hg, 2 * hid, gh);
        k.gruCell(rows, hid, false, xproj, xgOff, s.hg, 0, p.bias, p.fns, h, 0);
      }
      case RNN_TANH, RNN_RELU -> {
        k.matmulPacked(rows, h, 0, hid, p.wHh, 0f, s.hg, 0, hid);
        k.rnnCell(rows, hid, xproj, xgOff, s.hg, 0, p.bias, p.fns, h, 0);
      }
      case JORDAN -> {
        // The recurrence reads y(t-1), which is the state h here (Hout = O wide).
        k.matmulPacked(rows, h, 0, p.outWidth, p.wHh, 0f, s.hg, 0, hid);
        k.rnnCell(rows, hid, xproj, xgOff, s.hg, 0, p.bias, p.fns, s.tmp, 0);
        k.matmulPacked(rows, s.tmp, 0, hid, p.wHo, 0f, h, 0, p.outWidth);
        k.biasActivation(rows, p.outWidth, h, 0, p.bHo, p.fns.output());
      }
    }
  }
}
