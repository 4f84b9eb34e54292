package org.rnn4j.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.rnn4j.io.ModelFormatException;

/**
 * Decodes ONNX {@code TensorProto} messages (initializers, Constant values, test-data .pb files)
 * into {@link Tensor}s: FLOAT, FLOAT16, BFLOAT16 and DOUBLE become float32; INT32 and INT64 become
 * int64. Data may be in {@code raw_data} (little-endian) or in the typed repeated fields.
 *
 * <p>Nothing is allocated before the declared dims are checked against the bytes actually
 * present, so a tensor that claims to be huge costs nothing.
 */
final class TensorProtos {
  // onnx.proto TensorProto.DataType
  static final int FLOAT = 1;
  static final int UINT8 = 2;
  static final int INT8 = 3;
  static final int INT32 = 6;
  static final int INT64 = 7;
  static final int STRING = 8;
  static final int BOOL = 9;
  static final int FLOAT16 = 10;
  static final int DOUBLE = 11;
  static final int BFLOAT16 = 16;

  private TensorProtos() {
  }

  /** A decoded tensor with the name and ONNX data type it was stored under. */
  record Decoded(String name, int dataType, Tensor tensor) {
  }

  static String typeName(int dataType) {
    return switch (dataType) {
      case 0 -> "UNDEFINED";
      case FLOAT -> "FLOAT";
      case UINT8 -> "UINT8";
      case INT8 -> "INT8";
      case 4 -> "UINT16";
      case 5 -> "INT16";
      case INT32 -> "INT32";
      case INT64 -> "INT64";
      case STRING -> "STRING";
      case BOOL -> "BOOL";
      case FLOAT16 -> "FLOAT16";
      case DOUBLE -> "DOUBLE";
      case 12 -> "UINT32";
      case 13 -> "UINT64";
      case 14 -> "COMPLEX64";
      case 15 -> "COMPLEX128";
      case BFLOAT16 -> "BFLOAT16";
      default -> "type " + dataType;
    };
  }

  static boolean isFloatType(int dataType) {
    return dataType == FLOAT || dataType == FLOAT16 || dataType == BFLOAT16 || dataType == DOUBLE;
  }

  static boolean isIntType(int dataType) {
    return dataType == INT32 || dataType == INT64;
  }

  /** Bytes per element in raw_data for the supported types. */
  private static int rawSize(int dataType) {
    return switch (dataType) {
      case FLOAT, INT32 -> 4;
      case FLOAT16, BFLOAT16 -> 2;
      case DOUBLE, INT64 -> 8;
      default -> throw new AssertionError(dataType);
    };
  }

  /** Decodes one TensorProto; {@code what} names it in errors until its own name is known. */
  static Decoded decode(ProtoReader r, String what) throws ModelFormatException {
    int at = r.position();
    Repeated.Longs dims = new Repeated.Longs();
    Repeated.Floats floatData = new Repeated.Floats();
    Repeated.Longs int32Data = new Repeated.Longs();
    Repeated.Longs int64Data = new Repeated.Longs();
    Repeated.Doubles doubleData = new Repeated.Doubles();
    int dataType = 0;
    String name = null;
    int rawStart = -1;
    int rawLength = 0;
    boolean external = false;
    boolean strings = false;
    String msg = what + " (TensorProto)";
    while (r.hasMore()) {
      int tag = r.readTag(msg);
      switch (tag >>> 3) {
        case 1 -> Repeated.readVarints(r, tag, dims, msg + ".dims");
        case 2 -> {
          r.expect(tag, ProtoReader.VARINT, msg + ".data_type");
          dataType = r.readInt32(msg + ".data_type");
        }
        case 3 -> throw r.error(msg + ": segmented tensors are not supported", at);
        case 4 -> Repeated.readFixed32Floats(r, tag, floatData, msg + ".float_data");
        case 5 -> Repeated.readVarints(r, tag, int32Data, msg + ".int32_data");
        case 6 -> {
          strings = true;
          r.skip(tag, msg);
        }
        case 7 -> Repeated.readVarints(r, tag, int64Data, msg + ".int64_data");
        case 8 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".name");
          name = r.readString(msg + ".name");
          msg = what + " '" + name + "'";
        }
        case 9 -> {
          r.expect(tag, ProtoReader.LEN, msg + ".raw_data");
          rawStart = r.readLengthDelimited(msg + ".raw_data");
          rawLength = r.position() - rawStart;
        }
        case 10 -> Repeated.readFixed64Doubles(r, tag, doubleData, msg + ".double_data");
        case 13 -> {
          external = true;
          r.skip(tag, msg);
        }
        case 14 -> {
          r.expect(tag, ProtoReader.VARINT, msg + ".data_location");
          external |= r.readVarint(msg + ".data_location") == 1;
        }
        default -> r.skip(tag, msg);
      }
    }
    String label = name == null ? what : what + " '" + name + "'";
    if (external) {
      throw error(r, label + ": data is stored externally, which rnn4j does not read (save the model with the "
          + "weights inside the .onnx file)", name, at);
    }
    if (strings || dataType == STRING) {
      throw error(r, label + ": string tensors are not supported", name, at);
    }
    if (!isFloatType(dataType) && !isIntType(dataType)) {
      throw error(r, label + ": data type " + typeName(dataType) + " is not supported (FLOAT, FLOAT16, BFLOAT16, "
          + "DOUBLE, INT32 and INT64 are)", name, at);
    }
    int[] shape = shape(r, dims, label, name, at);
    int count = (int) elementCount(r, shape, label, name, at);
    String desc = label + " " + typeName(dataType) + Arrays.toString(shape);
    Tensor t;
    if (rawStart >= 0) {
      if (floatData.size() + int32Data.size() + int64Data.size() + doubleData.size() > 0) {
        throw error(r, desc + ": has both raw_data and typed data", name, at);
      }
      long need = (long) count * rawSize(dataType);
      if (rawLength != need) {
        throw error(r, desc + ": raw_data holds " + rawLength + " bytes, the dims need " + need, name, rawStart);
      }
      t = fromRaw(ByteBuffer.wrap(r.buffer(), rawStart, rawLength).slice().order(ByteOrder.LITTLE_ENDIAN),
          dataType, count, shape);
    } else {
      int have = switch (dataType) {
        case FLOAT -> floatData.size();
        case FLOAT16, BFLOAT16, INT32 -> int32Data.size();
        case INT64 -> int64Data.size();
        case DOUBLE -> doubleData.size();
        default -> throw new AssertionError(dataType);
      };
      if (have != count) {
        throw error(r, desc + ": holds " + have + " values, the dims need " + count, name, at);
      }
      t = fromTyped(dataType, shape, floatData, int32Data, int64Data, doubleData);
    }
    return new Decoded(name == null ? "" : name, dataType, t);
  }

  private static int[] shape(ProtoReader r, Repeated.Longs dims, String label, String name, int at)
      throws ModelFormatException {
    if (dims.size() > Limits.MAX_RANK) {
      throw error(r, label + ": " + dims.size() + " dimensions (at most " + Limits.MAX_RANK + " are supported)", name,
          at);
    }
    int[] shape = new int[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      long d = dims.get(i);
      if (d < 0 || d > Limits.MAX_ELEMENTS) {
        throw error(r, label + ": dimension " + i + " is " + d, name, at);
      }
      shape[i] = (int) d;
    }
    return shape;
  }

  private static long elementCount(ProtoReader r, int[] shape, String label, String name, int at)
      throws ModelFormatException {
    long n = 1;
    for (int d : shape) {
      n *= d;
      if (n > Limits.MAX_ELEMENTS) {
        throw error(r, label + ": dims " + Arrays.toString(shape) + " declare more elements than rnn4j can hold",
            name, at);
      }
    }
    return n;
  }

  private static Tensor fromRaw(ByteBuffer b, int dataType, int count, int[] shape) {
    if (isIntType(dataType)) {
      long[] out = new long[count];
      for (int i = 0; i < count; i++) {
        out[i] = dataType == INT32 ? b.getInt(i * 4) : b.getLong(i * 8);
      }
      return Tensor.ofLongs(out, shape);
    }
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      out[i] = switch (dataType) {
        case FLOAT -> b.getFloat(i * 4);
        case DOUBLE -> (float) b.getDouble(i * 8);
        case FLOAT16 -> Float.float16ToFloat(b.getShort(i * 2));
        // bfloat16 is the top half of a float32, so widening is exact.
        case BFLOAT16 -> Float.intBitsToFloat(b.getShort(i * 2) << 16);
        default -> throw new AssertionError(dataType);
      };
    }
    return Tensor.ofFloats(out, shape);
  }

  private static Tensor fromTyped(int dataType, int[] shape, Repeated.Floats f, Repeated.Longs i32, Repeated.Longs i64,
      Repeated.Doubles d) {
    switch (dataType) {
      case FLOAT:
        return Tensor.ofFloats(f.toArray(), shape);
      case INT32: {
        long[] out = i32.toArray();
        for (int i = 0; i < out.length; i++) {
          out[i] = (int) out[i]; // int32 values travel sign-extended; keep the low 32 bits' meaning
        }
        return Tensor.ofLongs(out, shape);
      }
      case INT64:
        return Tensor.ofLongs(i64.toArray(), shape);
      case DOUBLE: {
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
          out[i] = (float) d.get(i);
        }
        return Tensor.ofFloats(out, shape);
      }
      default: {
        // FLOAT16 / BFLOAT16: int32_data carries the 16-bit patterns.
        float[] out = new float[i32.size()];
        for (int i = 0; i < out.length; i++) {
          short bits = (short) i32.get(i);
          out[i] = dataType == FLOAT16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
        }
        return Tensor.ofFloats(out, shape);
      }
    }
  }

  private static ModelFormatException error(ProtoReader r, String message, String tensor, int offset) {
    return new ModelFormatException(r.source() + ": " + message + " (at byte " + offset + ")", tensor, offset);
  }
}
