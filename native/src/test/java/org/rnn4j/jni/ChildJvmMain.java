package org.rnn4j.jni;

import java.util.Arrays;
import org.rnn4j.CellType;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.RandomModels;

/**
 * Run by {@link ChildJvmTest} in a fresh JVM: prints key=value lines about the default backend and
 * the largest difference of its forward pass from the scalar backend's.
 */
public final class ChildJvmMain {
  private ChildJvmMain() {
  }

  public static void main(String[] args) {
    BackendRegistry reg = BackendRegistry.getDefault();
    reg.entries().stream().filter(e -> e.name().equals(NativeBackendProvider.NAME)).forEach(e -> {
      System.out.println("native.available=" + e.probe().available());
      System.out.println("native.reason=" + e.probe().reason());
      System.out.println("native.isa=" + e.probe().details().get("isa"));
    });
    Backend b = reg.defaultBackend();
    System.out.println("backend=" + b.name());
    ModelSpec spec = ModelSpec.of(CellType.LSTM, 7, 33, 2, true);
    ModelWeights w = ModelWeights.random(spec, 11);
    int steps = 9;
    int batch = 3;
    SequenceBatch in = SequenceBatch.seqFirst(RandomModels.gaussian(steps * batch * 7, 1, 5), steps, batch, 7)
        .withLengths(new int[] {9, 4, 1});
    float[] y;
    float[] ref;
    try (Model m = Model.of(w, b); Model s = Model.of(w, reg.get("scalar"))) {
      y = m.forward(in).output().data();
      ref = s.forward(in).output().data();
    }
    double worst = 0;
    for (int i = 0; i < y.length; i++) {
      worst = Math.max(worst, Math.abs(y[i] - ref[i]));
    }
    System.out.println("nonzero=" + Arrays.stream(RandomModels.widen(y)).filter(v -> v != 0).count());
    System.out.println("maxdiff=" + worst);
  }
}
