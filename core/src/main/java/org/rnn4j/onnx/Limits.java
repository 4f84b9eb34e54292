package org.rnn4j.onnx;

/** Bounds that keep a hostile or broken model from exhausting memory or the stack. */
final class Limits {
  private Limits() {
  }

  /** Elements of one tensor: what a Java array can hold. */
  static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  /** Dimensions of one tensor; ONNX itself has no limit, no real model comes near. */
  static final int MAX_RANK = 32;

  /** An .onnx file is read whole; larger models need external data, which rnn4j does not read. */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;
}
