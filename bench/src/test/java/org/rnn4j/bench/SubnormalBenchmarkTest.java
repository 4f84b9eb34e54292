package org.rnn4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.rnn4j.Model;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;

class SubnormalBenchmarkTest {
  @Test
  void subnormalInputKeepsEveryOutputSubnormal() {
    BenchConfig c = BenchConfig.parse("lstm_64_64_20_1");
    ModelWeights w = SubnormalBenchmark.zeroBiases(c.weights());
    float[] x = c.inputData();
    for (int i = 0; i < x.length; i++) {
      x[i] *= SubnormalBenchmark.SUBNORMAL_SCALE;
    }
    float[] y;
    try (Model m = Model.of(w, BackendRegistry.getDefault().get("scalar"))) {
      y = m.forward(SequenceBatch.seqFirst(x, c.steps(), c.batch(), c.input())).output().data();
    }
    int subnormal = 0;
    for (float v : y) {
      assertTrue(Math.abs(v) < Float.MIN_NORMAL, "a normal output " + v + " means the benchmark measures nothing");
      if (v != 0f) {
        subnormal++;
      }
    }
    assertTrue(subnormal > y.length / 2, "most outputs must be subnormal, not flushed: " + subnormal + "/" + y.length);
  }

  @Test
  void zeroBiasesKeepsTheWeightMatrices() {
    ModelWeights w = BenchConfig.parse("gru_8_8_3_1").weights();
    ModelWeights z = SubnormalBenchmark.zeroBiases(w);
    for (String name : w.names()) {
      float[] p = z.get(name);
      if (name.startsWith("bias")) {
        for (float v : p) {
          assertEquals(0f, v, name);
        }
      } else {
        assertEquals(java.util.Arrays.toString(w.get(name)), java.util.Arrays.toString(p), name);
      }
    }
  }
}
