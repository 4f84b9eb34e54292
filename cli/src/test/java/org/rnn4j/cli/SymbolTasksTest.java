package org.rnn4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.rnn4j.train.Targets;

class SymbolTasksTest {
  private static String text(String alphabet, SymbolTasks.Example e) {
    return SymbolTasks.decode(alphabet, e.symbols());
  }

  @Test
  void countingSequencesAreAnXbnEndingInTheEndSymbolWithTheLossFromX() {
    SymbolTasks.Example e = SymbolTasks.counting(3);
    assertEquals("aaaXbbb$", text(SymbolTasks.COUNTING, e));
    assertEquals(3, e.from());
    assertEquals("aaaX", SymbolTasks.decode(SymbolTasks.COUNTING, e.prompt()));
    assertEquals("bbb$", SymbolTasks.decode(SymbolTasks.COUNTING, e.answer()));
    assertEquals("aX", SymbolTasks.decode(SymbolTasks.COUNTING, SymbolTasks.counting(1).prompt()));
  }

  @Test
  void selectiveCountingPutsTheXsAmongTheAsAndAsManyBsAsAsAfterY() {
    SplittableRandom rnd = new SplittableRandom(4);
    for (int i = 0; i < 200; i++) {
      int n = 1 + rnd.nextInt(10);
      int xs = rnd.nextInt(6);
      SymbolTasks.Example e = SymbolTasks.selectiveCounting(n, xs, rnd);
      String s = text(SymbolTasks.SELECTIVE, e);
      String before = s.substring(0, s.indexOf('Y'));
      assertEquals(n, before.chars().filter(c -> c == 'a').count(), s);
      assertEquals(xs, before.chars().filter(c -> c == 'X').count(), s);
      assertEquals(n + xs, before.length(), s);
      assertEquals("Y" + "b".repeat(n) + "$", s.substring(before.length()), s);
      assertEquals(before.length(), e.from());
    }
    // The same seed gives the same sequences.
    assertEquals(text(SymbolTasks.SELECTIVE, SymbolTasks.selectiveCounting(7, 4, new SplittableRandom(9))),
        text(SymbolTasks.SELECTIVE, SymbolTasks.selectiveCounting(7, 4, new SplittableRandom(9))));
  }

  @Test
  void abMemoryAndCopySequences() {
    assertEquals("AxxxYa$", text(SymbolTasks.AB_MEMORY, SymbolTasks.abMemory(true, 3)));
    assertEquals("BxYb$", text(SymbolTasks.AB_MEMORY, SymbolTasks.abMemory(false, 1)));
    assertEquals(4, SymbolTasks.abMemory(true, 3).from());
    SymbolTasks.Example c = SymbolTasks.copy("baa");
    assertEquals("baaXbaa$", text(SymbolTasks.COPY, c));
    assertEquals("baaX", SymbolTasks.decode(SymbolTasks.COPY, c.prompt()));
    String w = SymbolTasks.randomWord(50, new SplittableRandom(1));
    assertEquals(50, w.length());
    assertTrue(w.chars().allMatch(ch -> "abc".indexOf(ch) >= 0), w);
    assertThrows(IllegalArgumentException.class, () -> SymbolTasks.encode(SymbolTasks.COPY, "abd"));
  }

  @Test
  void batchesAreOneHotWithLengthsAndIgnoreTheTargetsBeforeTheTrigger() {
    SymbolTasks.Batch b = SymbolTasks.batch(List.of(SymbolTasks.counting(1), SymbolTasks.counting(2)), 4);
    // inputs: aX b (3 steps) and aaXbb (5 steps); T = 5, B = 2, V = 4.
    assertEquals(5, b.input().steps());
    assertEquals(2, b.input().batch());
    assertArrayEquals(new int[] {3, 5}, b.input().lengths());
    int a = 0;
    int x = 1;
    int bb = 2;
    int end = 3;
    int ig = Targets.IGNORE;
    // targets [T, B]: row 0 counts from X (t = 1): X->b, b->$; row 1 from X (t = 2): X->b, b->b, b->$;
    // row 0's padding (t = 3, 4) is IGNORE too.
    assertArrayEquals(new int[] {ig, ig, bb, ig, end, bb, ig, bb, ig, end}, b.targets());
    float[] xs = b.input().x();
    assertEquals(1f, xs[(0 * 2 + 0) * 4 + a]);
    assertEquals(1f, xs[(1 * 2 + 0) * 4 + x]);
    assertEquals(1f, xs[(2 * 2 + 1) * 4 + x]);
    assertEquals(1f, xs[(4 * 2 + 1) * 4 + bb]);
    float sum = 0;
    for (float v : xs) {
      sum += v;
    }
    assertEquals(3 + 5, sum, 0f);
  }

  @Test
  void thePerfectCounterIsCorrectForEveryN() {
    List<SymbolTasks.CountCase> cases = SymbolTasks.evaluateCounting(SymbolTasks.perfectCounter(), 25);
    assertEquals(25, cases.size());
    assertTrue(cases.stream().allMatch(SymbolTasks.CountCase::correct));
    assertEquals(25, SymbolTasks.generalisesTo(cases));
    assertEquals("bbbbbbb$", cases.get(6).generated());
    assertEquals("b×7 $", SymbolTasks.compact(cases.get(6).generated()));
  }

  @Test
  void aCounterThatSaturatesFailsFromThere() {
    int b = SymbolTasks.COUNTING.indexOf('b');
    int end = SymbolTasks.COUNTING.indexOf('$');
    SymbolTasks.NextSymbol perfect = SymbolTasks.perfectCounter();
    // Counts at most 18 a's, like the seed's model: for n = 19 it stops after 18 b's.
    SymbolTasks.NextSymbol saturating = prefix -> {
      int as = 0;
      int bs = 0;
      for (int s : prefix) {
        as += s == 0 ? 1 : 0;
        bs += s == b ? 1 : 0;
      }
      int next = perfect.next(prefix);
      return next == b && bs >= Math.min(as, 18) ? end : next;
    };
    List<SymbolTasks.CountCase> cases = SymbolTasks.evaluateCounting(saturating, 25);
    assertEquals(18, SymbolTasks.generalisesTo(cases));
    SymbolTasks.CountCase c19 = cases.get(18);
    assertFalse(c19.correct());
    assertEquals(18, c19.bs());
    assertTrue(c19.stopped());
    // A model that never stops is cut off after n + 5 symbols.
    List<SymbolTasks.CountCase> endless = SymbolTasks.evaluateCounting(prefix -> b, 3);
    assertEquals(0, SymbolTasks.generalisesTo(endless));
    assertEquals("bbbbbbbb", endless.get(2).generated());
    assertFalse(endless.get(2).stopped());
    // Stopping too early is wrong too.
    assertEquals(0, SymbolTasks.generalisesTo(SymbolTasks.evaluateCounting(prefix -> end, 3)));
  }

  @Test
  void theCounterATrackingUnitWouldHold() {
    assertArrayEquals(new double[] {1, 2, 3, 3, 2, 1, 0},
        Experiments.counter(SymbolTasks.counting(3), SymbolTasks.COUNTING, ""));
    SymbolTasks.Example sel = new SymbolTasks.Example(SymbolTasks.encode(SymbolTasks.SELECTIVE, "aXaYbb$"), 3);
    assertArrayEquals(new double[] {1, 1, 2, 2, 1, 0}, Experiments.counter(sel, SymbolTasks.SELECTIVE, "X"));
    assertEquals(1.0, Experiments.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 1e-12);
    assertEquals(-1.0, Experiments.pearson(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-12);
    assertEquals(2, Experiments.argmaxAbs(new double[] {0.5, -0.2, -0.9}));
  }
}
