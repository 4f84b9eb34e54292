package org.rnn4j.io;

/**
 * Element types of a safetensors tensor. The constant names are exactly the dtype strings used in
 * safetensors headers, so {@link #name()} is also the on-disk spelling.
 */
public enum DType {
  F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

  private static final DType[] ALL = values();

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /**
   * Looks up a dtype by its safetensors header spelling ("F32", "BF16", ...). Matching is exact and
   * case-sensitive, as in the format itself.
   *
   * @throws IllegalArgumentException for null or any name this library does not support
   */
  public static DType fromSafetensorsName(String name) {
    if (name != null) {
      for (DType t : ALL) {
        if (t.name().equals(name)) {
          return t;
        }
      }
    }
    throw new IllegalArgumentException("unknown safetensors dtype " + Messages.quote(name));
  }

  boolean isFloatingPoint() {
    return this == F64 || this == F32 || this == F16 || this == BF16;
  }

  boolean isInteger() {
    return this == I64 || this == I32 || this == I16 || this == I8 || this == U8;
  }
}
