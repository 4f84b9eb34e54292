package org.rnn4j.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.reference.ReferenceRnn.Act;
import org.rnn4j.reference.ReferenceRnn.Config;
import org.rnn4j.reference.ReferenceRnn.Result;

/**
 * Structural identities of the oracle: directions, lengths, stacking, residual, projection,
 * peepholes, input-forget coupling, activations and clip. Each one compares two different ways of
 * computing the same quantity.
 */
class ReferenceRnnIdentitiesTest {

    private static final double INF = Double.POSITIVE_INFINITY;
    private static final double TOL = 1e-13;

    /** One-layer unidirectional base configurations, one per cell flavour. */
    static Stream<Config> cells() {
        return Stream.of(
                new Config("lstm", 3, 4, 0, 0, 1, false, false, INF, false, null),
                new Config("lstm", 3, 5, 2, 0, 1, false, false, INF, false, null),
                new Config("gru", 3, 4, 0, 0, 1, false, false, INF, false, null),
                new Config("gru_reset_before", 3, 4, 0, 0, 1, false, false, INF, false, null),
                new Config("rnn_tanh", 3, 4, 0, 0, 1, false, false, INF, false, null),
                new Config("rnn_relu", 3, 4, 0, 0, 1, false, false, INF, false, null),
                new Config("jordan", 3, 4, 0, 2, 1, false, false, INF, false, null),
                // non-default activations and clip, to carry them through the identities too
                new Config("gru", 3, 4, 0, 0, 1, false, false, 0.8, false,
                        List.of(List.of(Act.of("HardSigmoid"), Act.of("Softsign")))),
                new Config("lstm", 3, 4, 0, 0, 1, false, false, 1.1, true,
                        List.of(List.of(Act.of("Sigmoid"), Act.of("Elu", 0.5), new Act("ScaledTanh", 1.5, 0.75)))));
    }

    // -------------------------------------------------------------------------------------------------
    // helpers
    // -------------------------------------------------------------------------------------------------

    /** The same configuration with other layers/directions/residual; activations repeated per direction. */
    static Config reshape(Config c, int inputSize, int layers, boolean bidi, boolean residual) {
        List<List<Act>> acts = null;
        if (c.activations() != null) {
            acts = new ArrayList<>();
            for (int d = 0; d < (bidi ? 2 : 1); d++) {
                acts.add(c.activations().get(Math.min(d, c.activations().size() - 1)));
            }
        }
        return new Config(c.cell(), inputSize, c.hiddenSize(), c.projSize(), c.outputSize(), layers, bidi, residual,
                c.clip(), c.inputForget(), acts);
    }

    /** Configuration of layer k of {@code c} run alone, both directions when {@code bidi}. */
    static Config layerAlone(Config c, int k, boolean bidi) {
        return reshape(c, c.layerInputSize(k), 1, bidi, false);
    }

    /** Configuration of one direction of layer k run alone as a forward layer. */
    static Config directionAlone(Config c, int k, int d) {
        List<List<Act>> acts = c.activations() == null ? null : List.of(c.activations().get(d));
        return new Config(c.cell(), c.layerInputSize(k), c.hiddenSize(), c.projSize(), c.outputSize(), 1, false,
                false, c.clip(), c.inputForget(), acts);
    }

    /** Weights of layer k (direction d, or both when d < 0), renamed to layer 0 forward (and reverse). */
    static Map<String, double[]> sub(Map<String, double[]> w, int k, int d) {
        Map<String, double[]> out = new HashMap<>();
        for (Map.Entry<String, double[]> e : w.entrySet()) {
            String name = e.getKey();
            boolean rev = name.endsWith("_reverse");
            String base = rev ? name.substring(0, name.length() - "_reverse".length()) : name;
            int at = base.lastIndexOf("_l");
            int layer = Integer.parseInt(base.substring(at + 2));
            if (layer != k) {
                continue;
            }
            String stem = base.substring(0, at) + "_l0";
            if (d < 0) {
                out.put(stem + (rev ? "_reverse" : ""), e.getValue());
            } else if (rev == (d == 1)) {
                out.put(stem, e.getValue());
            }
        }
        return out;
    }

    /** Entries [slot, b, 0..n) of a [slots, B, n] tensor. */
    static double[] slice(double[] a, int slot, int b, int B, int n) {
        double[] out = new double[n];
        System.arraycopy(a, (slot * B + b) * n, out, 0, n);
        return out;
    }

    /** Slots [from, to) of a [slots, B, n] tensor, all rows. */
    static double[] slots(double[] a, int from, int to, int B, int n) {
        if (a == null) {
            return null;
        }
        double[] out = new double[(to - from) * B * n];
        System.arraycopy(a, from * B * n, out, 0, out.length);
        return out;
    }

    // -------------------------------------------------------------------------------------------------
    // Identities
    // -------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("cells")
    void eachDirectionOfABidirectionalLayerIsAForwardRunOnItsOwnRowOrder(Config base) {
        Random rnd = new Random(11);
        Config cfg = reshape(base, base.inputSize(), 1, true, false);
        int T = 6, B = 3, I = cfg.inputSize(), Hout = cfg.outSize(), H = cfg.hiddenSize();
        int[] lengths = {6, 2, 4};
        boolean lstm = cfg.cell().equals("lstm");
        Map<String, double[]> w = ReferenceWeights.random(cfg, rnd, 0.6, lstm);
        double[] x = ReferenceWeights.uniform(rnd, T * B * I, 1.5);
        double[] h0 = ReferenceWeights.uniform(rnd, 2 * B * Hout, 0.8);
        double[] c0 = lstm ? ReferenceWeights.uniform(rnd, 2 * B * H, 0.8) : null;
        Result r = ReferenceRnn.forward(cfg, w, x, T, B, lengths, h0, c0);

        for (int d = 0; d < 2; d++) {
            Config one = directionAlone(cfg, 0, d);
            Map<String, double[]> wd = sub(w, 0, d);
            for (int b = 0; b < B; b++) {
                int len = lengths[b];
                // the row's own steps, in processing order (reverse: len-1 down to 0)
                double[] xs = new double[len * I];
                for (int s = 0; s < len; s++) {
                    int t = d == 0 ? s : len - 1 - s;
                    System.arraycopy(x, (t * B + b) * I, xs, s * I, I);
                }
                Result u = ReferenceRnn.forward(one, wd, xs, len, 1, null, slice(h0, d, b, B, Hout),
                        lstm ? slice(c0, d, b, B, H) : null);
                for (int t = 0; t < T; t++) {
                    double[] got = new double[Hout];
                    System.arraycopy(r.y(), (t * B + b) * 2 * Hout + d * Hout, got, 0, Hout);
                    double[] want = new double[Hout];
                    if (t < len) {
                        int s = d == 0 ? t : len - 1 - t;
                        System.arraycopy(u.y(), s * Hout, want, 0, Hout);
                    }
                    assertArrayEquals(want, got, TOL, "y t=" + t + " b=" + b + " d=" + d);
                }
                assertArrayEquals(u.hN(), slice(r.hN(), d, b, B, Hout), TOL, "hN b=" + b + " d=" + d);
                if (lstm) {
                    assertArrayEquals(u.cN(), slice(r.cN(), d, b, B, H), TOL, "cN b=" + b + " d=" + d);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cells")
    void aRowWithLengthLEqualsThatRowAloneWithTEqualL(Config base) {
        Random rnd = new Random(12);
        Config cfg = reshape(base, base.inputSize(), 2, true, false);
        int T = 5, B = 4, I = cfg.inputSize(), Hout = cfg.outSize(), H = cfg.hiddenSize(), S = 4;
        int[] lengths = {5, 1, 3, 5};
        boolean lstm = cfg.cell().equals("lstm");
        Map<String, double[]> w = ReferenceWeights.random(cfg, rnd, 0.6, lstm);
        double[] x = ReferenceWeights.uniform(rnd, T * B * I, 1.5);
        double[] h0 = ReferenceWeights.uniform(rnd, S * B * Hout, 0.8);
        double[] c0 = lstm ? ReferenceWeights.uniform(rnd, S * B * H, 0.8) : null;
        Result r = ReferenceRnn.forward(cfg, w, x, T, B, lengths, h0, c0);
        int Y = 2 * Hout;
        for (int b = 0; b < B; b++) {
            int len = lengths[b];
            double[] xb = new double[len * I];
            for (int t = 0; t < len; t++) {
                System.arraycopy(x, (t * B + b) * I, xb, t * I, I);
            }
            double[] h0b = new double[S * Hout];
            double[] c0b = lstm ? new double[S * H] : null;
            for (int s = 0; s < S; s++) {
                System.arraycopy(slice(h0, s, b, B, Hout), 0, h0b, s * Hout, Hout);
                if (lstm) {
                    System.arraycopy(slice(c0, s, b, B, H), 0, c0b, s * H, H);
                }
            }
            Result u = ReferenceRnn.forward(cfg, w, xb, len, 1, null, h0b, c0b);
            for (int t = 0; t < T; t++) {
                double[] got = new double[Y];
                System.arraycopy(r.y(), (t * B + b) * Y, got, 0, Y);
                double[] want = new double[Y];
                if (t < len) {
                    System.arraycopy(u.y(), t * Y, want, 0, Y);
                }
                assertArrayEquals(want, got, TOL, "y t=" + t + " b=" + b);
            }
            for (int s = 0; s < S; s++) {
                assertArrayEquals(slice(u.hN(), s, 0, 1, Hout), slice(r.hN(), s, b, B, Hout), TOL);
                if (lstm) {
                    assertArrayEquals(slice(u.cN(), s, 0, 1, H), slice(r.cN(), s, b, B, H), TOL);
                }
            }
        }
        // lengths all equal to T == no lengths
        Result full = ReferenceRnn.forward(cfg, w, x, T, B, new int[] {T, T, T, T}, h0, c0);
        Result none = ReferenceRnn.forward(cfg, w, x, T, B, null, h0, c0);
        assertArrayEquals(none.y(), full.y(), 0.0);
        assertArrayEquals(none.hN(), full.hN(), 0.0);
    }

    @ParameterizedTest
    @MethodSource("cells")
    void stackedLayersEqualLayerByLayerRunsWithAndWithoutResidual(Config base) {
        for (boolean residual : new boolean[] {false, true}) {
            for (boolean bidi : new boolean[] {false, true}) {
                Random rnd = new Random(13);
                int L = 3, D = bidi ? 2 : 1;
                Config cfg = reshape(base, base.inputSize(), L, bidi, residual);
                int T = 5, B = 2, I = cfg.inputSize(), Hout = cfg.outSize(), H = cfg.hiddenSize();
                int[] lengths = {5, 3};
                boolean lstm = cfg.cell().equals("lstm");
                Map<String, double[]> w = ReferenceWeights.random(cfg, rnd, 0.6, lstm);
                double[] x = ReferenceWeights.uniform(rnd, T * B * I, 1.5);
                double[] h0 = ReferenceWeights.uniform(rnd, L * D * B * Hout, 0.8);
                double[] c0 = lstm ? ReferenceWeights.uniform(rnd, L * D * B * H, 0.8) : null;
                Result r = ReferenceRnn.forward(cfg, w, x, T, B, lengths, h0, c0);

                double[] in = x;
                for (int k = 0; k < L; k++) {
                    Result u = ReferenceRnn.forward(layerAlone(cfg, k, bidi), sub(w, k, -1), in, T, B, lengths,
                            slots(h0, k * D, k * D + D, B, Hout), lstm ? slots(c0, k * D, k * D + D, B, H) : null);
                    assertArrayEquals(u.hN(), slots(r.hN(), k * D, k * D + D, B, Hout), TOL, "hN layer " + k);
                    if (lstm) {
                        assertArrayEquals(u.cN(), slots(r.cN(), k * D, k * D + D, B, H), TOL, "cN layer " + k);
                    }
                    double[] out = u.y().clone();
                    if (residual && k >= 1) {
                        for (int i = 0; i < out.length; i++) {
                            out[i] += in[i]; // in is zero past each length, like out
                        }
                    }
                    in = out;
                }
                assertArrayEquals(in, r.y(), TOL, "y residual=" + residual + " bidi=" + bidi);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cells")
    void residualOnASingleLayerChangesNothingAndExplicitDefaultActivationsEqualNull(Config base) {
        Random rnd = new Random(14);
        Config cfg = reshape(base, base.inputSize(), 1, true, false);
        Config res = reshape(base, base.inputSize(), 1, true, true);
        int T = 4, B = 2;
        Map<String, double[]> w = ReferenceWeights.random(cfg, rnd, 0.6, false);
        double[] x = ReferenceWeights.uniform(rnd, T * B * cfg.inputSize(), 1.5);
        Result a = ReferenceRnn.forward(cfg, w, x, T, B, null, null, null);
        Result b = ReferenceRnn.forward(res, w, x, T, B, null, null, null);
        assertArrayEquals(a.y(), b.y(), 0.0);

        if (base.activations() == null) {
            List<Act> defaults = switch (base.cell()) {
                case "lstm" -> List.of(Act.of("Sigmoid"), Act.of("Tanh"), Act.of("Tanh"));
                case "gru", "gru_reset_before" -> List.of(Act.of("sigmoid"), Act.of("TANH"));
                case "rnn_tanh" -> List.of(Act.of("Tanh"));
                case "rnn_relu" -> List.of(Act.of("Relu"));
                case "jordan" -> List.of(Act.of("Tanh"), Act.of("Tanh"));
                default -> throw new IllegalStateException();
            };
            Config explicit = new Config(cfg.cell(), cfg.inputSize(), cfg.hiddenSize(), cfg.projSize(),
                    cfg.outputSize(), 1, true, false, INF, false, List.of(defaults, defaults));
            Result e = ReferenceRnn.forward(explicit, w, x, T, B, null, null, null);
            assertArrayEquals(a.y(), e.y(), 0.0);
            assertArrayEquals(a.hN(), e.hN(), 0.0);
        }
    }

    @Test
    void absentBiasesEqualZeroBiasesAndAbsentStateEqualsZeroState() {
        cells().forEach(base -> {
            Random rnd = new Random(15);
            Config cfg = reshape(base, base.inputSize(), 2, true, false);
            boolean lstm = cfg.cell().equals("lstm");
            int T = 3, B = 2, L = 2, D = 2;
            Map<String, double[]> w = ReferenceWeights.random(cfg, rnd, 0.6, false);
            Map<String, double[]> noBias = new HashMap<>();
            Map<String, double[]> zeroBias = new HashMap<>();
            for (Map.Entry<String, double[]> e : w.entrySet()) {
                if (e.getKey().startsWith("bias_")) {
                    zeroBias.put(e.getKey(), new double[e.getValue().length]);
                } else {
                    noBias.put(e.getKey(), e.getValue());
                    zeroBias.put(e.getKey(), e.getValue());
                }
            }
            double[] x = ReferenceWeights.uniform(rnd, T * B * cfg.inputSize(), 1.5);
            Result a = ReferenceRnn.forward(cfg, noBias, x, T, B, null, null, null);
            Result b = ReferenceRnn.forward(cfg, zeroBias, x, T, B, null, new double[L * D * B * cfg.outSize()],
                    lstm ? new double[L * D * B * cfg.hiddenSize()] : null);
            assertArrayEquals(a.y(), b.y(), 0.0, cfg.cell());
            assertArrayEquals(a.hN(), b.hN(), 0.0, cfg.cell());
        });
    }

    @Test
    void lstmZeroPeepholesEqualNoPeepholes() {
        Random rnd = new Random(16);
        Config cfg = new Config("lstm", 3, 4, 2, 0, 2, true, false, INF, false, null);
        Map<String, double[]> w = ReferenceWeights.random(cfg, rnd, 0.6, false);
        Map<String, double[]> wp = new HashMap<>(w);
        for (String sfx : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            wp.put("weight_peep" + sfx, new double[3 * 4]);
        }
        double[] x = ReferenceWeights.uniform(rnd, 5 * 2 * 3, 1.5);
        double[] c0 = ReferenceWeights.uniform(rnd, 4 * 2 * 4, 1.0);
        Result a = ReferenceRnn.forward(cfg, w, x, 5, 2, new int[] {5, 2}, null, c0);
        Result b = ReferenceRnn.forward(cfg, wp, x, 5, 2, new int[] {5, 2}, null, c0);
        assertArrayEquals(a.y(), b.y(), 0.0);
        assertArrayEquals(a.hN(), b.hN(), 0.0);
        assertArrayEquals(a.cN(), b.cN(), 0.0);
        // and non-zero peepholes do change the result
        Map<String, double[]> wq = new HashMap<>(wp);
        wq.put("weight_peep_l0", ReferenceWeights.uniform(rnd, 12, 0.5));
        Result c = ReferenceRnn.forward(cfg, wq, x, 5, 2, new int[] {5, 2}, null, c0);
        assertTrue(maxAbsDiff(a.cN(), c.cN()) > 1e-3);
    }

    /**
     * inputForget (f = 1 - i) equals an ordinary LSTM whose forget gate sees exactly minus the input
     * gate's pre-activation, because 1 - sigmoid(a) = sigmoid(-a).
     */
    @Test
    void lstmInputForgetEqualsForgetGateWithNegatedInputGate() {
        Random rnd = new Random(17);
        int H = 4, I = 3;
        Config coupled = new Config("lstm", I, H, 0, 0, 1, true, false, INF, true, null);
        Config plain = new Config("lstm", I, H, 0, 0, 1, true, false, INF, false, null);
        Map<String, double[]> w = ReferenceWeights.random(coupled, rnd, 0.7, true);
        Map<String, double[]> neg = new HashMap<>();
        for (Map.Entry<String, double[]> e : w.entrySet()) {
            double[] v = e.getValue().clone();
            String n = e.getKey();
            if (n.startsWith("weight_peep")) {
                for (int j = 0; j < H; j++) {
                    v[H + j] = -v[j]; // p_f = -p_i
                }
            } else {
                int cols = v.length / (4 * H);
                for (int j = 0; j < H * cols; j++) {
                    v[H * cols + j] = -v[j]; // forget rows = -(input rows)
                }
            }
            neg.put(n, v);
        }
        double[] x = ReferenceWeights.uniform(rnd, 6 * 2 * I, 1.5);
        double[] h0 = ReferenceWeights.uniform(rnd, 2 * 2 * H, 1.0);
        double[] c0 = ReferenceWeights.uniform(rnd, 2 * 2 * H, 1.0);
        Result a = ReferenceRnn.forward(coupled, w, x, 6, 2, new int[] {6, 3}, h0, c0);
        Result b = ReferenceRnn.forward(plain, neg, x, 6, 2, new int[] {6, 3}, h0, c0);
        assertArrayEquals(b.y(), a.y(), 1e-14);
        assertArrayEquals(b.cN(), a.cN(), 1e-14);
        // the coupled model ignores the forget rows entirely
        Result c = ReferenceRnn.forward(coupled, neg, x, 6, 2, new int[] {6, 3}, h0, c0);
        assertArrayEquals(a.y(), c.y(), 0.0);
    }

    @Test
    void lstmIdentityProjectionEqualsNoProjection() {
        Random rnd = new Random(18);
        int H = 4;
        Config proj = new Config("lstm", 3, H, H, 0, 2, true, false, INF, false, null);
        Config none = new Config("lstm", 3, H, 0, 0, 2, true, false, INF, false, null);
        Map<String, double[]> w = ReferenceWeights.random(none, rnd, 0.6, true);
        Map<String, double[]> wp = new HashMap<>(w);
        double[] eye = new double[H * H];
        for (int j = 0; j < H; j++) {
            eye[j * H + j] = 1.0;
        }
        for (String sfx : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            wp.put("weight_hr" + sfx, eye);
        }
        double[] x = ReferenceWeights.uniform(rnd, 5 * 3 * 3, 1.5);
        Result a = ReferenceRnn.forward(none, w, x, 5, 3, new int[] {1, 5, 4}, null, null);
        Result b = ReferenceRnn.forward(proj, wp, x, 5, 3, new int[] {1, 5, 4}, null, null);
        assertArrayEquals(a.y(), b.y(), 0.0);
        assertArrayEquals(a.hN(), b.hN(), 0.0);
        assertArrayEquals(a.cN(), b.cN(), 0.0);

        // A real projection: shapes follow P for y/hN and H for cN.
        Config p2 = new Config("lstm", 3, H, 2, 0, 2, true, false, INF, false, null);
        Result c = ReferenceRnn.forward(p2, ReferenceWeights.random(p2, rnd, 0.6, false), x, 5, 3, null, null, null);
        assertEquals(5 * 3 * 2 * 2, c.y().length);
        assertEquals(4 * 3 * 2, c.hN().length);
        assertEquals(4 * 3 * H, c.cN().length);
    }

    /** Jordan with y = Affine(1, 0)(I·h + 0) = h is an Elman network with the same recurrent matrix. */
    @Test
    void jordanWithIdentityOutputLayerEqualsElman() {
        Random rnd = new Random(19);
        int H = 4;
        Config jordan = new Config("jordan", 3, H, 0, H, 2, true, false, INF, false,
                List.of(List.of(Act.of("Tanh"), new Act("Affine", 1.0, 0.0)),
                        List.of(Act.of("Tanh"), new Act("Affine", 1.0, 0.0))));
        Config elman = new Config("rnn_tanh", 3, H, 0, 0, 2, true, false, INF, false, null);
        Map<String, double[]> w = ReferenceWeights.random(elman, rnd, 0.6, false);
        Map<String, double[]> wj = new HashMap<>(w);
        double[] eye = new double[H * H];
        for (int j = 0; j < H; j++) {
            eye[j * H + j] = 1.0;
        }
        for (String sfx : List.of("_l0", "_l0_reverse", "_l1", "_l1_reverse")) {
            wj.put("weight_ho" + sfx, eye);
        }
        double[] x = ReferenceWeights.uniform(rnd, 6 * 2 * 3, 1.5);
        double[] h0 = ReferenceWeights.uniform(rnd, 4 * 2 * H, 0.8);
        Result a = ReferenceRnn.forward(elman, w, x, 6, 2, new int[] {2, 6}, h0, null);
        Result b = ReferenceRnn.forward(jordan, wj, x, 6, 2, new int[] {2, 6}, h0, null);
        assertArrayEquals(a.y(), b.y(), 0.0);
        assertArrayEquals(a.hN(), b.hN(), 0.0);
        assertNull(b.cN());
    }

    @Test
    void rnnReluEqualsRnnTanhWithReluActivation() {
        Random rnd = new Random(20);
        Config relu = new Config("rnn_relu", 3, 4, 0, 0, 2, true, false, INF, false, null);
        Config tanhAsRelu = new Config("rnn_tanh", 3, 4, 0, 0, 2, true, false, INF, false,
                List.of(List.of(Act.of("Relu")), List.of(Act.of("Relu"))));
        Map<String, double[]> w = ReferenceWeights.random(relu, rnd, 0.6, false);
        double[] x = ReferenceWeights.uniform(rnd, 5 * 2 * 3, 1.5);
        Result a = ReferenceRnn.forward(relu, w, x, 5, 2, null, null, null);
        Result b = ReferenceRnn.forward(tanhAsRelu, w, x, 5, 2, null, null, null);
        assertArrayEquals(a.y(), b.y(), 0.0);
        // and tanh differs
        Result c = ReferenceRnn.forward(Config.of("rnn_tanh", 3, 4, 2, true), w, x, 5, 2, null, null, null);
        assertTrue(maxAbsDiff(a.y(), c.y()) > 1e-3);
    }

    /** With W_hn = 0 and b_hn = 0 the two GRU variants coincide; otherwise they differ. */
    @Test
    void gruVariantsCoincideWithoutHiddenCandidateTerm() {
        Random rnd = new Random(21);
        int H = 4;
        Config after = Config.of("gru", 3, H, 1, true);
        Config before = Config.of("gru_reset_before", 3, H, 1, true);
        Map<String, double[]> w = ReferenceWeights.random(after, rnd, 0.6, false);
        double[] x = ReferenceWeights.uniform(rnd, 5 * 2 * 3, 1.5);
        double[] h0 = ReferenceWeights.uniform(rnd, 2 * 2 * H, 0.8);
        Result a = ReferenceRnn.forward(after, w, x, 5, 2, null, h0, null);
        Result b = ReferenceRnn.forward(before, w, x, 5, 2, null, h0, null);
        assertTrue(maxAbsDiff(a.y(), b.y()) > 1e-3);
        Map<String, double[]> w0 = new HashMap<>();
        for (Map.Entry<String, double[]> e : w.entrySet()) {
            double[] v = e.getValue().clone();
            if (e.getKey().startsWith("weight_hh")) {
                for (int j = 2 * H * H; j < 3 * H * H; j++) {
                    v[j] = 0.0;
                }
            } else if (e.getKey().startsWith("bias_hh")) {
                for (int j = 2 * H; j < 3 * H; j++) {
                    v[j] = 0.0;
                }
            }
            w0.put(e.getKey(), v);
        }
        a = ReferenceRnn.forward(after, w0, x, 5, 2, null, h0, null);
        b = ReferenceRnn.forward(before, w0, x, 5, 2, null, h0, null);
        assertArrayEquals(a.y(), b.y(), 1e-15);
    }

    @ParameterizedTest
    @MethodSource("cells")
    void clipLargerThanEveryPreActivationChangesNothingAndSmallClipBoundsTheGates(Config base) {
        Random rnd = new Random(22);
        Config noClip = new Config(base.cell(), base.inputSize(), base.hiddenSize(), base.projSize(),
                base.outputSize(), 2, false, false, INF, base.inputForget(), base.activations());
        Config huge = new Config(base.cell(), base.inputSize(), base.hiddenSize(), base.projSize(),
                base.outputSize(), 2, false, false, 1e6, base.inputForget(), base.activations());
        Config tiny = new Config(base.cell(), base.inputSize(), base.hiddenSize(), base.projSize(),
                base.outputSize(), 2, false, false, 0.05, base.inputForget(), base.activations());
        Map<String, double[]> w = ReferenceWeights.random(noClip, rnd, 0.8, false);
        double[] x = ReferenceWeights.uniform(rnd, 5 * 2 * base.inputSize(), 3.0);
        Result a = ReferenceRnn.forward(noClip, w, x, 5, 2, null, null, null);
        Result b = ReferenceRnn.forward(huge, w, x, 5, 2, null, null, null);
        assertArrayEquals(a.y(), b.y(), 0.0);
        Result c = ReferenceRnn.forward(tiny, w, x, 5, 2, null, null, null);
        assertTrue(maxAbsDiff(a.y(), c.y()) > 1e-3, "a tiny clip must matter");
        if (base.cell().equals("rnn_tanh") || base.cell().equals("rnn_relu")) {
            // |h| <= act(clip) for monotone tanh/relu
            for (double v : c.y()) {
                assertTrue(Math.abs(v) <= 0.05 + 1e-15, "rnn output " + v + " exceeds the clip");
            }
        }
    }

    @Test
    void outputsHaveTheDocumentedShapes() {
        Random rnd = new Random(23);
        for (Config base : cells().toList()) {
            Config cfg = reshape(base, base.inputSize(), 3, true, false);
            Result r = ReferenceRnn.forward(cfg, ReferenceWeights.random(cfg, rnd, 0.5, false),
                    ReferenceWeights.uniform(rnd, 4 * 2 * 3, 1.0), 4, 2, null, null, null);
            assertEquals(4 * 2 * 2 * cfg.outSize(), r.y().length);
            assertEquals(3 * 2 * 2 * cfg.outSize(), r.hN().length);
            if (cfg.cell().equals("lstm")) {
                assertNotNull(r.cN());
                assertEquals(3 * 2 * 2 * cfg.hiddenSize(), r.cN().length);
            } else {
                assertNull(r.cN());
            }
        }
    }

    // -------------------------------------------------------------------------------------------------
    // Validation
    // -------------------------------------------------------------------------------------------------

    @Test
    void rejectsBadLengthsNamingTheRow() {
        Config cfg = Config.of("gru", 2, 3, 1, false);
        Map<String, double[]> w = ReferenceWeights.random(cfg, new Random(1), 0.5, false);
        double[] x = new double[4 * 3 * 2];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceRnn.forward(cfg, w, x, 4, 3, new int[] {4, 0, 2}, null, null));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceRnn.forward(cfg, w, x, 4, 3, new int[] {4, 1, 5}, null, null));
        assertTrue(e.getMessage().contains("row 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceRnn.forward(cfg, w, x, 4, 3, new int[] {4, 1}, null, null));
    }

    @Test
    void rejectsBadWeightsAndShapesWithClearMessages() {
        Config cfg = Config.of("lstm", 2, 3, 2, true);
        Map<String, double[]> w = ReferenceWeights.random(cfg, new Random(1), 0.5, false);
        double[] x = new double[4 * 1 * 2];

        Map<String, double[]> missing = new HashMap<>(w);
        missing.remove("weight_hh_l1_reverse");
        assertMessage("weight_hh_l1_reverse", () -> ReferenceRnn.forward(cfg, missing, x, 4, 1, null, null, null));

        Map<String, double[]> wrong = new HashMap<>(w);
        wrong.put("weight_ih_l1", new double[12 * 2]); // layer 1 input is D*H = 6 wide, not 2
        assertMessage("weight_ih_l1", () -> ReferenceRnn.forward(cfg, wrong, x, 4, 1, null, null, null));

        Map<String, double[]> badBias = new HashMap<>(w);
        badBias.put("bias_ih_l0", new double[11]);
        assertMessage("bias_ih_l0", () -> ReferenceRnn.forward(cfg, badBias, x, 4, 1, null, null, null));

        Map<String, double[]> extra = new HashMap<>(w);
        extra.put("weight_hr_l0", new double[6]);
        assertMessage("weight_hr_l0", () -> ReferenceRnn.forward(cfg, extra, x, 4, 1, null, null, null));

        assertMessage("x", () -> ReferenceRnn.forward(cfg, w, new double[7], 4, 1, null, null, null));
        assertMessage("h0", () -> ReferenceRnn.forward(cfg, w, x, 4, 1, null, new double[3], null));
        assertMessage("c0", () -> ReferenceRnn.forward(cfg, w, x, 4, 1, null, null, new double[3]));

        Config gru = Config.of("gru", 2, 3, 1, false);
        Map<String, double[]> gw = ReferenceWeights.random(gru, new Random(1), 0.5, false);
        assertMessage("c0", () -> ReferenceRnn.forward(gru, gw, x, 4, 1, null, null, new double[3]));
        Map<String, double[]> peepOnGru = new HashMap<>(gw);
        peepOnGru.put("weight_peep_l0", new double[9]);
        assertMessage("weight_peep_l0", () -> ReferenceRnn.forward(gru, peepOnGru, x, 4, 1, null, null, null));

        assertMessage("cell", () -> ReferenceRnn.forward(Config.of("lstmx", 2, 3, 1, false), w, x, 4, 1, null,
                null, null));
        assertMessage("outputSize", () -> ReferenceRnn.forward(Config.of("jordan", 2, 3, 1, false), w, x, 4, 1,
                null, null, null));
        assertMessage("projSize", () -> ReferenceRnn.forward(
                new Config("gru", 2, 3, 2, 0, 1, false, false, INF, false, null), gw, x, 4, 1, null, null, null));
        assertMessage("activations", () -> ReferenceRnn.forward(
                new Config("gru", 2, 3, 0, 0, 1, false, false, INF, false, List.of(List.of(Act.of("Tanh")))),
                gw, x, 4, 1, null, null, null));
        assertMessage("Affine", () -> ReferenceRnn.forward(
                new Config("gru", 2, 3, 0, 0, 1, false, false, INF, false,
                        List.of(List.of(Act.of("Sigmoid"), Act.of("Affine", 1.0)))),
                gw, x, 4, 1, null, null, null));
        assertMessage("clip", () -> ReferenceRnn.forward(
                new Config("gru", 2, 3, 0, 0, 1, false, false, 0.0, false, null), gw, x, 4, 1, null, null, null));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable ex) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' should name " + fragment);
    }

    static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
