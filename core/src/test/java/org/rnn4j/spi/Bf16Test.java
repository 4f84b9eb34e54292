package org.rnn4j.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Bf16Test {
  private static int bits(short b) {
    return b & 0xFFFF;
  }

  @Test
  void valuesThatAreAlreadyBf16StayExactlyTheSameIncludingNanPayloads() {
    for (int i = 0; i < 0x10000; i++) {
      int b = i;
      assertEquals(b, bits(Bf16.round(Bf16.widen((short) b))), () -> "pattern " + Integer.toHexString(b));
    }
  }

  @Test
  void roundsToTheNearestBf16() {
    // 1 + 2^-7 is the bf16 after 1; 1 + 0.6·2^-7 is nearer to it, 1 + 0.4·2^-7 nearer to 1.
    assertEquals(1f + 0x1p-7f, Bf16.roundToFloat(1f + 0.6f * 0x1p-7f));
    assertEquals(1f, Bf16.roundToFloat(1f + 0.4f * 0x1p-7f));
    assertEquals(-(1f + 0x1p-7f), Bf16.roundToFloat(-(1f + 0.6f * 0x1p-7f)));
  }

  @Test
  void tiesGoToTheEvenMantissa() {
    assertEquals(1f, Bf16.roundToFloat(1f + 0x1p-8f)); // between 1 (even) and 1 + 2^-7 (odd)
    assertEquals(1f + 0x1p-6f, Bf16.roundToFloat(1f + 3 * 0x1p-8f)); // between 1 + 2^-7 (odd) and 1 + 2^-6 (even)
    assertEquals(-1f, Bf16.roundToFloat(-(1f + 0x1p-8f)));
  }

  @Test
  void infinitiesStayAndTooLargeFiniteValuesRoundToInfinity() {
    assertEquals(Float.POSITIVE_INFINITY, Bf16.roundToFloat(Float.POSITIVE_INFINITY));
    assertEquals(Float.NEGATIVE_INFINITY, Bf16.roundToFloat(Float.NEGATIVE_INFINITY));
    assertEquals(Float.POSITIVE_INFINITY, Bf16.roundToFloat(Float.MAX_VALUE));
    assertEquals(Float.NEGATIVE_INFINITY, Bf16.roundToFloat(-Float.MAX_VALUE));
  }

  @Test
  void nanStaysNanWithItsSignEvenWhenItsPayloadIsOnlyInTheDroppedBits() {
    float lowPayload = Float.intBitsToFloat(0x7F80_0001);
    assertTrue(Float.isNaN(Bf16.roundToFloat(lowPayload)));
    assertTrue(Float.isNaN(Bf16.roundToFloat(Float.NaN)));
    short negative = Bf16.round(Float.intBitsToFloat(0xFF80_0001));
    assertEquals(0xFFC0, bits(negative));
    assertEquals(0x7FC1, bits(Bf16.round(Float.intBitsToFloat(0x7FC1_FFFF))), "high payload kept, not rounded up");
  }

  @Test
  void signedZerosAndSubnormalsRoundLikeOtherValues() {
    assertEquals(0x8000, bits(Bf16.round(-0f)));
    assertEquals(0x0000, bits(Bf16.round(Float.MIN_VALUE)), "the smallest float subnormal rounds to +0");
    assertEquals(0x0001, bits(Bf16.round(Float.intBitsToFloat(0x0000_8001))), "just above half of the smallest bf16");
    assertEquals(0x0000, bits(Bf16.round(Float.intBitsToFloat(0x0000_8000))), "tie to even (zero)");
    assertEquals(0x0002, bits(Bf16.round(Float.intBitsToFloat(0x0001_8000))), "tie to even (2)");
  }

  @Test
  void agreesWithADoublePrecisionNearestEvenReferenceOnRandomFloats() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int i = 0; i < 1_000_000; i++) {
      float f = Float.intBitsToFloat(rnd.nextInt());
      if (Float.isNaN(f) || Float.isInfinite(f)) {
        continue;
      }
      int bits = Float.floatToRawIntBits(f);
      float down = Float.intBitsToFloat(bits & 0xFFFF_0000); // toward zero
      float up = Float.intBitsToFloat((bits & 0xFFFF_0000) + 0x1_0000); // away from zero (may be infinity)
      double dDown = Math.abs((double) f - down);
      double dUp = Float.isInfinite(up) ? Math.abs((double) f - Math.copySign(0x1p128, f)) : Math.abs((double) f - up);
      float want;
      if (dDown < dUp) {
        want = down;
      } else if (dUp < dDown) {
        want = up;
      } else {
        want = ((bits >>> 16) & 1) == 0 ? down : up;
      }
      assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(Bf16.roundToFloat(f)),
          "rounding " + Integer.toHexString(bits));
    }
  }
}
