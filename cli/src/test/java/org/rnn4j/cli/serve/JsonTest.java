package org.rnn4j.cli.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void readsWhatItWritesAndFloatsRoundTrip() throws Exception {
    float[] f = {0f, -0f, 1.5f, 1e-30f, 3.4e38f, -1.17549435E-38f, 0.1f, (float) Math.PI};
    String s = Json.write(Map.of("a", f, "b", List.of("x\"\\\n\u0001é", true), "c", 7));
    Map<?, ?> m = (Map<?, ?>) Json.parse(s);
    Json.Numbers n = (Json.Numbers) m.get("a");
    for (int i = 0; i < f.length; i++) {
      assertEquals(Float.floatToIntBits(f[i]), Float.floatToIntBits((float) n.values()[i]), "element " + i);
    }
    assertEquals(List.of("x\"\\\n\u0001é", true), m.get("b"));
    assertEquals(7.0, ((Json.Numbers) Json.parse("[7]")).values()[0]);
    assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\""));
    assertEquals(List.of(1.0, "a", Json.NULL), Json.parse(" [1, \"a\", null] "));
  }

  @Test
  void refusesWhatRfc8259Refuses() {
    for (String bad : new String[] {"", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "NaN", "[1 2]",
        "{\"a\" 1}", "{a:1}", "'a'", "\"\\x\"", "\"a\nb\"", "[1]]", "tru", "{\"a\":1,\"a\":2}", "\"abc", "[" }) {
      assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
    }
    Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("[".repeat(100)));
    assertTrue(e.getMessage().contains("nesting"), e.getMessage());
  }
}
