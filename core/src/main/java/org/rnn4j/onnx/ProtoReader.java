package org.rnn4j.onnx;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import org.rnn4j.io.ModelFormatException;

/**
 * A cursor over one protobuf message in a byte array: the wire format only, no schema.
 *
 * <p>Every read is checked against the message's own end (not just the array's), so a length
 * that lies is caught where it is read, with the absolute byte offset. Nested messages get a new
 * reader one level deeper; {@link #MAX_DEPTH} stops recursion bombs before the Java stack does.
 */
final class ProtoReader {
  static final int VARINT = 0;
  static final int I64 = 1;
  static final int LEN = 2;
  static final int I32 = 5;

  /** Deeper than any real ONNX file (model → graph → node → attribute → graph …). */
  static final int MAX_DEPTH = 64;

  private final byte[] buf;
  private final String source;
  private final int end;
  private final int depth;
  private int pos;
  /** Where the last tag began: wire-type errors point at the field, not past its tag. */
  private int tagPos;

  ProtoReader(byte[] buf, String source) {
    this(buf, source, 0, buf.length, 0);
  }

  private ProtoReader(byte[] buf, String source, int start, int end, int depth) {
    this.buf = buf;
    this.source = source;
    this.pos = start;
    this.end = end;
    this.depth = depth;
  }

  boolean hasMore() {
    return pos < end;
  }

  int position() {
    return pos;
  }

  byte[] buffer() {
    return buf;
  }

  String source() {
    return source;
  }

  /** Reads a field tag; returns {@code field << 3 | wireType}. Group wire types (3, 4) are refused. */
  int readTag(String message) throws ModelFormatException {
    int at = pos;
    tagPos = at;
    long tag = readVarint(message + " field tag");
    long field = tag >>> 3;
    int wire = (int) (tag & 7);
    if (field == 0 || field > 0x1FFF_FFFFL) {
      throw error(message + ": invalid field number " + field, at);
    }
    if (wire != VARINT && wire != I64 && wire != LEN && wire != I32) {
      throw error(message + " field " + field + ": unsupported wire type " + wire
          + (wire == 3 || wire == 4 ? " (protobuf groups)" : ""), at);
    }
    return (int) tag;
  }

  /** Fails unless a field arrived with the wire type its schema gives it. */
  void expect(int tag, int wireType, String field) throws ModelFormatException {
    if ((tag & 7) != wireType) {
      throw error(field + ": wire type " + (tag & 7) + ", expected " + wireType + " (" + wireName(wireType) + ")",
          tagPos);
    }
  }

  long readVarint(String field) throws ModelFormatException {
    int at = pos;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw error(field + ": truncated varint", at);
      }
      byte b = buf[pos++];
      // The tenth byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && (b & 0xFE) != 0) {
        throw error(field + ": varint overflows 64 bits", at);
      }
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw error(field + ": varint overflows 64 bits", at);
  }

  /** A varint that must fit an int32 (proto int32 values are sign-extended to 64 bits on the wire). */
  int readInt32(String field) throws ModelFormatException {
    int at = pos;
    long v = readVarint(field);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw error(field + ": value " + v + " does not fit int32", at);
    }
    return (int) v;
  }

  int readFixed32(String field) throws ModelFormatException {
    need(4, field);
    int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
    pos += 4;
    return v;
  }

  long readFixed64(String field) throws ModelFormatException {
    long lo = readFixed32(field) & 0xFFFF_FFFFL;
    long hi = readFixed32(field) & 0xFFFF_FFFFL;
    return lo | hi << 32;
  }

  /** Reads a length prefix and checks that many bytes remain in this message; returns the start offset. */
  int readLengthDelimited(String field) throws ModelFormatException {
    int at = pos;
    long len = readVarint(field + " length");
    if (len < 0 || len > end - pos) {
      throw error(field + ": declared length " + Long.toUnsignedString(len) + " exceeds the " + (end - pos)
          + " bytes left in the enclosing message", at);
    }
    int start = pos;
    pos += (int) len;
    return start;
  }

  /** The bytes of a length-delimited field as a reader one level deeper. */
  ProtoReader readMessage(String field) throws ModelFormatException {
    if (depth + 1 > MAX_DEPTH) {
      throw error(field + ": messages nested deeper than " + MAX_DEPTH + " levels", pos);
    }
    int start = readLengthDelimited(field);
    return new ProtoReader(buf, source, start, pos, depth + 1);
  }

  String readString(String field) throws ModelFormatException {
    int start = readLengthDelimited(field);
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(buf, start, pos - start)).toString();
    } catch (CharacterCodingException e) {
      throw error(field + ": not valid UTF-8", start);
    }
  }

  /** Skips a field of any supported wire type. */
  void skip(int tag, String message) throws ModelFormatException {
    String field = message + " field " + (tag >>> 3);
    switch (tag & 7) {
      case VARINT -> readVarint(field);
      case I64 -> {
        need(8, field);
        pos += 8;
      }
      case LEN -> readLengthDelimited(field);
      case I32 -> {
        need(4, field);
        pos += 4;
      }
      default -> throw error(field + ": unsupported wire type " + (tag & 7), pos);
    }
  }

  private void need(int n, String field) throws ModelFormatException {
    if (end - pos < n) {
      throw error(field + ": truncated (" + n + " bytes needed, " + (end - pos) + " left)", pos);
    }
  }

  ModelFormatException error(String message, int offset) {
    return new ModelFormatException(source + ": " + message + " at byte " + offset, null, offset);
  }

  private static String wireName(int wire) {
    return switch (wire) {
      case VARINT -> "varint";
      case I64 -> "fixed64";
      case LEN -> "length-delimited";
      case I32 -> "fixed32";
      default -> "?";
    };
  }
}
