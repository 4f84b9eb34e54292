package org.rnn4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the README's Java example honest: the same lines, compiled and run. */
class ReadmeExampleTest {
  @TempDir
  Path dir;

  @Test
  void readmeExampleRuns() throws Exception {
    Path file = dir.resolve("lstm.safetensors");
    org.rnn4j.io.ModelFiles.write(ModelWeights.random(ModelSpec.of(CellType.LSTM, 8, 16, 2, true), 1), file);
    float[] y;
    float[] hN;
    // --- README example, verbatim apart from the path ---
    try (Model model = Model.load(file)) {
      int steps = 50, batch = 2, features = model.spec().inputSize();
      float[] x = new float[steps * batch * features];
      SequenceBatch in = SequenceBatch.seqFirst(x, steps, batch, features)
          .withLengths(new int[] {50, 31});
      ForwardResult r = model.forward(in);
      y = r.output().data();
      hN = r.hN().data();
    }
    // ---
    assertEquals(50 * 2 * 32, y.length);
    assertEquals(4 * 2 * 16, hN.length);
  }
}
