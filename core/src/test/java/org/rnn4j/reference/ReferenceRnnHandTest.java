package org.rnn4j.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnn4j.reference.ReferenceRnn.Act;
import org.rnn4j.reference.ReferenceRnn.Config;
import org.rnn4j.reference.ReferenceRnn.Result;

/**
 * Tiny cases (I = 1, H = 1, T = 2) worked out on paper. Each test spells out the pre-activations as
 * plain numbers, then checks the oracle both against that scalar arithmetic and against a literal
 * final value computed independently (Python, float64).
 */
class ReferenceRnnHandTest {

    private static final double EPS = 1e-14;

    private static double sigmoid(double v) {
        return 1.0 / (1.0 + Math.exp(-v));
    }

    private static Map<String, double[]> w(Object... kv) {
        Map<String, double[]> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (double[]) kv[i + 1]);
        }
        return m;
    }

    private static double[] v(double... d) {
        return d;
    }

    private static Config cfg(String cell, List<List<Act>> acts, double clip) {
        return new Config(cell, 1, 1, 0, cell.equals("jordan") ? 1 : 0, 1, false, false, clip, false, acts);
    }

    @Test
    void rnnTanhByHand() {
        // h0 = 0.3, x = [0.5, -1.0], w_ih = 0.8, w_hh = -0.6, b_ih = 0.1, b_hh = 0.05
        // step 0: pre = 0.8*0.5 + 0.1 - 0.6*0.3 + 0.05 = 0.37
        double h1 = Math.tanh(0.37);
        // step 1: pre = 0.8*(-1) + 0.1 - 0.6*h1 + 0.05 = -0.65 - 0.6*h1
        double h2 = Math.tanh(-0.65 - 0.6 * h1);
        Result r = ReferenceRnn.forward(cfg("rnn_tanh", null, Double.POSITIVE_INFINITY),
                w("weight_ih_l0", v(0.8), "weight_hh_l0", v(-0.6), "bias_ih_l0", v(0.1), "bias_hh_l0", v(0.05)),
                v(0.5, -1.0), 2, 1, null, v(0.3), null);
        assertArrayEquals(v(h1, h2), r.y(), EPS);
        assertArrayEquals(v(h2), r.hN(), EPS);
        assertNull(r.cN());
        assertEquals(0.35399171247704597, h1, EPS);
        assertEquals(-0.6974895946750274, h2, EPS);
    }

    @Test
    void rnnReluByHandIsExact() {
        // x = [0.5, 1.0], h0 = 0.3: step 0 pre = 0.4 + 0.1 - 0.18 + 0.05 = 0.37 -> relu 0.37
        // step 1 pre = 0.8 + 0.1 - 0.6*0.37 + 0.05 = 0.728 -> relu 0.728
        Map<String, double[]> ws = w("weight_ih_l0", v(0.8), "weight_hh_l0", v(-0.6), "bias_ih_l0", v(0.1),
                "bias_hh_l0", v(0.05));
        Result r = ReferenceRnn.forward(cfg("rnn_relu", null, Double.POSITIVE_INFINITY), ws, v(0.5, 1.0), 2, 1,
                null, v(0.3), null);
        assertArrayEquals(v(0.37, 0.728), r.y(), 1e-15);
        // Negative pre-activation: x = [-1, 0.5], h0 = 0: pre0 = -0.8 + 0.15 = -0.65 -> 0;
        // pre1 = 0.4 + 0.15 = 0.55.
        r = ReferenceRnn.forward(cfg("rnn_relu", null, Double.POSITIVE_INFINITY), ws, v(-1.0, 0.5), 2, 1, null,
                null, null);
        assertArrayEquals(v(0.0, 0.55), r.y(), 1e-15);
        // Reverse direction alone (bidirectional, checking the second half): processes t=1 first.
        // reverse weights: w_ih = 2, w_hh = 0.5, no biases. x = [1, 3]:
        // t=1: 2*3 = 6; t=0: 2*1 + 0.5*6 = 5. Forward half: t=0: 0.8+0.15 = 0.95; t=1: 2.4+0.15-0.57 = 1.98.
        Config bi = new Config("rnn_relu", 1, 1, 0, 0, 1, true, false, Double.POSITIVE_INFINITY, false, null);
        Map<String, double[]> wb = new HashMap<>(ws);
        wb.put("weight_ih_l0_reverse", v(2.0));
        wb.put("weight_hh_l0_reverse", v(0.5));
        r = ReferenceRnn.forward(bi, wb, v(1.0, 3.0), 2, 1, null, null, null);
        // y [T=2, B=1, 2]: (fwd, rev) per step
        assertArrayEquals(v(0.95, 5.0, 1.98, 6.0), r.y(), 1e-14);
        assertArrayEquals(v(1.98, 5.0), r.hN(), 1e-14);
    }

    @Test
    void lstmByHand() {
        // PyTorch gate rows i, f, g, o.
        // W_ih = [0.5, -0.4, 0.9, 0.3], W_hh = [0.2, 0.1, -0.3, 0.6]
        // b_ih = [0.1, 0.2, -0.1, 0.0], b_hh = [0.0, 0.1, 0.05, -0.2]; x = [1.0, -0.5]; h0 = 0, c0 = 0.4
        // step 0 (h = 0): pre_i = 0.5 + 0.1 = 0.6; pre_f = -0.4 + 0.3 = -0.1; pre_g = 0.9 - 0.05 = 0.85;
        //                 pre_o = 0.3 - 0.2 = 0.1
        double i0 = sigmoid(0.6), f0 = sigmoid(-0.1), g0 = Math.tanh(0.85), o0 = sigmoid(0.1);
        double c1 = f0 * 0.4 + i0 * g0;
        double h1 = o0 * Math.tanh(c1);
        // step 1 (x = -0.5, h = h1):
        double pi = 0.5 * -0.5 + 0.1 + 0.2 * h1 + 0.0;
        double pf = -0.4 * -0.5 + 0.2 + 0.1 * h1 + 0.1;
        double pg = 0.9 * -0.5 - 0.1 - 0.3 * h1 + 0.05;
        double po = 0.3 * -0.5 + 0.0 + 0.6 * h1 - 0.2;
        double c2 = sigmoid(pf) * c1 + sigmoid(pi) * Math.tanh(pg);
        double h2 = sigmoid(po) * Math.tanh(c2);

        Map<String, double[]> ws = w("weight_ih_l0", v(0.5, -0.4, 0.9, 0.3), "weight_hh_l0", v(0.2, 0.1, -0.3, 0.6),
                "bias_ih_l0", v(0.1, 0.2, -0.1, 0.0), "bias_hh_l0", v(0.0, 0.1, 0.05, -0.2));
        Result r = ReferenceRnn.forward(cfg("lstm", null, Double.POSITIVE_INFINITY), ws, v(1.0, -0.5), 2, 1, null,
                null, v(0.4));
        assertArrayEquals(v(h1, h2), r.y(), EPS);
        assertArrayEquals(v(h2), r.hN(), EPS);
        assertArrayEquals(v(c2), r.cN(), EPS);
        // independent literals (Python float64)
        assertEquals(0.2951998794035111, h1, EPS);
        assertEquals(0.6362016862461727, c1, EPS);
        assertEquals(0.06712784038729964, h2, EPS);
        assertEquals(0.1479953975771634, c2, EPS);
    }

    @Test
    void lstmPeepholeProjectionInputForgetClipByHand() {
        // One step (T = 1 is enough to pin where each term goes), then a second step for the carry.
        // W_ih = [1, 2, 3, 4] (i, f, g, o), W_hh = 0, no biases, peep (i, f, o) = [0.5, -1, 2],
        // projection weight_hr = [[3]] with projSize = 1 (H = 1), c0 = 0.2, h0 = 0, x = [0.25].
        // pre_i = 0.25 + 0.5*0.2 = 0.35; pre_f = 0.5 - 1*0.2 = 0.3; pre_g = 0.75;
        // c = s(0.3)*0.2 + s(0.35)*tanh(0.75); pre_o = 1.0 + 2*c (NEW c); h~ = s(pre_o) tanh(c); h = 3 h~
        double c = sigmoid(0.3) * 0.2 + sigmoid(0.35) * Math.tanh(0.75);
        double h = 3.0 * sigmoid(1.0 + 2.0 * c) * Math.tanh(c);
        Map<String, double[]> ws = w("weight_ih_l0", v(1, 2, 3, 4), "weight_hh_l0", v(0, 0, 0, 0),
                "weight_peep_l0", v(0.5, -1, 2), "weight_hr_l0", v(3));
        Config proj = new Config("lstm", 1, 1, 1, 0, 1, false, false, Double.POSITIVE_INFINITY, false, null);
        Result r = ReferenceRnn.forward(proj, ws, v(0.25), 1, 1, null, null, v(0.2));
        assertArrayEquals(v(h), r.y(), EPS);
        assertArrayEquals(v(c), r.cN(), EPS);

        // inputForget: f = 1 - i, the forget row and the forget peephole are unused.
        double ci = (1.0 - sigmoid(0.35)) * 0.2 + sigmoid(0.35) * Math.tanh(0.75);
        double hi = 3.0 * sigmoid(1.0 + 2.0 * ci) * Math.tanh(ci);
        Config inf = new Config("lstm", 1, 1, 1, 0, 1, false, false, Double.POSITIVE_INFINITY, true, null);
        r = ReferenceRnn.forward(inf, ws, v(0.25), 1, 1, null, null, v(0.2));
        assertArrayEquals(v(hi), r.y(), EPS);
        assertArrayEquals(v(ci), r.cN(), EPS);

        // clip = 0.5 with c0 = 3 (so that the cell state exceeds the clip; it must not be clipped):
        // pre_i = 0.25 + 0.5*3 = 1.75 -> 0.5; pre_f = 0.5 - 1*3 = -2.5 -> -0.5; pre_g = 0.75 -> 0.5;
        // pre_o = 1 + 2c -> 0.5.
        double cc = sigmoid(-0.5) * 3.0 + sigmoid(0.5) * Math.tanh(0.5);
        double hc = 3.0 * sigmoid(0.5) * Math.tanh(cc);
        assertTrue(cc > 0.5);
        Config clip = new Config("lstm", 1, 1, 1, 0, 1, false, false, 0.5, false, null);
        r = ReferenceRnn.forward(clip, ws, v(0.25), 1, 1, null, null, v(3.0));
        assertArrayEquals(v(hc), r.y(), EPS);
        assertArrayEquals(v(cc), r.cN(), EPS);
    }

    @Test
    void gruResetAfterAndBeforeByHand() {
        // Gate rows r, z, n. W_ih = [0.7, -0.2, 0.4], W_hh = [0.3, 0.5, -0.6],
        // b_ih = [0.1, -0.1, 0.2], b_hh = [-0.05, 0.15, 0.25]; h0 = 0.5; x = [1, -2]
        Map<String, double[]> ws = w("weight_ih_l0", v(0.7, -0.2, 0.4), "weight_hh_l0", v(0.3, 0.5, -0.6),
                "bias_ih_l0", v(0.1, -0.1, 0.2), "bias_hh_l0", v(-0.05, 0.15, 0.25));
        double[] after = new double[2];
        double[] before = new double[2];
        double ha = 0.5, hb = 0.5;
        double[] xs = {1.0, -2.0};
        for (int t = 0; t < 2; t++) {
            double x = xs[t];
            double r = sigmoid(0.7 * x + 0.1 + 0.3 * ha - 0.05);
            double z = sigmoid(-0.2 * x - 0.1 + 0.5 * ha + 0.15);
            double n = Math.tanh(0.4 * x + 0.2 + r * (-0.6 * ha + 0.25)); // b_hn inside the reset product
            ha = (1 - z) * n + z * ha;
            after[t] = ha;
            r = sigmoid(0.7 * x + 0.1 + 0.3 * hb - 0.05);
            z = sigmoid(-0.2 * x - 0.1 + 0.5 * hb + 0.15);
            n = Math.tanh(0.4 * x + 0.2 + -0.6 * (r * hb) + 0.25); // b_hn outside
            hb = (1 - z) * n + z * hb;
            before[t] = hb;
        }
        Result ra = ReferenceRnn.forward(cfg("gru", null, Double.POSITIVE_INFINITY), ws, xs, 2, 1, null, v(0.5), null);
        Result rb = ReferenceRnn.forward(cfg("gru_reset_before", null, Double.POSITIVE_INFINITY), ws, xs, 2, 1, null,
                v(0.5), null);
        assertArrayEquals(after, ra.y(), EPS);
        assertArrayEquals(before, rb.y(), EPS);
        assertEquals(0.5053551692668798, after[0], EPS);
        assertEquals(0.15720367603516208, after[1], EPS);
        assertEquals(0.5297642273445149, before[0], EPS);
        assertEquals(0.22419755735021357, before[1], EPS);
    }

    @Test
    void jordanByHand() {
        // I = H = O = 1. y0 = 0.2; w_ih = 1.2, w_hh = -0.7 (acts on y), b_ih = 0.1, b_hh = 0.05,
        // w_ho = 0.9, b_ho = -0.3; x = [0.5, -1]
        // h_t = tanh(1.2 x + 0.1 - 0.7 y_{t-1} + 0.05); y_t = tanh(0.9 h_t - 0.3)
        double y1 = Math.tanh(0.9 * Math.tanh(0.6 + 0.15 - 0.14) - 0.3);
        double y2 = Math.tanh(0.9 * Math.tanh(-1.2 + 0.15 - 0.7 * y1) - 0.3);
        Map<String, double[]> ws = w("weight_ih_l0", v(1.2), "weight_hh_l0", v(-0.7), "bias_ih_l0", v(0.1),
                "bias_hh_l0", v(0.05), "weight_ho_l0", v(0.9), "bias_ho_l0", v(-0.3));
        Result r = ReferenceRnn.forward(cfg("jordan", null, Double.POSITIVE_INFINITY), ws, v(0.5, -1.0), 2, 1, null,
                v(0.2), null);
        assertArrayEquals(v(y1, y2), r.y(), EPS);
        assertArrayEquals(v(y2), r.hN(), EPS);
        assertEquals(0.1874706474677058, y1, EPS);
        assertEquals(-0.7798764021571781, y2, EPS);

        // clip = 0.5 applies to both pre-activations: pre_h0 = 0.61 -> 0.5; pre_y0 = 0.9 tanh(0.5) - 0.3 (< 0.5).
        double yc = Math.tanh(0.9 * Math.tanh(0.5) - 0.3);
        r = ReferenceRnn.forward(cfg("jordan", null, 0.5), ws, v(0.5), 1, 1, null, v(0.2), null);
        assertArrayEquals(v(yc), r.y(), EPS);
        // custom activations [f_h, f_y] = [Relu, Affine(2, 1)]: y = 2 * (0.9 * 0.61 - 0.3) + 1
        r = ReferenceRnn.forward(cfg("jordan", List.of(List.of(Act.of("Relu"), new Act("Affine", 2, 1))),
                Double.POSITIVE_INFINITY), ws, v(0.5), 1, 1, null, v(0.2), null);
        assertArrayEquals(v(2 * (0.9 * 0.61 - 0.3) + 1), r.y(), 1e-14);
    }

    @Test
    void activationFunctionsAtChosenPoints() {
        assertEquals(0.0, ReferenceRnn.apply(Act.of("Relu"), -2.0));
        assertEquals(1.5, ReferenceRnn.apply(Act.of("relu"), 1.5));
        assertEquals(0.5, ReferenceRnn.apply(Act.of("Sigmoid"), 0.0));
        assertEquals(1.0 / (1.0 + Math.exp(-2.0)), ReferenceRnn.apply(Act.of("SIGMOID"), 2.0), 0.0);
        assertEquals(0.0, ReferenceRnn.apply(Act.of("Sigmoid"), -1000.0));
        assertEquals(1.0, ReferenceRnn.apply(Act.of("Sigmoid"), 1000.0));
        assertEquals(Math.tanh(0.3), ReferenceRnn.apply(Act.of("Tanh"), 0.3), 0.0);
        assertEquals(2.0 * 3.0 + 0.5, ReferenceRnn.apply(new Act("Affine", 2.0, 0.5), 3.0), 0.0);
        assertEquals(-0.02, ReferenceRnn.apply(Act.of("LeakyRelu"), -2.0), 1e-17);
        assertEquals(-0.25, ReferenceRnn.apply(Act.of("LeakyRelu", 0.125), -2.0), 0.0);
        assertEquals(3.0, ReferenceRnn.apply(Act.of("LeakyRelu", 0.125), 3.0), 0.0);
        // ThresholdedRelu: x if x >= alpha (default 1.0) else 0
        assertEquals(0.0, ReferenceRnn.apply(Act.of("ThresholdedRelu"), 0.99));
        assertEquals(1.0, ReferenceRnn.apply(Act.of("ThresholdedRelu"), 1.0));
        assertEquals(0.25, ReferenceRnn.apply(Act.of("ThresholdedRelu", 0.25), 0.25));
        assertEquals(0.0, ReferenceRnn.apply(Act.of("ThresholdedRelu", 0.25), 0.2));
        assertEquals(1.5 * Math.tanh(0.75 * 2.0), ReferenceRnn.apply(new Act("ScaledTanh", 1.5, 0.75), 2.0), 0.0);
        // HardSigmoid defaults 0.2, 0.5: 0.2*1 + 0.5 = 0.7; saturates at 0 and 1
        assertEquals(0.7, ReferenceRnn.apply(Act.of("HardSigmoid"), 1.0), 1e-16);
        assertEquals(1.0, ReferenceRnn.apply(Act.of("HardSigmoid"), 10.0));
        assertEquals(0.0, ReferenceRnn.apply(Act.of("HardSigmoid"), -10.0));
        assertEquals(0.25 * 1.0 + 0.625, ReferenceRnn.apply(new Act("HardSigmoid", 0.25, 0.625), 1.0), 0.0);
        // Elu default alpha 1
        assertEquals(Math.exp(-1.0) - 1.0, ReferenceRnn.apply(Act.of("Elu"), -1.0), 1e-16);
        assertEquals(0.5 * (Math.exp(-1.0) - 1.0), ReferenceRnn.apply(Act.of("Elu", 0.5), -1.0), 1e-16);
        assertEquals(2.0, ReferenceRnn.apply(Act.of("Elu", 0.5), 2.0));
        assertEquals(-0.75, ReferenceRnn.apply(Act.of("Softsign"), -3.0), 0.0);
        assertEquals(Math.log(2.0), ReferenceRnn.apply(Act.of("Softplus"), 0.0), 1e-16);
        assertEquals(Math.log(1.0 + Math.exp(3.0)), ReferenceRnn.apply(Act.of("Softplus"), 3.0), 1e-15);
        assertEquals(Math.log(1.0 + Math.exp(-3.0)), ReferenceRnn.apply(Act.of("Softplus"), -3.0), 1e-15);
        assertEquals(800.0, ReferenceRnn.apply(Act.of("Softplus"), 800.0), 0.0);
        assertThrows(IllegalArgumentException.class, () -> ReferenceRnn.apply(Act.of("Affine"), 1.0));
        assertThrows(IllegalArgumentException.class, () -> ReferenceRnn.apply(Act.of("Swish"), 1.0));
    }

    @Test
    void rnnClipByHand() {
        // rnn_tanh, w_ih = 2, x = [1, 1], clip 0.5, w_hh = 1: pre0 = 2 -> 0.5; pre1 = 2 + tanh(0.5) -> 0.5
        Map<String, double[]> ws = w("weight_ih_l0", v(2.0), "weight_hh_l0", v(1.0));
        Result r = ReferenceRnn.forward(cfg("rnn_tanh", null, 0.5), ws, v(1.0, 1.0), 2, 1, null, null, null);
        assertArrayEquals(v(Math.tanh(0.5), Math.tanh(0.5)), r.y(), 0.0);
        // negative side: x = [-1]: pre = -2 -> -0.5
        r = ReferenceRnn.forward(cfg("rnn_tanh", null, 0.5), ws, v(-1.0), 1, 1, null, null, null);
        assertArrayEquals(v(Math.tanh(-0.5)), r.y(), 0.0);
    }
}
