package org.rnn4j.reference;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.rnn4j.reference.ReferenceRnn.Config;

/** Random weights and tensors for {@link ReferenceRnn} configurations (test fixtures). */
public final class ReferenceWeights {

    private ReferenceWeights() {}

    /** Uniform(-scale, scale) values. */
    public static double[] uniform(Random rnd, int n, double scale) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2.0 * rnd.nextDouble() - 1.0) * scale;
        }
        return v;
    }

    /**
     * Every tensor the configuration can use, with PyTorch names, uniform(-scale, scale): weights,
     * both biases, the projection (projSize &gt; 0), the Jordan output layer and, when {@code peepholes}
     * is set (LSTM only), peephole weights.
     */
    public static Map<String, double[]> random(Config cfg, Random rnd, double scale, boolean peepholes) {
        final int G = cfg.gates();
        final int H = cfg.hiddenSize();
        final int Hout = cfg.outSize();
        final int recurrentIn = switch (cfg.cell()) {
            case "lstm" -> Hout;
            case "jordan" -> cfg.outputSize();
            default -> H;
        };
        Map<String, double[]> w = new LinkedHashMap<>();
        for (int k = 0; k < cfg.numLayers(); k++) {
            for (int d = 0; d < cfg.numDirections(); d++) {
                String sfx = "_l" + k + (d == 1 ? "_reverse" : "");
                w.put("weight_ih" + sfx, uniform(rnd, G * H * cfg.layerInputSize(k), scale));
                w.put("weight_hh" + sfx, uniform(rnd, G * H * recurrentIn, scale));
                w.put("bias_ih" + sfx, uniform(rnd, G * H, scale));
                w.put("bias_hh" + sfx, uniform(rnd, G * H, scale));
                if (cfg.cell().equals("lstm") && cfg.projSize() > 0) {
                    w.put("weight_hr" + sfx, uniform(rnd, cfg.projSize() * H, scale));
                }
                if (cfg.cell().equals("lstm") && peepholes) {
                    w.put("weight_peep" + sfx, uniform(rnd, 3 * H, scale));
                }
                if (cfg.cell().equals("jordan")) {
                    w.put("weight_ho" + sfx, uniform(rnd, cfg.outputSize() * H, scale));
                    w.put("bias_ho" + sfx, uniform(rnd, cfg.outputSize(), scale));
                }
            }
        }
        return w;
    }
}
