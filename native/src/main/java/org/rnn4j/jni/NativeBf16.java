package org.rnn4j.jni;

import org.rnn4j.spi.Bf16;
import org.rnn4j.spi.PackedMatrix;

/**
 * bf16 weights for the native kernels: panels of the tier's panel width of output rows, k-major,
 * each weight the nearest-even bfloat16 (2 bytes), zero-padded past the last row. Packed here in
 * Java (the rounding is {@link Bf16#round}, the reference's); C only widens and multiplies.
 */
final class NativeBf16 {
  private NativeBf16() {
  }

  static final class Panels extends PackedMatrix {
    final Object owner;
    final short[] data;

    Panels(Object owner, int panelWidth, float[] w, int off, int rows, int cols) {
      super(rows, cols);
      this.owner = owner;
      int panels = (rows + panelWidth - 1) / panelWidth;
      this.data = new short[panels * panelWidth * cols];
      for (int jp = 0; jp < panels; jp++) {
        for (int jj = 0; jj < panelWidth && jp * panelWidth + jj < rows; jj++) {
          int src = off + (jp * panelWidth + jj) * cols;
          int dst = jp * cols * panelWidth + jj;
          for (int p = 0; p < cols; p++) {
            data[dst + p * panelWidth] = Bf16.round(w[src + p]);
          }
        }
      }
    }

    /** The bf16 value of W[row, col], widened (for tests). */
    float get(int row, int col, int panelWidth) {
      return Bf16.widen(data[row / panelWidth * cols() * panelWidth + col * panelWidth + row % panelWidth]);
    }

    @Override
    public long byteSize() {
      return 2L * data.length;
    }
  }

  /** Whether rows × cols fits the padded panel layout in one Java array. */
  static boolean fits(int rows, int cols, int panelWidth) {
    return (long) ((rows + panelWidth - 1) / panelWidth) * panelWidth * cols <= Integer.MAX_VALUE - 16;
  }
}
