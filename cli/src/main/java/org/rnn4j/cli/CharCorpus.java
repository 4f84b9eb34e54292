package org.rnn4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rnn4j.SequenceBatch;
import org.rnn4j.text.Vocabulary;

/**
 * A text for character-level training: its vocabulary, a training part and a held-out validation
 * part, and the batches truncated BPTT reads (B parallel streams through the training text, each
 * step the next window of each stream, so the state carries over from one step to the next).
 */
final class CharCorpus {
  /** rnn4j's own Java sources, collected at build time. */
  static final String BUNDLED = "org/rnn4j/cli/corpus/rnn4j-sources.txt";

  final Vocabulary vocab;
  final int[] train;
  final int[] validation;

  CharCorpus(String text, Vocabulary vocab, double validationShare) {
    this.vocab = vocab;
    int[] ids = vocab.encode(text);
    int val = (int) Math.max(1, Math.round(ids.length * validationShare));
    if (ids.length - val < 2) {
      throw new IllegalArgumentException("text is too short to train on: " + ids.length + " characters");
    }
    this.train = java.util.Arrays.copyOfRange(ids, 0, ids.length - val);
    this.validation = java.util.Arrays.copyOfRange(ids, ids.length - val, ids.length);
  }

  static String read(Path file) throws IOException {
    if (file == null) {
      try (InputStream in = CharCorpus.class.getClassLoader().getResourceAsStream(BUNDLED)) {
        if (in == null) {
          throw new IOException("the bundled corpus " + BUNDLED + " is missing from the jar; pass --text FILE");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  /** One training window per stream: one-hot inputs [T, B, V] and next-character targets [T, B]. */
  record Batch(SequenceBatch input, int[] targets) {
  }

  /** The step-th window of every stream; streams are evenly spaced through {@code ids}. */
  static Batch window(int[] ids, int vocabSize, int steps, int batch, long step) {
    int span = ids.length - 1;
    int streamLength = Math.max(steps, span / batch);
    float[] x = new float[steps * batch * vocabSize];
    int[] y = new int[steps * batch];
    for (int b = 0; b < batch; b++) {
      long start = (long) b * streamLength + step * steps;
      for (int t = 0; t < steps; t++) {
        int pos = (int) ((start + t) % span);
        x[(t * batch + b) * vocabSize + ids[pos]] = 1f;
        y[t * batch + b] = ids[pos + 1];
      }
    }
    return new Batch(SequenceBatch.seqFirst(x, steps, batch, vocabSize), y);
  }

  /** Number of windows that cover the validation text once with {@code batch} streams. */
  static int windowsToCover(int[] ids, int steps, int batch) {
    return Math.max(1, (ids.length - 1) / (steps * batch));
  }
}
