package org.rnn4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads a safetensors file.
 *
 * <p>{@link #open} reads and strictly validates the whole header (types, shapes, offsets, overlaps)
 * so that a malformed or hostile file fails there with a {@link ModelFormatException}; tensor data is
 * memory-mapped lazily, one tensor at a time, when it is read. The file stays open until
 * {@link #close()}. Instances are safe for concurrent reads.
 */
public final class SafetensorsReader implements AutoCloseable {

  /** The largest Java array the JVMs we run on reliably allocate. */
  private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  /**
   * Bytes mapped at a time while converting. A MappedByteBuffer is int-indexed (at most 2 GiB), and
   * this is a multiple of every dtype size so no element straddles two chunks.
   */
  private static final long DEFAULT_MAP_CHUNK = 1L << 30;

  private final Path path;
  private final FileChannel channel;
  private final SafetensorsHeader header;
  private final Map<String, TensorInfo> byName;
  private final long mapChunk;
  private volatile boolean closed;

  private SafetensorsReader(Path path, FileChannel channel, SafetensorsHeader header, long mapChunk) {
    this.path = path;
    this.channel = channel;
    this.header = header;
    this.mapChunk = mapChunk;
    Map<String, TensorInfo> index = new HashMap<>();
    for (TensorInfo t : header.tensors()) {
      index.put(t.name(), t);
    }
    this.byName = index;
  }

  /**
   * Opens {@code path} and validates its header.
   *
   * @throws ModelFormatException if the file is not a well-formed safetensors file
   * @throws IOException if the file cannot be opened or read
   */
  public static SafetensorsReader open(Path path) throws IOException {
    return open(path, DEFAULT_MAP_CHUNK);
  }

  /** As {@link #open(Path)}, mapping at most {@code mapChunk} bytes at a time; lets tests exercise chunking. */
  static SafetensorsReader open(Path path, long mapChunk) throws IOException {
    Objects.requireNonNull(path, "path");
    if (mapChunk <= 0 || mapChunk % Long.BYTES != 0 || mapChunk > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("map chunk must be a positive multiple of 8 below 2 GiB: " + mapChunk);
    }
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new SafetensorsReader(path, channel, SafetensorsHeader.read(path, channel), mapChunk);
    } catch (Throwable t) {
      try {
        channel.close();
      } catch (IOException e) {
        t.addSuppressed(e);
      }
      throw t;
    }
  }

  /** The file this reader reads. */
  public Path path() {
    return path;
  }

  /** The header's {@code __metadata__} entries in file order; unmodifiable, empty if there are none. */
  public Map<String, String> metadata() {
    return header.metadata();
  }

  /** All tensors in header order; unmodifiable. */
  public List<TensorInfo> tensors() {
    return header.tensors();
  }

  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /**
   * The header entry of tensor {@code name}.
   *
   * @throws ModelFormatException if the file has no such tensor
   */
  public TensorInfo info(String name) throws ModelFormatException {
    TensorInfo t = byName.get(name);
    if (t == null) {
      throw new ModelFormatException("no tensor " + Messages.quote(name) + " in " + path, name, -1);
    }
    return t;
  }

  /**
   * Reads a floating-point tensor (F32, F16, BF16 or F64) as floats; F64 values are rounded to the
   * nearest float.
   *
   * @throws ModelFormatException if the tensor is missing, has another dtype, has too many elements
   *     for a Java array, or cannot be mapped
   * @throws IllegalStateException if the reader is closed
   */
  public float[] readFloats(String name) throws ModelFormatException {
    TensorInfo t = info(name);
    DType dtype = t.dtype();
    if (!dtype.isFloatingPoint()) {
      throw SafetensorsHeader.error(path, name, -1, "dtype " + dtype
          + " cannot be read as floats (only F32, F16, BF16 and F64 can)");
    }
    float[] out = new float[arrayLength(t)];
    forEachChunk(t, (buf, at) -> {
      switch (dtype) {
        case F32 -> buf.asFloatBuffer().get(out, at, buf.remaining() / Float.BYTES);
        case F64 -> {
          DoubleBuffer d = buf.asDoubleBuffer();
          for (int i = 0, n = d.remaining(); i < n; i++) {
            out[at + i] = (float) d.get(i);
          }
        }
        case F16 -> {
          ShortBuffer s = buf.asShortBuffer();
          for (int i = 0, n = s.remaining(); i < n; i++) {
            out[at + i] = Float.float16ToFloat(s.get(i));
          }
        }
        case BF16 -> {
          // bfloat16 is the top half of a float32, so widening is exact.
          ShortBuffer s = buf.asShortBuffer();
          for (int i = 0, n = s.remaining(); i < n; i++) {
            out[at + i] = Float.intBitsToFloat(s.get(i) << 16);
          }
        }
        default -> throw new AssertionError(dtype);
      }
    });
    return out;
  }

  /**
   * Reads an integer tensor (I64, I32, I16, I8 or U8) as longs; U8 values are zero-extended, the
   * others sign-extended.
   *
   * @throws ModelFormatException if the tensor is missing, has another dtype, has too many elements
   *     for a Java array, or cannot be mapped
   * @throws IllegalStateException if the reader is closed
   */
  public long[] readLongs(String name) throws ModelFormatException {
    TensorInfo t = info(name);
    DType dtype = t.dtype();
    if (!dtype.isInteger()) {
      throw SafetensorsHeader.error(path, name, -1, "dtype " + dtype
          + " cannot be read as longs (only I64, I32, I16, I8 and U8 can)");
    }
    long[] out = new long[arrayLength(t)];
    forEachChunk(t, (buf, at) -> {
      int n = buf.remaining() / dtype.byteSize();
      switch (dtype) {
        case I64 -> buf.asLongBuffer().get(out, at, n);
        case I32 -> {
          for (int i = 0; i < n; i++) {
            out[at + i] = buf.getInt(i * Integer.BYTES);
          }
        }
        case I16 -> {
          for (int i = 0; i < n; i++) {
            out[at + i] = buf.getShort(i * Short.BYTES);
          }
        }
        case I8 -> {
          for (int i = 0; i < n; i++) {
            out[at + i] = buf.get(i);
          }
        }
        case U8 -> {
          for (int i = 0; i < n; i++) {
            out[at + i] = buf.get(i) & 0xFF;
          }
        }
        default -> throw new AssertionError(dtype);
      }
    });
    return out;
  }

  /**
   * A read-only, little-endian, memory-mapped view of tensor {@code name}'s bytes. The view stays
   * valid after {@link #close()}.
   *
   * <p>The signature has no checked exception, so failures are reported as an
   * {@link UncheckedIOException} whose cause is a {@link ModelFormatException}: a missing tensor, a
   * tensor over 2 GiB (more than one ByteBuffer can address), or a failed mapping.
   *
   * @throws IllegalStateException if the reader is closed
   */
  public ByteBuffer rawBytes(String name) {
    try {
      TensorInfo t = info(name);
      long length = t.end() - t.begin();
      if (length > Integer.MAX_VALUE) {
        throw SafetensorsHeader.error(path, name, header.dataStart() + t.begin(), "data of " + length
            + " bytes is more than one ByteBuffer can address; use readFloats or readLongs");
      }
      return map(t, t.begin(), length);
    } catch (ModelFormatException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** Closes the file. Buffers already returned by {@link #rawBytes} remain readable. Idempotent. */
  @Override
  public void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to close " + path, e);
    }
  }

  @Override
  public String toString() {
    return "SafetensorsReader[" + path + ", " + header.tensors().size() + " tensors]";
  }

  /** Consumes one mapped chunk holding whole elements; {@code firstElement} indexes the output array. */
  @FunctionalInterface
  private interface ChunkConsumer {
    void accept(ByteBuffer chunk, int firstElement);
  }

  private void forEachChunk(TensorInfo t, ChunkConsumer consumer) throws ModelFormatException {
    ensureOpen();
    int elementBytes = t.dtype().byteSize();
    int element = 0;
    for (long pos = t.begin(); pos < t.end(); ) {
      long length = Math.min(mapChunk, t.end() - pos);
      consumer.accept(map(t, pos, length), element);
      element += (int) (length / elementBytes);
      pos += length;
    }
  }

  private int arrayLength(TensorInfo t) throws ModelFormatException {
    long count = t.elementCount();
    if (count > MAX_ARRAY_LENGTH) {
      throw SafetensorsHeader.error(path, t.name(), -1, count
          + " elements are more than a Java array can hold (" + MAX_ARRAY_LENGTH + ")");
    }
    return (int) count;
  }

  /** Maps {@code length} bytes at data-section offset {@code pos} of tensor {@code t}. */
  private ByteBuffer map(TensorInfo t, long pos, long length) throws ModelFormatException {
    ensureOpen();
    if (length == 0) {
      return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    long filePos = header.dataStart() + pos;
    try {
      // Accessing a mapping past the end of a file that shrank since open() would crash with
      // SIGBUS-turned-InternalError; a size check turns that race into a clear error instead.
      long size = channel.size();
      if (filePos + length > size) {
        throw SafetensorsHeader.error(path, t.name(), filePos, "file is now " + size
            + " bytes, too short for the tensor's data (was it truncated while open?)");
      }
      return channel.map(FileChannel.MapMode.READ_ONLY, filePos, length).order(ByteOrder.LITTLE_ENDIAN);
    } catch (ModelFormatException e) {
      throw e;
    } catch (IOException e) {
      if (e instanceof ClosedChannelException && closed) {
        throw new IllegalStateException("reader for " + path + " is closed", e);
      }
      // Includes ClosedByInterruptException: an interrupt during I/O closes a FileChannel for good.
      throw new ModelFormatException(path + ": tensor " + Messages.quote(t.name())
          + ": cannot map its data: " + e + " (at byte offset " + filePos + ")", t.name(), filePos, e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("reader for " + path + " is closed");
    }
  }
}
