package org.rnn4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rnn4j.spi.CellFunctions;

/** Recomputes gate activations from a recorded single-sequence pass, for {@link Model#trace}. */
final class Tracer {
  private Tracer() {
  }

  static ActivationTrace trace(ModelSpec spec, PreparedDirection[] prepared, Tape tape) {
    int steps = tape.steps;
    int hid = spec.hiddenSize();
    int gh = spec.gateRows();
    List<ActivationTrace.Slot> slots = new ArrayList<>();
    for (int layer = 0; layer < spec.numLayers(); layer++) {
      for (int d = 0; d < spec.directions(); d++) {
        int slot = layer * spec.directions() + d;
        PreparedDirection p = prepared[slot];
        Tape.Direction td = tape.dirs[slot];
        CellFunctions f = p.fns;
        float clip = f.clip();
        Map<String, float[]> series = new LinkedHashMap<>();
        series.put("hidden", td.h.clone());
        switch (spec.cell()) {
          case LSTM -> {
            series.put("cell", td.c.clone());
            float[][] g = new float[4][steps * hid];
            float[] pre = new float[4];
            for (int t = 0; t < steps; t++) {
              int prev = d == 0 ? t - 1 : t + 1;
              for (int j = 0; j < hid; j++) {
                float cp = prev >= 0 && prev < steps ? td.c[prev * hid + j] : td.c0[j];
                float cn = td.c[t * hid + j];
                for (int k = 0; k < 4; k++) {
                  pre[k] = td.xproj[t * gh + k * hid + j] + td.hg[t * gh + k * hid + j] + p.bias[k * hid + j];
                }
                if (p.peep != null) {
                  pre[0] += p.peep[j] * cp;
                  pre[1] += p.peep[hid + j] * cp;
                  pre[3] += p.peep[2 * hid + j] * cn;
                }
                float i = CellFunctions.clipThen(f.gate(), clip, pre[0]);
                g[0][t * hid + j] = i;
                g[1][t * hid + j] = f.inputForget() ? 1f - i : CellFunctions.clipThen(f.gate(), clip, pre[1]);
                g[2][t * hid + j] = CellFunctions.clipThen(f.candidate(), clip, pre[2]);
                g[3][t * hid + j] = CellFunctions.clipThen(f.gate(), clip, pre[3]);
              }
            }
            series.put("input", g[0]);
            series.put("forget", g[1]);
            series.put("candidate", g[2]);
            series.put("output", g[3]);
          }
          case GRU, GRU_RESET_BEFORE -> {
            float[] r = new float[steps * hid];
            float[] z = new float[steps * hid];
            float[] n = new float[steps * hid];
            boolean after = spec.cell() == CellType.GRU;
            for (int t = 0; t < steps; t++) {
              for (int j = 0; j < hid; j++) {
                int o = t * gh;
                float reset = CellFunctions.clipThen(f.gate(), clip, td.xproj[o + j] + td.hg[o + j] + p.bias[j]);
                r[t * hid + j] = reset;
                z[t * hid + j] = CellFunctions.clipThen(f.gate(), clip, td.xproj[o + hid + j] + td.hg[o + hid + j]
                    + p.bias[hid + j]);
                float hn = td.hg[o + 2 * hid + j] + p.bias[3 * hid + j];
                n[t * hid + j] = CellFunctions.clipThen(f.candidate(), clip, td.xproj[o + 2 * hid + j]
                    + p.bias[2 * hid + j] + (after ? reset * hn : hn));
              }
            }
            series.put("reset", r);
            series.put("update", z);
            series.put("candidate", n);
          }
          case JORDAN -> series.put("pre-output", td.tmp.clone());
          case RNN_TANH, RNN_RELU -> {
          }
        }
        slots.add(new ActivationTrace.Slot(layer, d, series, spec.outputWidth()));
      }
    }
    return new ActivationTrace(steps, slots);
  }
}
