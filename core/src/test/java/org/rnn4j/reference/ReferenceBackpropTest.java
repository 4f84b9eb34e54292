package org.rnn4j.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rnn4j.reference.ReferenceRnn.Act;
import org.rnn4j.reference.ReferenceRnn.Config;

/**
 * The float64 gradient oracle ({@link ReferenceBackprop}) against central finite differences of the
 * float64 forward oracle ({@link ReferenceRnn#forward}), for every cell and topology: every tensor's
 * relative error is at most 1e-6.
 *
 * <p>Finite differences: {@code (L(v+ε) − L(v−ε)) / 2ε} with ε = 1e-6 for every element v of x, h0,
 * c0 and every weight, where {@code L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n}. Their truncation error is
 * about ε²·|L'''|/6 ≈ 1e-13 and their round-off about 1e-16·|L|/ε ≈ 1e-10·|L| (|L| is O(10) here),
 * both far below the bound. Error measure per tensor:
 * {@code max_i |analytic_i − fd_i| / max(1e-3, max_i |fd_i|)} — normwise, because an elementwise
 * relative error is meaningless for elements that are zero up to round-off; the 1e-3 floor only
 * matters for tensors whose gradient is (near) zero everywhere, which must then agree to 1e-9.
 * Pre-activations of the piecewise functions (relu, clip, HardSigmoid, LeakyRelu) are never within
 * ε of a kink for these seeds, so the one-sided derivative conventions do not show.
 */
class ReferenceBackpropTest {

    private static final double EPS = 1e-6;
    private static final double BOUND = 1e-6;
    private static final double INF = Double.POSITIVE_INFINITY;

    /** A configuration with its input layout. */
    record Case(String name, Config cfg, boolean peepholes, boolean biases, int T, int B, int[] lengths,
            boolean initialState, long seed) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        long seed = 7;
        for (String cell : ReferenceRnn.CELLS) {
            int out = cell.equals("jordan") ? 2 : 0;
            cases.add(new Case(cell + " I3 H4 T4 B2 h0", new Config(cell, 3, 4, 0, out, 1, false, false, INF, false,
                    null), false, true, 4, 2, null, true, seed++));
            cases.add(new Case(cell + " 1x1 T3 B1", new Config(cell, 1, 1, 0, cell.equals("jordan") ? 1 : 0, 1, false,
                    false, INF, false, null), false, true, 3, 1, null, false, seed++));
            cases.add(new Case(cell + " 2-layer bidirectional residual lengths h0", new Config(cell, 3, 3, 0, out, 2,
                    true, true, INF, false, null), false, true, 4, 3, new int[] {4, 1, 2}, true, seed++));
        }
        cases.add(new Case("lstm proj 2-layer bidirectional lengths h0 c0", new Config("lstm", 3, 4, 2, 0, 2, true,
                false, INF, false, null), false, true, 4, 2, new int[] {2, 4}, true, seed++));
        cases.add(new Case("lstm peepholes", new Config("lstm", 2, 3, 0, 0, 1, false, false, INF, false, null), true,
                true, 5, 2, null, true, seed++));
        cases.add(new Case("lstm peepholes input_forget clip bidirectional lengths", new Config("lstm", 2, 4, 0, 0, 1,
                true, false, 0.9, true, null), true, true, 5, 2, new int[] {5, 3}, true, seed++));
        cases.add(new Case("lstm proj peepholes no biases", new Config("lstm", 2, 3, 2, 0, 1, false, false, INF,
                false, null), true, false, 3, 2, null, true, seed++));
        cases.add(new Case("lstm custom activations clip", new Config("lstm", 3, 3, 0, 0, 1, true, false, 1.5, false,
                List.of(List.of(Act.of("HardSigmoid"), Act.of("Softsign"), new Act("ScaledTanh", 1.25, 0.75)),
                        List.of(Act.of("Sigmoid"), Act.of("LeakyRelu", 0.125), Act.of("Softplus")))), false, true, 4,
                2, null, true, seed++));
        cases.add(new Case("gru clip", new Config("gru", 2, 4, 0, 0, 1, false, false, 0.8, false, null), false, true,
                4, 2, null, true, seed++));
        cases.add(new Case("gru reset-before custom activations clip", new Config("gru_reset_before", 2, 4, 0, 0, 1,
                false, false, 1.1, false, List.of(List.of(Act.of("HardSigmoid"), new Act("Affine", 0.75, 0.125)))),
                false, true, 4, 2, null, true, seed++));
        cases.add(new Case("gru elu", new Config("gru", 2, 3, 0, 0, 1, false, false, INF, false,
                List.of(List.of(Act.of("Sigmoid"), Act.of("Elu", 0.5)))), false, true, 4, 2, null, true, seed++));
        cases.add(new Case("rnn thresholded relu", new Config("rnn_relu", 2, 4, 0, 0, 1, false, false, INF, false,
                List.of(List.of(Act.of("ThresholdedRelu", 0.1)))), false, true, 4, 2, null, true, seed++));
        cases.add(new Case("rnn tanh clip 3-layer residual", new Config("rnn_tanh", 3, 3, 0, 0, 3, false, true, 0.7,
                false, null), false, true, 4, 2, new int[] {3, 4}, true, seed++));
        cases.add(new Case("jordan clip leaky output 2-layer lengths", new Config("jordan", 3, 5, 0, 3, 2, false,
                false, 0.5, false, List.of(List.of(Act.of("Tanh"), Act.of("LeakyRelu", 0.25)))), false, true, 5, 2,
                new int[] {5, 2}, true, seed++));
        cases.add(new Case("jordan sigmoid output bidirectional", new Config("jordan", 2, 4, 0, 2, 1, true, false, INF,
                false, List.of(List.of(Act.of("Tanh"), Act.of("Sigmoid")), List.of(Act.of("Relu"),
                        Act.of("Tanh")))), false, true, 4, 2, new int[] {1, 4}, true, seed++));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void analyticGradientsMatchFiniteDifferencesWithin1e6(Case c) {
        Problem p = Problem.random(c);
        ReferenceBackprop.Grads g = p.analytic();
        assertWithin("dx", p.fd(p.x), g.dx());
        assertWithin("dh0", p.fd(p.h0), g.dh0());
        if (p.c0 != null) {
            assertWithin("dc0", p.fd(p.c0), g.dc0());
        } else {
            assertNull(g.dc0());
        }
        assertEquals(new ArrayList<>(p.w.keySet()), new ArrayList<>(g.parameters().keySet()));
        for (Map.Entry<String, double[]> e : p.w.entrySet()) {
            assertWithin("grad." + e.getKey(), p.fd(e.getValue()), g.parameters().get(e.getKey()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void paddedStepsGetExactlyZeroInputGradient(Case c) {
        Problem p = Problem.random(c);
        double[] dx = p.analytic().dx();
        int in = c.cfg().inputSize();
        for (int b = 0; b < c.B(); b++) {
            int len = c.lengths() == null ? c.T() : c.lengths()[b];
            for (int t = len; t < c.T(); t++) {
                for (int i = 0; i < in; i++) {
                    assertEquals(0.0, dx[(t * c.B() + b) * in + i], "dx[t=" + t + ", b=" + b + ", " + i + "]");
                }
            }
        }
    }

    @Test
    void dyAtPaddedStepsIsIgnored() {
        Case c = cases().filter(k -> k.lengths() != null).findFirst().orElseThrow();
        Problem p = Problem.random(c);
        ReferenceBackprop.Grads before = p.analytic();
        int width = c.cfg().numDirections() * c.cfg().outSize();
        for (int b = 0; b < c.B(); b++) {
            for (int t = c.lengths()[b]; t < c.T(); t++) {
                for (int j = 0; j < width; j++) {
                    p.dy[(t * c.B() + b) * width + j] = 1e6;
                }
            }
        }
        ReferenceBackprop.Grads after = p.analytic();
        org.junit.jupiter.api.Assertions.assertArrayEquals(before.dx(), after.dx());
        org.junit.jupiter.api.Assertions.assertArrayEquals(before.dh0(), after.dh0());
    }

    @Test
    void activationDerivativesMatchFiniteDifferences() {
        List<Act> acts = List.of(Act.of("Relu"), Act.of("Tanh"), Act.of("Sigmoid"), new Act("Affine", 0.75, 0.125),
                Act.of("LeakyRelu"), Act.of("LeakyRelu", 0.3), Act.of("ThresholdedRelu"), Act.of("ThresholdedRelu",
                        0.2), new Act("ScaledTanh", 1.5, 0.75), Act.of("HardSigmoid"), new Act("HardSigmoid", 0.3, 0.4),
                Act.of("Elu"), Act.of("Elu", 0.5), Act.of("Softsign"), Act.of("Softplus"));
        double[] xs = {-40, -3.3, -1.7, -0.61, -0.05, 0.07, 0.33, 0.9, 1.6, 2.9, 40};
        for (Act a : acts) {
            for (double x : xs) {
                double fd = (ReferenceRnn.apply(a, x + EPS) - ReferenceRnn.apply(a, x - EPS)) / (2 * EPS);
                double an = ReferenceBackprop.derivative(a, x);
                assertTrue(Math.abs(fd - an) <= 1e-8 * Math.max(1, Math.abs(fd)), a + " at " + x + ": " + an
                        + " vs finite difference " + fd);
            }
        }
    }

    /** max_i |a_i − f_i| / max(1e-3, max_i |f_i|) ≤ 1e-6. */
    static void assertWithin(String what, double[] fd, double[] analytic) {
        assertEquals(fd.length, analytic.length, what + " length");
        double maxErr = 0;
        double scale = 1e-3;
        int worst = 0;
        for (int i = 0; i < fd.length; i++) {
            scale = Math.max(scale, Math.abs(fd[i]));
            double err = Math.abs(analytic[i] - fd[i]);
            if (!(err <= maxErr)) {
                maxErr = err;
                worst = i;
            }
        }
        double rel = maxErr / scale;
        if (!(rel <= BOUND)) {
            fail(what + ": relative error " + rel + " > " + BOUND + " (worst element " + worst + ": analytic "
                    + analytic[worst] + ", finite difference " + fd[worst] + ")");
        }
    }

    /** Random weights and inputs, and both ways of differentiating the loss. */
    static final class Problem {
        final Case c;
        final Map<String, double[]> w = new LinkedHashMap<>();
        final double[] x;
        final double[] h0;
        final double[] c0;
        final double[] dy;
        final double[] dhN;
        final double[] dcN;

        private Problem(Case c) {
            this.c = c;
            Config cfg = c.cfg();
            SplittableRandom r = new SplittableRandom(c.seed());
            int L = cfg.numLayers();
            int D = cfg.numDirections();
            int H = cfg.hiddenSize();
            int G = cfg.gates();
            int Hout = cfg.outSize();
            boolean lstm = cfg.cell().equals("lstm");
            int rin = cfg.cell().equals("jordan") ? cfg.outputSize() : Hout;
            double s = 0.8;
            for (int k = 0; k < L; k++) {
                for (int d = 0; d < D; d++) {
                    String sfx = "_l" + k + (d == 1 ? "_reverse" : "");
                    w.put("weight_ih" + sfx, uniform(r, G * H * cfg.layerInputSize(k), s));
                    w.put("weight_hh" + sfx, uniform(r, G * H * rin, s));
                    if (c.biases()) {
                        w.put("bias_ih" + sfx, uniform(r, G * H, s));
                        w.put("bias_hh" + sfx, uniform(r, G * H, s));
                    }
                    if (cfg.projSize() > 0) {
                        w.put("weight_hr" + sfx, uniform(r, cfg.projSize() * H, s));
                    }
                    if (c.peepholes()) {
                        w.put("weight_peep" + sfx, uniform(r, 3 * H, s));
                    }
                    if (cfg.cell().equals("jordan")) {
                        w.put("weight_ho" + sfx, uniform(r, cfg.outputSize() * H, s));
                        w.put("bias_ho" + sfx, uniform(r, cfg.outputSize(), s));
                    }
                }
            }
            x = uniform(r, c.T() * c.B() * cfg.inputSize(), 1.0);
            h0 = c.initialState() ? uniform(r, L * D * c.B() * Hout, 0.7) : new double[L * D * c.B() * Hout];
            c0 = lstm ? (c.initialState() ? uniform(r, L * D * c.B() * H, 0.7) : new double[L * D * c.B() * H]) : null;
            dy = uniform(r, c.T() * c.B() * D * Hout, 1.0);
            dhN = uniform(r, L * D * c.B() * Hout, 1.0);
            dcN = lstm ? uniform(r, L * D * c.B() * H, 1.0) : null;
        }

        static Problem random(Case c) {
            return new Problem(c);
        }

        ReferenceBackprop.Grads analytic() {
            return ReferenceBackprop.backward(c.cfg(), w, x, c.T(), c.B(), c.lengths(), h0, c0, dy, dhN, dcN);
        }

        double loss() {
            ReferenceRnn.Result res = ReferenceRnn.forward(c.cfg(), w, x, c.T(), c.B(), c.lengths(), h0, c0);
            double l = dot(res.y(), dy) + dot(res.hN(), dhN);
            if (res.cN() != null) {
                l += dot(res.cN(), dcN);
            }
            return l;
        }

        /** Central differences of the loss with respect to every element of v (perturbed in place, restored). */
        double[] fd(double[] v) {
            double[] g = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + EPS;
                double up = loss();
                v[i] = keep - EPS;
                double down = loss();
                v[i] = keep;
                g[i] = (up - down) / (2 * EPS);
            }
            return g;
        }

        private static double dot(double[] a, double[] b) {
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += a[i] * b[i];
            }
            return s;
        }

        private static double[] uniform(SplittableRandom r, int n, double scale) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) {
                a[i] = (r.nextDouble() * 2 - 1) * scale;
            }
            return a;
        }
    }
}
