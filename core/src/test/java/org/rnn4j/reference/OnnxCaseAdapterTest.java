package org.rnn4j.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rnn4j.reference.ReferenceRnn.Act;

/** The ONNX -> oracle mapping on hand-made tensors (no shared files needed). */
class OnnxCaseAdapterTest {

    @Test
    void alphaAndBetaAreConsumedOnlyByFunctionsThatTakeThem() {
        List<List<Act>> a = OnnxCaseAdapter.activations("HardSigmoid,Softsign,ScaledTanh",
                new double[] {0.25, 1.25}, new double[] {0.625, 0.75}, 3, 1);
        assertEquals(List.of(List.of(new Act("HardSigmoid", 0.25, 0.625), new Act("Softsign", Double.NaN, Double.NaN),
                new Act("ScaledTanh", 1.25, 0.75))), a);
        // across directions; values run out -> NaN (= spec default)
        a = OnnxCaseAdapter.activations("Sigmoid,Elu,HardSigmoid,LeakyRelu", new double[] {0.5, 0.125, 0.0625}, null,
                2, 2);
        assertEquals(new Act("Elu", 0.5, Double.NaN), a.get(0).get(1));
        assertEquals(new Act("HardSigmoid", 0.125, Double.NaN), a.get(1).get(0));
        assertEquals(new Act("LeakyRelu", 0.0625, Double.NaN), a.get(1).get(1));
        // the RNN schema default lists two functions even for one direction
        assertEquals(List.of(List.of(new Act("Tanh", Double.NaN, Double.NaN))),
                OnnxCaseAdapter.activations("Tanh,Tanh", null, null, 1, 1));
    }

    @Test
    void gateBlocksArePermutedIntoPytorchOrder() {
        int H = 1, I = 1;
        // LSTM ONNX blocks i, o, f, c labelled 0..3 (W), 10..13 (R), B = [Wb 20..23, Rb 30..33], P i,o,f = 40..42
        Map<String, double[]> w = OnnxCaseAdapter.weights("LSTM", 1, H, I, new double[] {0, 1, 2, 3},
                new double[] {10, 11, 12, 13}, new double[] {20, 21, 22, 23, 30, 31, 32, 33}, new double[] {40, 41, 42});
        assertArrayEquals(new double[] {0, 2, 3, 1}, w.get("weight_ih_l0")); // i, f, g(c), o
        assertArrayEquals(new double[] {10, 12, 13, 11}, w.get("weight_hh_l0"));
        assertArrayEquals(new double[] {20, 22, 23, 21}, w.get("bias_ih_l0"));
        assertArrayEquals(new double[] {30, 32, 33, 31}, w.get("bias_hh_l0"));
        assertArrayEquals(new double[] {40, 42, 41}, w.get("weight_peep_l0")); // i, f, o
        // GRU z, r, h -> r, z, n; second direction gets the _reverse suffix
        w = OnnxCaseAdapter.weights("GRU", 2, H, I, new double[] {0, 1, 2, 5, 6, 7}, new double[] {0, 1, 2, 5, 6, 7},
                null, null);
        assertArrayEquals(new double[] {1, 0, 2}, w.get("weight_ih_l0"));
        assertArrayEquals(new double[] {6, 5, 7}, w.get("weight_hh_l0_reverse"));
        assertNull(w.get("bias_ih_l0"));
    }

    @Test
    void layoutsAreMovedToTheOracleAxes() {
        int S = 2, D = 2, N = 3, H = 1;
        // layout 0: Y[s, d, n] = 100 s + 10 d + n -> y[s, n, d]
        double[] y0 = new double[S * D * N * H];
        double[] y1 = new double[S * D * N * H];
        for (int s = 0; s < S; s++) {
            for (int d = 0; d < D; d++) {
                for (int n = 0; n < N; n++) {
                    y0[(s * D + d) * N + n] = 100 * s + 10 * d + n;
                    y1[(n * S + s) * D + d] = 100 * s + 10 * d + n; // layout 1: [N, S, D, H]
                }
            }
        }
        double[] want = new double[S * N * D];
        for (int s = 0; s < S; s++) {
            for (int n = 0; n < N; n++) {
                for (int d = 0; d < D; d++) {
                    want[(s * N + n) * D + d] = 100 * s + 10 * d + n;
                }
            }
        }
        assertArrayEquals(want, OnnxCaseAdapter.yToOracle(y0, 0, S, D, N, H));
        assertArrayEquals(want, OnnxCaseAdapter.yToOracle(y1, 1, S, D, N, H));
        // states [N, D, H] -> [D, N, H]; X [N, S, I] -> [S, N, I]
        assertArrayEquals(new double[] {0, 10, 20, 1, 11, 21},
                OnnxCaseAdapter.stateToOracle(new double[] {0, 1, 10, 11, 20, 21}, 1, 2, 3, 1));
        assertArrayEquals(new double[] {0, 10, 20, 1, 11, 21},
                OnnxCaseAdapter.xToOracle(new double[] {0, 1, 10, 11, 20, 21}, 1, 2, 3, 1));
    }
}
