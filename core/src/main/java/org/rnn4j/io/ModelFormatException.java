package org.rnn4j.io;

import java.io.IOException;

/**
 * Thrown for every malformed or hostile model file. The message names the file, the tensor (when
 * known) and the byte offset in the file (when known); the latter two are also available as fields.
 */
public class ModelFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String tensorName;
  private final long byteOffset;

  public ModelFormatException(String message) {
    this(message, null, -1, null);
  }

  public ModelFormatException(String message, Throwable cause) {
    this(message, null, -1, cause);
  }

  /**
   * @param tensorName the tensor the problem concerns, or null
   * @param byteOffset the absolute byte offset in the file, or -1 if unknown
   */
  public ModelFormatException(String message, String tensorName, long byteOffset) {
    this(message, tensorName, byteOffset, null);
  }

  public ModelFormatException(String message, String tensorName, long byteOffset, Throwable cause) {
    super(message, cause);
    this.tensorName = tensorName;
    this.byteOffset = byteOffset < 0 ? -1 : byteOffset;
  }

  /** The tensor the problem concerns, or null if it is not specific to one tensor. */
  public String tensorName() {
    return tensorName;
  }

  /** Absolute byte offset in the file where the problem was found, or -1 if unknown. */
  public long byteOffset() {
    return byteOffset;
  }
}
