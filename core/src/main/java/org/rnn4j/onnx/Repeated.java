package org.rnn4j.onnx;

import java.util.Arrays;
import org.rnn4j.io.ModelFormatException;

/**
 * Repeated scalar fields, which protobuf writers may send packed (one length-delimited run) or one
 * element per tag; both are accepted, anything else is a wire-type error.
 */
final class Repeated {
  private Repeated() {
  }

  /** A growable float array. */
  static final class Floats {
    private float[] a = new float[8];
    private int n;

    void add(float v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    float[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** A growable long array. */
  static final class Longs {
    private long[] a = new long[8];
    private int n;

    void add(long v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    long get(int i) {
      return a[i];
    }

    long[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** A growable double array. */
  static final class Doubles {
    private double[] a = new double[8];
    private int n;

    void add(double v) {
      if (n == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    int size() {
      return n;
    }

    double get(int i) {
      return a[i];
    }
  }

  static void readFixed32Floats(ProtoReader r, int tag, Floats out, String field) throws ModelFormatException {
    if ((tag & 7) == ProtoReader.LEN) {
      int start = r.readLengthDelimited(field);
      int len = r.position() - start;
      if (len % 4 != 0) {
        throw r.error(field + ": packed length " + len + " is not a multiple of 4", start);
      }
      byte[] b = r.buffer();
      for (int p = start; p < start + len; p += 4) {
        out.add(Float.intBitsToFloat((b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16
            | (b[p + 3] & 0xFF) << 24));
      }
    } else {
      r.expect(tag, ProtoReader.I32, field);
      out.add(Float.intBitsToFloat(r.readFixed32(field)));
    }
  }

  static void readFixed64Doubles(ProtoReader r, int tag, Doubles out, String field) throws ModelFormatException {
    if ((tag & 7) == ProtoReader.LEN) {
      ProtoReader packed = r.readMessage(field);
      while (packed.hasMore()) {
        out.add(Double.longBitsToDouble(packed.readFixed64(field)));
      }
    } else {
      r.expect(tag, ProtoReader.I64, field);
      out.add(Double.longBitsToDouble(r.readFixed64(field)));
    }
  }

  static void readVarints(ProtoReader r, int tag, Longs out, String field) throws ModelFormatException {
    if ((tag & 7) == ProtoReader.LEN) {
      ProtoReader packed = r.readMessage(field);
      while (packed.hasMore()) {
        out.add(packed.readVarint(field));
      }
    } else {
      r.expect(tag, ProtoReader.VARINT, field);
      out.add(r.readVarint(field));
    }
  }
}
