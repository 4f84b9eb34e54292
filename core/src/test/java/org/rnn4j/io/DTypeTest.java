package org.rnn4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DTypeTest {
  @Test
  void byteSizesMatchTheFormat() {
    assertEquals(8, DType.F64.byteSize());
    assertEquals(4, DType.F32.byteSize());
    assertEquals(2, DType.F16.byteSize());
    assertEquals(2, DType.BF16.byteSize());
    assertEquals(8, DType.I64.byteSize());
    assertEquals(4, DType.I32.byteSize());
    assertEquals(2, DType.I16.byteSize());
    assertEquals(1, DType.I8.byteSize());
    assertEquals(1, DType.U8.byteSize());
    assertEquals(1, DType.BOOL.byteSize());
  }

  @Test
  void everyConstantIsFoundByItsSafetensorsName() {
    for (DType t : DType.values()) {
      assertEquals(t, DType.fromSafetensorsName(t.name()));
    }
  }

  @Test
  void unknownOrMiscasedNamesAreRejectedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DType.fromSafetensorsName("F8_E5M2"));
    assertTrue(e.getMessage().contains("'F8_E5M2'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DType.fromSafetensorsName("bf16"));
    assertThrows(IllegalArgumentException.class, () -> DType.fromSafetensorsName(null));
  }
}
