package org.rnn4j.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatTextTest {
  /** Through the server's own writer and reader, one float at a time (also checks the text is valid JSON). */
  private static void roundTrips(float f) throws Exception {
    String s = Json.write(new float[] {f});
    double viaParser = ((Json.Numbers) Json.parse(s)).values()[0];
    assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits((float) viaParser), () -> f + " written as " + s);
  }

  @Test
  void aLargeTensorOfRandomBitPatternsRoundTripsThroughJson() throws Exception {
    SplittableRandom rnd = new SplittableRandom(12);
    float[] f = new float[1 << 20];
    for (int i = 0; i < f.length; i++) {
      do {
        f[i] = Float.intBitsToFloat(rnd.nextInt());
      } while (!Float.isFinite(f[i]));
    }
    Json.Numbers n = (Json.Numbers) Json.parse(Json.write(f));
    assertEquals(f.length, n.length());
    for (int i = 0; i < f.length; i++) {
      if (Float.floatToRawIntBits(f[i]) != Float.floatToRawIntBits((float) n.values()[i])) {
        assertEquals(f[i], (float) n.values()[i], "element " + i);
      }
    }
  }

  @Test
  void everyRandomBitPatternReadsBackAsTheSameFloat() throws Exception {
    SplittableRandom rnd = new SplittableRandom(11);
    for (int i = 0; i < 1_000_000; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (Float.isFinite(f)) {
        roundTrips(f);
      }
    }
  }

  @Test
  void powersOfTwoAndTenTheirNeighboursSubnormalsAndExtremesReadBack() throws Exception {
    for (int e = -149; e <= 127; e++) {
      float p = Math.scalb(1f, e);
      roundTrips(p);
      roundTrips(Math.nextUp(p));
      roundTrips(Math.nextDown(p));
      roundTrips(-p);
    }
    for (int e = -45; e <= 38; e++) {
      float p = Float.parseFloat("1e" + e);
      roundTrips(p);
      roundTrips(Math.nextUp(p));
      roundTrips(Math.nextDown(p));
    }
    for (float f : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
        -Float.MAX_VALUE, 0.1f, 1f / 3, 999999999f, 1e9f, 123456789f, 1e-5f, 1e-6f, 9.9999999e-6f}) {
      roundTrips(f);
    }
  }

  @Test
  void parsingIsIdenticalToDoubleParseDouble() throws Exception {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int i = 0; i < 300_000; i++) {
      StringBuilder sb = new StringBuilder();
      if (rnd.nextBoolean()) {
        sb.append('-');
      }
      int intDigits = rnd.nextInt(1, 12);
      sb.append(rnd.nextInt(1, 10));
      for (int d = 1; d < intDigits; d++) {
        sb.append(rnd.nextInt(10));
      }
      if (rnd.nextInt(4) == 0) {
        sb.setLength(sb.charAt(0) == '-' ? 1 : 0);
        sb.append('0');
      }
      if (rnd.nextBoolean()) {
        sb.append('.');
        int frac = rnd.nextInt(1, 22);
        for (int d = 0; d < frac; d++) {
          sb.append(rnd.nextInt(10));
        }
      }
      if (rnd.nextInt(3) == 0) {
        sb.append(rnd.nextBoolean() ? 'e' : 'E').append(rnd.nextBoolean() ? "-" : rnd.nextBoolean() ? "+" : "")
            .append(rnd.nextInt(0, 340));
      }
      String s = sb.toString();
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)),
          Double.doubleToRawLongBits(FloatText.parseDouble(s, 0, s.length())), s);
    }
    for (String s : new String[] {"0", "-0", "0.0", "-0.0e5", "1e22", "1e23", "9007199254740993", "123456789012345678901",
        "0.000000000000000000000000001", "1e-400", "1e400", "4.9e-324"}) {
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)),
          Double.doubleToRawLongBits(FloatText.parseDouble(s, 0, s.length())), s);
    }
  }
}
