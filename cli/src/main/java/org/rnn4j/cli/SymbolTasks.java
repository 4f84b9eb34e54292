package org.rnn4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.rnn4j.SequenceBatch;
import org.rnn4j.train.Targets;

/**
 * The data of {@code rnn4j experiment}: small symbol languages (aⁿXbⁿ and friends) framed as
 * next-symbol prediction, and greedy generation to test a model on them.
 *
 * <p>An {@link Example} is a whole sequence ending in the end symbol {@code $}; the model reads
 * {@code symbols[0..len-2]} and predicts {@code symbols[1..len-1]}. Only the predictions from the
 * trigger position {@code from} on count in the loss (what comes before the trigger is random and
 * cannot be predicted); the rest are {@link Targets#IGNORE}.
 */
final class SymbolTasks {
  private SymbolTasks() {
  }

  /** The end symbol every task's sequences finish with. */
  static final char END = '$';

  /** One sequence over an alphabet, as symbol indices, and where its loss starts. */
  record Example(int[] symbols, int from) {
    Example {
      if (symbols.length < 2 || from < 0 || from >= symbols.length - 1) {
        throw new IllegalArgumentException("example of " + symbols.length + " symbols cannot start its loss at "
            + from);
      }
    }

    /** The part the model is prompted with in an evaluation: everything up to and including the trigger. */
    int[] prompt() {
      return Arrays.copyOf(symbols, from + 1);
    }

    /** What a perfect model generates after the prompt, the end symbol included. */
    int[] answer() {
      return Arrays.copyOfRange(symbols, from + 1, symbols.length);
    }
  }

  /** A training batch: one-hot inputs [T, B, V] with lengths, and class targets [T, B]. */
  record Batch(SequenceBatch input, int[] targets) {
  }

  /** Predicts the next symbol from the whole prefix read so far (an argmax, for greedy generation). */
  @FunctionalInterface
  interface NextSymbol {
    int next(int[] prefix);
  }

  // ------------------------------------------------------------------ alphabets and text

  static int[] encode(String alphabet, String text) {
    int[] out = new int[text.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = alphabet.indexOf(text.charAt(i));
      if (out[i] < 0) {
        throw new IllegalArgumentException("'" + text.charAt(i) + "' is not in the alphabet " + alphabet);
      }
    }
    return out;
  }

  static String decode(String alphabet, int[] symbols) {
    StringBuilder b = new StringBuilder();
    for (int s : symbols) {
      b.append(alphabet.charAt(s));
    }
    return b.toString();
  }

  /** Runs of one symbol shortened: "bbbbbbb$" → "b×7 $", so long outputs stay readable in a table. */
  static String compact(String s) {
    StringBuilder b = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      int j = i;
      while (j < s.length() && s.charAt(j) == s.charAt(i)) {
        j++;
      }
      b.append(b.length() == 0 ? "" : " ").append(s.charAt(i));
      if (j - i > 1) {
        b.append('×').append(j - i);
      }
      i = j;
    }
    return b.toString();
  }

  /** Inputs of a sequence as one-hot rows [len, V] (for traces). */
  static float[] oneHot(int[] symbols, int len, int vocab) {
    float[] x = new float[len * vocab];
    for (int t = 0; t < len; t++) {
      x[t * vocab + symbols[t]] = 1f;
    }
    return x;
  }

  /** The padded batch: inputs are each example but its last symbol, targets the symbols after each input. */
  static Batch batch(List<Example> examples, int vocab) {
    int n = examples.size();
    int steps = 0;
    for (Example e : examples) {
      steps = Math.max(steps, e.symbols().length - 1);
    }
    float[] x = new float[steps * n * vocab];
    int[] targets = new int[steps * n];
    Arrays.fill(targets, Targets.IGNORE);
    int[] lengths = new int[n];
    for (int b = 0; b < n; b++) {
      int[] s = examples.get(b).symbols();
      lengths[b] = s.length - 1;
      for (int t = 0; t < s.length - 1; t++) {
        x[(t * n + b) * vocab + s[t]] = 1f;
        if (t >= examples.get(b).from()) {
          targets[t * n + b] = s[t + 1];
        }
      }
    }
    return new Batch(SequenceBatch.seqFirst(x, steps, n, vocab).withLengths(lengths), targets);
  }

  // ------------------------------------------------------------------ the languages

  /** Counting: aⁿ X bⁿ $ over "aXb$"; the loss starts at X. */
  static final String COUNTING = "aXb$";

  static Example counting(int n) {
    return new Example(encode(COUNTING, "a".repeat(n) + "X" + "b".repeat(n) + END), n);
  }

  /** Selective counting: n a's with {@code xs} X's among them, then Y bⁿ $ over "aXYb$"; the loss starts at Y. */
  static final String SELECTIVE = "aXYb$";

  static Example selectiveCounting(int n, int xs, SplittableRandom rnd) {
    // X's go into random gaps: before, between or after the a's (several may share a gap).
    int[] perGap = new int[n + 1];
    for (int i = 0; i < xs; i++) {
      perGap[rnd.nextInt(n + 1)]++;
    }
    StringBuilder s = new StringBuilder();
    for (int g = 0; g <= n; g++) {
      s.append("X".repeat(perGap[g]));
      if (g < n) {
        s.append('a');
      }
    }
    int from = s.length();
    s.append('Y').append("b".repeat(n)).append(END);
    return new Example(encode(SELECTIVE, s.toString()), from);
  }

  /** A/B memory: A xᵏ Y a $ or B xᵏ Y b $ over "ABxYab$"; the loss starts at Y. */
  static final String AB_MEMORY = "ABxYab$";

  static Example abMemory(boolean a, int xs) {
    return new Example(encode(AB_MEMORY, (a ? "A" : "B") + "x".repeat(xs) + "Y" + (a ? "a" : "b") + END), xs + 1);
  }

  /** Copy: w X w $ for a word w over "abc", alphabet "abcX$"; the loss starts at X. */
  static final String COPY = "abcX$";

  static Example copy(String word) {
    return new Example(encode(COPY, word + "X" + word + END), word.length());
  }

  static String randomWord(int length, SplittableRandom rnd) {
    StringBuilder w = new StringBuilder();
    for (int i = 0; i < length; i++) {
      w.append("abc".charAt(rnd.nextInt(3)));
    }
    return w.toString();
  }

  // ------------------------------------------------------------------ evaluation

  /**
   * Greedy generation: the likeliest next symbol, appended and fed back, until {@code stop} has
   * been generated or {@code max} symbols were; returns the generated symbols.
   */
  static int[] greedy(NextSymbol model, int[] prompt, int stop, int max) {
    int[] seq = Arrays.copyOf(prompt, prompt.length + max);
    int len = prompt.length;
    for (int i = 0; i < max; i++) {
      int s = model.next(Arrays.copyOf(seq, len));
      seq[len++] = s;
      if (s == stop) {
        break;
      }
    }
    return Arrays.copyOfRange(seq, prompt.length, len);
  }

  /** Whether greedy generation after the example's prompt gives exactly its answer. */
  static boolean solves(NextSymbol model, Example e, int stop, int slack) {
    int[] want = e.answer();
    return Arrays.equals(want, greedy(model, e.prompt(), stop, want.length + slack));
  }

  /** One row of the counting table: what greedy generation after aⁿX gave. */
  record CountCase(int n, String generated, int bs, boolean stopped, boolean correct) {
  }

  /** Greedy generation after aⁿX for every n in 1..maxN: correct when it is exactly bⁿ then $. */
  static List<CountCase> evaluateCounting(NextSymbol model, int maxN) {
    int end = COUNTING.indexOf(END);
    int b = COUNTING.indexOf('b');
    List<CountCase> out = new ArrayList<>();
    for (int n = 1; n <= maxN; n++) {
      int[] gen = greedy(model, counting(n).prompt(), end, n + 5);
      int bs = 0;
      while (bs < gen.length && gen[bs] == b) {
        bs++;
      }
      boolean stopped = gen.length > 0 && gen[gen.length - 1] == end;
      boolean correct = stopped && bs == n && gen.length == n + 1;
      out.add(new CountCase(n, decode(COUNTING, gen), bs, stopped, correct));
    }
    return out;
  }

  /** The largest N such that every n in 1..N is correct (0 if n = 1 already fails). */
  static int generalisesTo(List<CountCase> cases) {
    int n = 0;
    for (CountCase c : cases) {
      if (!c.correct()) {
        break;
      }
      n = c.n();
    }
    return n;
  }

  /** The hand-made perfect counter: b while fewer b's than a's, then $; a and X are never predicted wrong. */
  static NextSymbol perfectCounter() {
    int a = COUNTING.indexOf('a');
    int b = COUNTING.indexOf('b');
    int x = COUNTING.indexOf('X');
    int end = COUNTING.indexOf(END);
    return prefix -> {
      int as = 0;
      int bs = 0;
      boolean seenX = false;
      for (int s : prefix) {
        if (s == a) {
          as++;
        } else if (s == b) {
          bs++;
        } else if (s == x) {
          seenX = true;
        }
      }
      return !seenX ? a : bs < as ? b : end;
    };
  }
}
