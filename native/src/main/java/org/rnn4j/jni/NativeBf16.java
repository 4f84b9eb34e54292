package org.rnn4j.jni;

import org.rnn4j.spi.Bf16;
import org.rnn4j.spi.PackedMatrix;

/**
 * bf16 weights for the native kernels: panels of the tier's panel width (nr) of output rows; per
 * panel and pair of input columns (2q, 2q+1), nr pairs of shorts, one per row: column 2q first,
 * so that on a little-endian CPU each 32-bit lane holds column 2q in its low half and 2q+1 in its
 * high half (zero past the last row and past an odd column count). Each weight is the nearest-even
 * bfloat16 ({@link Bf16#round}, the reference's rounding), packed here in Java; C only turns lanes
 * into fp32 values (shift / mask) and multiplies.
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
      int pairs = (cols + 1) / 2;
      this.data = new short[panels * pairs * panelWidth * 2];
      for (int jp = 0; jp < panels; jp++) {
        for (int jj = 0; jj < panelWidth && jp * panelWidth + jj < rows; jj++) {
          int src = off + (jp * panelWidth + jj) * cols;
          for (int p = 0; p < cols; p++) {
            data[index(jp, p, jj, pairs, panelWidth)] = Bf16.round(w[src + p]);
          }
        }
      }
    }

    private static int index(int panel, int col, int lane, int pairs, int panelWidth) {
      return ((panel * pairs + col / 2) * panelWidth + lane) * 2 + (col & 1);
    }

    /** The bf16 value of W[row, col], widened (for tests). */
    float get(int row, int col, int panelWidth) {
      return Bf16.widen(data[index(row / panelWidth, col, row % panelWidth, (cols() + 1) / 2, panelWidth)]);
    }

    @Override
    public long byteSize() {
      return 2L * data.length;
    }
  }

  /** Whether rows × cols fits the padded panel layout in one Java array. */
  static boolean fits(int rows, int cols, int panelWidth) {
    return (long) ((rows + panelWidth - 1) / panelWidth) * panelWidth * 2 * ((cols + 1) / 2) <= Integer.MAX_VALUE - 16;
  }
}
