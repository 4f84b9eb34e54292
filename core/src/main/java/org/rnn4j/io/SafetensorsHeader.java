package org.rnn4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The validated header of a safetensors file: everything {@link SafetensorsReader} needs to trust the
 * file before touching tensor data. All checks live here so the reader can assume a consistent header.
 */
record SafetensorsHeader(long dataStart, long dataSize, Map<String, String> metadata, List<TensorInfo> tensors) {

  /**
   * Headers are metadata, not weights; anything larger is hostile or corrupt, and refusing it before
   * allocating protects the caller's heap.
   */
  static final long MAX_HEADER_BYTES = 100L << 20;

  static final String METADATA_KEY = "__metadata__";

  private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");

  /** Header bytes read per call, so the JDK never allocates a temporary direct buffer the size of the header. */
  private static final int READ_CHUNK = 1 << 20;

  /** Reads and validates the header of {@code file}, open as {@code channel}. */
  static SafetensorsHeader read(Path file, FileChannel channel) throws IOException {
    long fileSize = channel.size();
    if (fileSize < Long.BYTES) {
      throw error(file, null, -1, "file is " + fileSize
          + " bytes, too short for the 8-byte header length prefix of a safetensors file");
    }
    ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, channel, prefix, 0);
    long headerLength = prefix.getLong(0); // unsigned on disk
    if (Long.compareUnsigned(headerLength, MAX_HEADER_BYTES) > 0) {
      throw error(file, null, 0, "declared header length " + Long.toUnsignedString(headerLength)
          + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
    }
    if (headerLength > fileSize - Long.BYTES) {
      throw error(file, null, 0, "declared header length " + headerLength + " exceeds the "
          + (fileSize - Long.BYTES) + " bytes after the length prefix (truncated file?)");
    }
    byte[] headerBytes = new byte[(int) headerLength];
    readFully(file, channel, ByteBuffer.wrap(headerBytes), Long.BYTES);

    Object root;
    try {
      root = JsonParser.parse(headerBytes);
    } catch (JsonParser.SyntaxException e) {
      throw error(file, null, Long.BYTES + e.offset(), "malformed header JSON: " + e.getMessage());
    }
    if (!(root instanceof Map<?, ?> entries)) {
      throw error(file, null, Long.BYTES,
          "header is a JSON " + JsonParser.typeName(root) + ", expected an object");
    }

    long dataStart = Long.BYTES + headerLength;
    long dataSize = fileSize - dataStart;
    Map<String, String> metadata = Map.of();
    List<TensorInfo> tensors = new ArrayList<>(entries.size());
    for (Map.Entry<?, ?> e : entries.entrySet()) {
      String name = (String) e.getKey(); // the parser only produces string keys
      if (name.equals(METADATA_KEY)) {
        metadata = metadata(file, e.getValue());
      } else {
        tensors.add(tensor(file, name, e.getValue(), dataStart, dataSize));
      }
    }
    checkNoOverlap(file, tensors, dataStart);
    return new SafetensorsHeader(dataStart, dataSize, metadata, List.copyOf(tensors));
  }

  private static Map<String, String> metadata(Path file, Object value) throws ModelFormatException {
    if (!(value instanceof Map<?, ?> map)) {
      throw error(file, null, -1,
          METADATA_KEY + " is a JSON " + JsonParser.typeName(value) + ", expected an object");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = (String) e.getKey();
      if (!(e.getValue() instanceof String s)) {
        throw error(file, null, -1, METADATA_KEY + " value for key " + Messages.quote(key) + " is a JSON "
            + JsonParser.typeName(e.getValue()) + ", expected a string");
      }
      metadata.put(key, s);
    }
    return Collections.unmodifiableMap(metadata);
  }

  private static TensorInfo tensor(Path file, String name, Object entry, long dataStart, long dataSize)
      throws ModelFormatException {
    if (!(entry instanceof Map<?, ?> fields)) {
      throw error(file, name, -1, "entry is a JSON " + JsonParser.typeName(entry) + ", expected an object");
    }
    for (Object key : fields.keySet()) {
      if (!ENTRY_KEYS.contains(key)) {
        throw error(file, name, -1, "unknown key " + Messages.quote((String) key)
            + " (expected only dtype, shape and data_offsets)");
      }
    }

    Object dtypeValue = required(file, name, fields, "dtype");
    if (!(dtypeValue instanceof String dtypeName)) {
      throw error(file, name, -1,
          "'dtype' is a JSON " + JsonParser.typeName(dtypeValue) + ", expected a string");
    }
    DType dtype;
    try {
      dtype = DType.fromSafetensorsName(dtypeName);
    } catch (IllegalArgumentException e) {
      throw error(file, name, -1, "unsupported dtype " + Messages.quote(dtypeName));
    }

    List<?> dims = array(file, name, fields, "shape");
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegativeInteger(file, name, dims.get(i), "dimension " + i + " of 'shape'");
    }

    List<?> offsets = array(file, name, fields, "data_offsets");
    if (offsets.size() != 2) {
      throw error(file, name, -1, "'data_offsets' has " + offsets.size() + " elements, expected [begin, end]");
    }
    long begin = nonNegativeInteger(file, name, offsets.get(0), "begin offset in 'data_offsets'");
    long end = nonNegativeInteger(file, name, offsets.get(1), "end offset in 'data_offsets'");
    String range = "data_offsets [" + begin + ", " + end + "]";

    long elementCount;
    long byteCount;
    try {
      elementCount = Shapes.elementCount(shape);
    } catch (ArithmeticException e) {
      throw error(file, name, -1, "element count of shape " + Arrays.toString(shape)
          + " overflows a 64-bit integer");
    }
    try {
      byteCount = Math.multiplyExact(elementCount, dtype.byteSize());
    } catch (ArithmeticException e) {
      throw error(file, name, -1, "byte size of " + dtype + " shape " + Arrays.toString(shape)
          + " overflows a 64-bit integer");
    }
    if (begin > end) {
      throw error(file, name, absolute(dataStart, begin), range + " has begin > end");
    }
    if (end > dataSize) {
      throw error(file, name, absolute(dataStart, begin), range + ": end offset " + end
          + " is beyond the data section of " + dataSize + " bytes (truncated file?)");
    }
    if (end - begin != byteCount) {
      throw error(file, name, absolute(dataStart, begin), range + " spans " + (end - begin)
          + " bytes, but " + elementCount + " elements of " + dtype + " (shape "
          + Arrays.toString(shape) + ") need " + byteCount + " bytes");
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  private static Object required(Path file, String name, Map<?, ?> fields, String key) throws ModelFormatException {
    Object value = fields.get(key);
    if (value == null) {
      throw error(file, name, -1, "missing '" + key + "'");
    }
    return value;
  }

  private static List<?> array(Path file, String name, Map<?, ?> fields, String key) throws ModelFormatException {
    Object value = required(file, name, fields, key);
    if (!(value instanceof List<?> list)) {
      throw error(file, name, -1,
          "'" + key + "' is a JSON " + JsonParser.typeName(value) + ", expected an array");
    }
    return list;
  }

  private static long nonNegativeInteger(Path file, String name, Object value, String what)
      throws ModelFormatException {
    if (value instanceof Long l) {
      if (l < 0) {
        throw error(file, name, -1, what + " is negative: " + l);
      }
      return l;
    }
    if (value instanceof Double d) {
      throw error(file, name, -1, what + " is not an integer: " + d);
    }
    throw error(file, name, -1,
        what + " is a JSON " + JsonParser.typeName(value) + ", expected a non-negative integer");
  }

  /**
   * Sorting by begin lets one pass find any overlap: a tensor overlaps an earlier one exactly when it
   * begins before the furthest end seen so far. Empty tensors occupy no bytes and cannot overlap.
   */
  private static void checkNoOverlap(Path file, List<TensorInfo> tensors, long dataStart)
      throws ModelFormatException {
    List<TensorInfo> sorted = new ArrayList<>(tensors);
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    TensorInfo furthest = null;
    for (TensorInfo t : sorted) {
      if (t.begin() == t.end()) {
        continue;
      }
      if (furthest != null && t.begin() < furthest.end()) {
        throw error(file, t.name(), dataStart + t.begin(), "bytes [" + t.begin() + ", " + t.end()
            + ") overlap tensor " + Messages.quote(furthest.name()) + " at bytes [" + furthest.begin()
            + ", " + furthest.end() + ")");
      }
      if (furthest == null || t.end() > furthest.end()) {
        furthest = t;
      }
    }
  }

  /** File offset of a data-section offset, or -1 when a hostile offset is too large to express. */
  private static long absolute(long dataStart, long offset) {
    long r = dataStart + offset;
    return r < 0 ? -1 : r;
  }

  private static void readFully(Path file, FileChannel channel, ByteBuffer dst, long position) throws IOException {
    long p = position;
    while (dst.hasRemaining()) {
      ByteBuffer chunk = dst.slice(dst.position(), Math.min(dst.remaining(), READ_CHUNK));
      int n = channel.read(chunk, p);
      if (n < 0) {
        throw error(file, null, p, "file ended while reading the header (was it truncated while open?)");
      }
      dst.position(dst.position() + n);
      p += n;
    }
  }

  /** Builds the uniform error: {@code <file>: tensor '<name>': <detail> (at byte offset <n>)}. */
  static ModelFormatException error(Path file, String tensor, long byteOffset, String detail) {
    StringBuilder sb = new StringBuilder().append(file).append(": ");
    if (tensor != null) {
      sb.append("tensor ").append(Messages.quote(tensor)).append(": ");
    }
    sb.append(detail);
    if (byteOffset >= 0) {
      sb.append(" (at byte offset ").append(byteOffset).append(')');
    }
    return new ModelFormatException(sb.toString(), tensor, byteOffset);
  }
}
