package org.rnn4j.reference;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Slow, obviously-correct float64 reference ("oracle") for the recurrent networks of rnn4j.
 *
 * <p>Written straight from the equations: one batch row at a time, one time step at a time, one
 * hidden unit at a time, with plain loops and {@link Math#exp}/{@link Math#tanh}. It depends on no
 * rnn4j main code. Every backend is compared against it, so clarity wins over speed everywhere.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>All tensors are flat row-major {@code double[]}. x is {@code [T, B, I]} (seq-first).</li>
 *   <li>Weights use PyTorch {@code state_dict} names without a module prefix ({@code weight_ih_l0},
 *       {@code bias_hh_l1_reverse}, ...), matrices {@code [out, in]} row-major, gate blocks in PyTorch
 *       order (LSTM i,f,g,o; GRU r,z,n). An absent bias means zeros. Names the configuration does not
 *       use are rejected (this catches typos such as a peephole tensor on a GRU).</li>
 *   <li>y is {@code [T, B, D*Hout]}, directions concatenated on the feature axis (forward first), zero
 *       at steps {@code t >= length} of the row. hN is {@code [L*D, B, Hout]} in the order layer0 fwd,
 *       layer0 rev, layer1 fwd, ...; cN (LSTM only) is {@code [L*D, B, H]}.</li>
 *   <li>Hout = projSize if &gt; 0 else hiddenSize for LSTM; outputSize for Jordan; hiddenSize
 *       otherwise.</li>
 *   <li>Residual connections ({@code residual=true}): for layers k &ge; 1, the layer's output y_k (what
 *       layer k+1 consumes and what {@link Result#y} holds for the last layer) is the cell output plus
 *       the layer's input. Final states hN/cN are never affected by the residual.</li>
 *   <li>Clip ({@code clip} finite): every pre-activation is clamped to [-clip, clip] right before its
 *       activation function (LSTM i,f,g,o after biases and peepholes; GRU r,z,n after the r-term; rnn
 *       the single pre-activation; Jordan the hidden pre-activation, not the output layer's). The cell
 *       state c is never clipped.</li>
 *   <li>{@link Act} alpha/beta: a {@code NaN} value means "use the ONNX default" (LeakyRelu 0.01,
 *       HardSigmoid 0.2/0.5, Elu 1.0, ThresholdedRelu 1.0); Affine and ScaledTanh have no default and
 *       are rejected when a value they need is NaN.</li>
 * </ul>
 */
public final class ReferenceRnn {

    private ReferenceRnn() {}

    /**
     * The network configuration.
     *
     * @param cell "lstm", "gru" (reset-after, PyTorch), "gru_reset_before" (Cho et al.), "rnn_tanh",
     *     "rnn_relu" or "jordan"
     * @param projSize LSTM only; 0 = no projection
     * @param outputSize Jordan only (size O of y); 0 for the other cells
     * @param clip {@link Double#POSITIVE_INFINITY} = no clipping
     * @param inputForget LSTM only: forget gate f = 1 - i
     * @param activations null = defaults; else one list per direction (forward, then reverse): LSTM
     *     [f, g, h], GRU [f, g], rnn [f], Jordan [f_h, f_y]
     */
    public record Config(
            String cell,
            int inputSize,
            int hiddenSize,
            int projSize,
            int outputSize,
            int numLayers,
            boolean bidirectional,
            boolean residual,
            double clip,
            boolean inputForget,
            List<List<Act>> activations) {

        /** A plain configuration: no projection, no residual, no clip, default activations. */
        public static Config of(String cell, int inputSize, int hiddenSize, int numLayers, boolean bidirectional) {
            return new Config(cell, inputSize, hiddenSize, 0, 0, numLayers, bidirectional, false,
                    Double.POSITIVE_INFINITY, false, null);
        }

        public int numDirections() {
            return bidirectional ? 2 : 1;
        }

        /** Width of the recurrent output h (or y for Jordan). */
        public int outSize() {
            return switch (cell) {
                case "lstm" -> projSize > 0 ? projSize : hiddenSize;
                case "jordan" -> outputSize;
                default -> hiddenSize;
            };
        }

        /** Number of gate blocks in weight_ih / weight_hh. */
        public int gates() {
            return switch (cell) {
                case "lstm" -> 4;
                case "gru", "gru_reset_before" -> 3;
                default -> 1;
            };
        }

        /** Input width of layer k. */
        public int layerInputSize(int k) {
            return k == 0 ? inputSize : numDirections() * outSize();
        }
    }

    /**
     * An activation function with its parameters, named as in ONNX (case-insensitive): Relu, Tanh,
     * Sigmoid, Affine (alpha*x+beta), LeakyRelu, ThresholdedRelu, ScaledTanh (alpha*tanh(beta*x)),
     * HardSigmoid, Elu, Softsign, Softplus. NaN alpha/beta = ONNX default where there is one.
     */
    public record Act(String name, double alpha, double beta) {
        /** An activation without explicit parameters (defaults apply). */
        public static Act of(String name) {
            return new Act(name, Double.NaN, Double.NaN);
        }

        public static Act of(String name, double alpha) {
            return new Act(name, alpha, Double.NaN);
        }
    }

    /** The outputs; {@code cN} is null unless the cell is LSTM. */
    public record Result(double[] y, double[] hN, double[] cN) {}

    /** Known cells. */
    public static final List<String> CELLS = List.of("lstm", "gru", "gru_reset_before", "rnn_tanh", "rnn_relu", "jordan");

    /** Known activation names, lower case. */
    private static final Set<String> ACT_NAMES = Set.of("relu", "tanh", "sigmoid", "affine", "leakyrelu",
            "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu", "softsign", "softplus");

    // ------------------------------------------------------------------------------------------------
    // Entry point
    // ------------------------------------------------------------------------------------------------

    /**
     * Runs the network.
     *
     * @param weights PyTorch state_dict names (without prefix) -> row-major values
     * @param x [T, B, I], seq-first
     * @param lengths null = every row has length T; else one length per row, each in 1..T
     * @param h0 null (zeros) or [L*D, B, Hout]
     * @param c0 null (zeros) or [L*D, B, H]; LSTM only
     */
    public static Result forward(Config cfg, Map<String, double[]> weights, double[] x, int T, int B,
            int[] lengths, double[] h0, double[] c0) {
        validateConfig(cfg);
        if (weights == null) {
            throw new IllegalArgumentException("weights must not be null");
        }
        if (T < 1) {
            throw new IllegalArgumentException("T must be >= 1, got " + T);
        }
        if (B < 1) {
            throw new IllegalArgumentException("B must be >= 1, got " + B);
        }
        final boolean isLstm = cfg.cell().equals("lstm");
        final int L = cfg.numLayers();
        final int D = cfg.numDirections();
        final int H = cfg.hiddenSize();
        final int Hout = cfg.outSize();
        final int I = cfg.inputSize();

        checkLength("x", x, (long) T * B * I, "[T=" + T + ", B=" + B + ", I=" + I + "]");
        if (h0 != null) {
            checkLength("h0", h0, (long) L * D * B * Hout, "[L*D=" + (L * D) + ", B=" + B + ", Hout=" + Hout + "]");
        }
        if (c0 != null) {
            if (!isLstm) {
                throw new IllegalArgumentException("c0 is only valid for the lstm cell, not " + cfg.cell());
            }
            checkLength("c0", c0, (long) L * D * B * H, "[L*D=" + (L * D) + ", B=" + B + ", H=" + H + "]");
        }
        final int[] len = new int[B];
        if (lengths == null) {
            for (int b = 0; b < B; b++) {
                len[b] = T;
            }
        } else {
            if (lengths.length != B) {
                throw new IllegalArgumentException("lengths has " + lengths.length + " entries, expected B=" + B);
            }
            for (int b = 0; b < B; b++) {
                if (lengths[b] < 1 || lengths[b] > T) {
                    throw new IllegalArgumentException("lengths[" + b + "] = " + lengths[b]
                            + " is out of range: batch row " + b + " must have a length in 1.." + T);
                }
                len[b] = lengths[b];
            }
        }
        validateWeights(cfg, weights);
        final Act[][] acts = resolveActivations(cfg);

        double[] layerInput = x;
        final double[] hN = new double[L * D * B * Hout];
        final double[] cN = isLstm ? new double[L * D * B * H] : null;
        for (int k = 0; k < L; k++) {
            final int inK = cfg.layerInputSize(k);
            final double[] layerOutput = new double[T * B * D * Hout]; // zeros past each row's length
            for (int d = 0; d < D; d++) {
                final String sfx = "_l" + k + (d == 1 ? "_reverse" : "");
                final int slot = k * D + d; // index into the L*D axis of h0/c0/hN/cN
                for (int b = 0; b < B; b++) {
                    // Initial state of this (layer, direction, row).
                    double[] h = new double[Hout];
                    double[] c = new double[H];
                    if (h0 != null) {
                        for (int j = 0; j < Hout; j++) {
                            h[j] = h0[(slot * B + b) * Hout + j];
                        }
                    }
                    if (c0 != null) {
                        for (int j = 0; j < H; j++) {
                            c[j] = c0[(slot * B + b) * H + j];
                        }
                    }
                    // Visit this row's existing steps: forward 0..len-1, reverse len-1..0.
                    for (int s = 0; s < len[b]; s++) {
                        final int t = d == 0 ? s : len[b] - 1 - s;
                        final double[] xt = new double[inK];
                        for (int i = 0; i < inK; i++) {
                            xt[i] = layerInput[(t * B + b) * inK + i];
                        }
                        switch (cfg.cell()) {
                            case "lstm" -> {
                                double[][] hc = lstmStep(cfg, weights, sfx, acts[d], xt, h, c);
                                h = hc[0];
                                c = hc[1];
                            }
                            case "gru" -> h = gruStep(cfg, weights, sfx, acts[d], xt, h, true);
                            case "gru_reset_before" -> h = gruStep(cfg, weights, sfx, acts[d], xt, h, false);
                            case "rnn_tanh", "rnn_relu" -> h = rnnStep(cfg, weights, sfx, acts[d], xt, h);
                            case "jordan" -> h = jordanStep(cfg, weights, sfx, acts[d], xt, h);
                            default -> throw new IllegalStateException(cfg.cell());
                        }
                        for (int j = 0; j < Hout; j++) {
                            layerOutput[(t * B + b) * (D * Hout) + d * Hout + j] = h[j];
                        }
                    }
                    for (int j = 0; j < Hout; j++) {
                        hN[(slot * B + b) * Hout + j] = h[j];
                    }
                    if (isLstm) {
                        for (int j = 0; j < H; j++) {
                            cN[(slot * B + b) * H + j] = c[j];
                        }
                    }
                }
            }
            if (cfg.residual() && k >= 1) {
                // Layer input width D*Hout equals its output width; add it at the steps that exist.
                for (int b = 0; b < B; b++) {
                    for (int t = 0; t < len[b]; t++) {
                        for (int j = 0; j < D * Hout; j++) {
                            layerOutput[(t * B + b) * (D * Hout) + j] += layerInput[(t * B + b) * (D * Hout) + j];
                        }
                    }
                }
            }
            layerInput = layerOutput;
        }
        return new Result(layerInput, hN, cN);
    }

    // ------------------------------------------------------------------------------------------------
    // Cells: one time step of one batch row of one direction
    // ------------------------------------------------------------------------------------------------

    /** LSTM step. Returns {h_new (Hout), c_new (H)}. acts = [f, g, h]. */
    private static double[][] lstmStep(Config cfg, Map<String, double[]> w, String sfx, Act[] acts,
            double[] x, double[] hPrev, double[] cPrev) {
        final int H = cfg.hiddenSize();
        final int Hout = cfg.outSize();
        final int in = x.length;
        final double[] wih = w.get("weight_ih" + sfx);
        final double[] whh = w.get("weight_hh" + sfx);
        final double[] bih = biasOrZeros(w, "bias_ih" + sfx, 4 * H);
        final double[] bhh = biasOrZeros(w, "bias_hh" + sfx, 4 * H);
        final double[] peep = biasOrZeros(w, "weight_peep" + sfx, 3 * H); // (i, f, o)
        final double clip = cfg.clip();

        final double[] c = new double[H];
        final double[] hTilde = new double[H];
        for (int j = 0; j < H; j++) {
            final int rowI = j;          // gate i
            final int rowF = H + j;      // gate f
            final int rowG = 2 * H + j;  // gate g
            final int rowO = 3 * H + j;  // gate o

            double preI = dot(wih, rowI, in, x) + bih[rowI] + dot(whh, rowI, Hout, hPrev) + bhh[rowI]
                    + peep[j] * cPrev[j];
            double i = apply(acts[0], clamp(preI, clip));

            double fg;
            if (cfg.inputForget()) {
                fg = 1.0 - i;
            } else {
                double preF = dot(wih, rowF, in, x) + bih[rowF] + dot(whh, rowF, Hout, hPrev) + bhh[rowF]
                        + peep[H + j] * cPrev[j];
                fg = apply(acts[0], clamp(preF, clip));
            }

            double preG = dot(wih, rowG, in, x) + bih[rowG] + dot(whh, rowG, Hout, hPrev) + bhh[rowG];
            double g = apply(acts[1], clamp(preG, clip));

            c[j] = fg * cPrev[j] + i * g;

            double preO = dot(wih, rowO, in, x) + bih[rowO] + dot(whh, rowO, Hout, hPrev) + bhh[rowO]
                    + peep[2 * H + j] * c[j]; // the NEW cell state
            double o = apply(acts[0], clamp(preO, clip));

            hTilde[j] = o * apply(acts[2], c[j]);
        }
        final double[] h;
        if (cfg.projSize() > 0) {
            final double[] whr = w.get("weight_hr" + sfx); // [P, H]
            h = new double[Hout];
            for (int p = 0; p < Hout; p++) {
                h[p] = dot(whr, p, H, hTilde);
            }
        } else {
            h = hTilde;
        }
        return new double[][] {h, c};
    }

    /** GRU step (reset-after when resetAfter, else Cho et al. reset-before). acts = [f, g]. */
    private static double[] gruStep(Config cfg, Map<String, double[]> w, String sfx, Act[] acts, double[] x,
            double[] hPrev, boolean resetAfter) {
        final int H = cfg.hiddenSize();
        final int in = x.length;
        final double[] wih = w.get("weight_ih" + sfx);
        final double[] whh = w.get("weight_hh" + sfx);
        final double[] bih = biasOrZeros(w, "bias_ih" + sfx, 3 * H);
        final double[] bhh = biasOrZeros(w, "bias_hh" + sfx, 3 * H);
        final double clip = cfg.clip();

        // r and z first (n of reset-before needs all of r).
        final double[] r = new double[H];
        final double[] z = new double[H];
        for (int j = 0; j < H; j++) {
            final int rowR = j;
            final int rowZ = H + j;
            double preR = dot(wih, rowR, in, x) + bih[rowR] + dot(whh, rowR, H, hPrev) + bhh[rowR];
            double preZ = dot(wih, rowZ, in, x) + bih[rowZ] + dot(whh, rowZ, H, hPrev) + bhh[rowZ];
            r[j] = apply(acts[0], clamp(preR, clip));
            z[j] = apply(acts[0], clamp(preZ, clip));
        }
        final double[] rh = new double[H]; // r ⊙ h_prev, used by reset-before
        for (int j = 0; j < H; j++) {
            rh[j] = r[j] * hPrev[j];
        }
        final double[] h = new double[H];
        for (int j = 0; j < H; j++) {
            final int rowN = 2 * H + j;
            double preN;
            if (resetAfter) {
                preN = dot(wih, rowN, in, x) + bih[rowN] + r[j] * (dot(whh, rowN, H, hPrev) + bhh[rowN]);
            } else {
                preN = dot(wih, rowN, in, x) + bih[rowN] + dot(whh, rowN, H, rh) + bhh[rowN];
            }
            double n = apply(acts[1], clamp(preN, clip));
            h[j] = (1.0 - z[j]) * n + z[j] * hPrev[j];
        }
        return h;
    }

    /** Elman RNN step. acts = [f]. */
    private static double[] rnnStep(Config cfg, Map<String, double[]> w, String sfx, Act[] acts, double[] x,
            double[] hPrev) {
        final int H = cfg.hiddenSize();
        final int in = x.length;
        final double[] wih = w.get("weight_ih" + sfx);
        final double[] whh = w.get("weight_hh" + sfx);
        final double[] bih = biasOrZeros(w, "bias_ih" + sfx, H);
        final double[] bhh = biasOrZeros(w, "bias_hh" + sfx, H);
        final double[] h = new double[H];
        for (int j = 0; j < H; j++) {
            double pre = dot(wih, j, in, x) + bih[j] + dot(whh, j, H, hPrev) + bhh[j];
            h[j] = apply(acts[0], clamp(pre, cfg.clip()));
        }
        return h;
    }

    /** Jordan step: the recurrent state is y (size O). acts = [f_h, f_y]. Returns y_t. */
    private static double[] jordanStep(Config cfg, Map<String, double[]> w, String sfx, Act[] acts, double[] x,
            double[] yPrev) {
        final int H = cfg.hiddenSize();
        final int O = cfg.outputSize();
        final int in = x.length;
        final double[] wih = w.get("weight_ih" + sfx);
        final double[] whh = w.get("weight_hh" + sfx); // [H, O]
        final double[] bih = biasOrZeros(w, "bias_ih" + sfx, H);
        final double[] bhh = biasOrZeros(w, "bias_hh" + sfx, H);
        final double[] who = w.get("weight_ho" + sfx); // [O, H]
        final double[] bho = biasOrZeros(w, "bias_ho" + sfx, O);
        final double[] hid = new double[H];
        for (int j = 0; j < H; j++) {
            double pre = dot(wih, j, in, x) + bih[j] + dot(whh, j, O, yPrev) + bhh[j];
            hid[j] = apply(acts[0], clamp(pre, cfg.clip()));
        }
        final double[] y = new double[O];
        for (int o = 0; o < O; o++) {
            double pre = dot(who, o, H, hid) + bho[o];
            y[o] = apply(acts[1], pre); // clip bounds the cell's pre-activation, not the output layer
        }
        return y;
    }

    // ------------------------------------------------------------------------------------------------
    // Small helpers
    // ------------------------------------------------------------------------------------------------

    /** sum_k m[row, k] * v[k] for a row-major matrix with {@code cols} columns. */
    private static double dot(double[] m, int row, int cols, double[] v) {
        double s = 0.0;
        for (int k = 0; k < cols; k++) {
            s += m[row * cols + k] * v[k];
        }
        return s;
    }

    private static double clamp(double v, double clip) {
        if (v > clip) {
            return clip;
        }
        if (v < -clip) {
            return -clip;
        }
        return v;
    }

    private static double[] biasOrZeros(Map<String, double[]> w, String name, int size) {
        double[] b = w.get(name);
        return b != null ? b : new double[size];
    }

    /** Evaluates one activation function at x, straight from its definition. */
    public static double apply(Act act, double x) {
        String n = act.name().toLowerCase(Locale.ROOT);
        double a = act.alpha();
        double b = act.beta();
        switch (n) {
            case "relu":
                return x > 0.0 ? x : 0.0;
            case "tanh":
                return Math.tanh(x);
            case "sigmoid":
                return 1.0 / (1.0 + Math.exp(-x));
            case "affine":
                return need(a, act, "alpha") * x + need(b, act, "beta");
            case "leakyrelu":
                return x >= 0.0 ? x : orDefault(a, 0.01) * x;
            case "thresholdedrelu":
                return x >= orDefault(a, 1.0) ? x : 0.0;
            case "scaledtanh":
                return need(a, act, "alpha") * Math.tanh(need(b, act, "beta") * x);
            case "hardsigmoid":
                return Math.min(Math.max(orDefault(a, 0.2) * x + orDefault(b, 0.5), 0.0), 1.0);
            case "elu":
                return x >= 0.0 ? x : orDefault(a, 1.0) * (Math.exp(x) - 1.0);
            case "softsign":
                return x / (1.0 + Math.abs(x));
            case "softplus":
                // log(1 + e^x), written as max(x,0) + log(1 + e^-|x|) so that large x does not overflow.
                return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
            default:
                throw new IllegalArgumentException("unknown activation '" + act.name() + "'");
        }
    }

    private static double orDefault(double v, double dflt) {
        return Double.isNaN(v) ? dflt : v;
    }

    private static double need(double v, Act act, String which) {
        if (Double.isNaN(v)) {
            throw new IllegalArgumentException("activation " + act.name() + " needs an explicit " + which
                    + " (it has no default)");
        }
        return v;
    }

    // ------------------------------------------------------------------------------------------------
    // Validation
    // ------------------------------------------------------------------------------------------------

    private static int actsPerDirection(String cell) {
        return switch (cell) {
            case "lstm" -> 3;
            case "gru", "gru_reset_before", "jordan" -> 2;
            default -> 1;
        };
    }

    private static List<Act> defaultActivations(String cell) {
        return switch (cell) {
            case "lstm" -> List.of(Act.of("Sigmoid"), Act.of("Tanh"), Act.of("Tanh"));
            case "gru", "gru_reset_before" -> List.of(Act.of("Sigmoid"), Act.of("Tanh"));
            case "rnn_tanh" -> List.of(Act.of("Tanh"));
            case "rnn_relu" -> List.of(Act.of("Relu"));
            case "jordan" -> List.of(Act.of("Tanh"), Act.of("Tanh"));
            default -> throw new IllegalArgumentException("unknown cell " + cell);
        };
    }

    /** One activation list per direction, the defaults filled in. */
    static Act[][] resolveActivations(Config cfg) {
        final int D = cfg.numDirections();
        final Act[][] out = new Act[D][];
        for (int d = 0; d < D; d++) {
            List<Act> list = cfg.activations() == null ? defaultActivations(cfg.cell()) : cfg.activations().get(d);
            out[d] = list.toArray(new Act[0]);
        }
        return out;
    }

    private static void validateConfig(Config cfg) {
        if (cfg == null) {
            throw new IllegalArgumentException("config must not be null");
        }
        if (cfg.cell() == null || !CELLS.contains(cfg.cell())) {
            throw new IllegalArgumentException("unknown cell '" + cfg.cell() + "', expected one of " + CELLS);
        }
        final String cell = cfg.cell();
        if (cfg.inputSize() < 1) {
            throw new IllegalArgumentException("inputSize must be >= 1, got " + cfg.inputSize());
        }
        if (cfg.hiddenSize() < 1) {
            throw new IllegalArgumentException("hiddenSize must be >= 1, got " + cfg.hiddenSize());
        }
        if (cfg.numLayers() < 1) {
            throw new IllegalArgumentException("numLayers must be >= 1, got " + cfg.numLayers());
        }
        if (cfg.projSize() < 0) {
            throw new IllegalArgumentException("projSize must be >= 0, got " + cfg.projSize());
        }
        if (cfg.projSize() > 0 && !cell.equals("lstm")) {
            throw new IllegalArgumentException("projSize is only valid for the lstm cell, not " + cell);
        }
        if (cell.equals("jordan")) {
            if (cfg.outputSize() < 1) {
                throw new IllegalArgumentException("jordan needs outputSize >= 1, got " + cfg.outputSize());
            }
        } else if (cfg.outputSize() != 0) {
            throw new IllegalArgumentException("outputSize is only valid for the jordan cell, not " + cell
                    + " (got " + cfg.outputSize() + ")");
        }
        if (cfg.inputForget() && !cell.equals("lstm")) {
            throw new IllegalArgumentException("inputForget is only valid for the lstm cell, not " + cell);
        }
        if (Double.isNaN(cfg.clip()) || cfg.clip() <= 0.0) {
            throw new IllegalArgumentException("clip must be > 0 (POSITIVE_INFINITY = none), got " + cfg.clip());
        }
        if (cfg.activations() != null) {
            final int D = cfg.numDirections();
            if (cfg.activations().size() != D) {
                throw new IllegalArgumentException("activations must hold one list per direction (" + D
                        + "), got " + cfg.activations().size());
            }
            final int n = actsPerDirection(cell);
            for (int d = 0; d < D; d++) {
                List<Act> list = cfg.activations().get(d);
                if (list == null || list.size() != n) {
                    throw new IllegalArgumentException("activations for direction " + d + " of cell " + cell
                            + " must hold " + n + " functions, got " + (list == null ? "null" : list.size()));
                }
                for (Act a : list) {
                    if (a == null || a.name() == null || !ACT_NAMES.contains(a.name().toLowerCase(Locale.ROOT))) {
                        throw new IllegalArgumentException("unknown activation " + a + " for direction " + d);
                    }
                    String ln = a.name().toLowerCase(Locale.ROOT);
                    if (ln.equals("affine") || ln.equals("scaledtanh")) {
                        need(a.alpha(), a, "alpha");
                        need(a.beta(), a, "beta");
                    }
                }
            }
        }
    }

    private static void validateWeights(Config cfg, Map<String, double[]> w) {
        final String cell = cfg.cell();
        final int G = cfg.gates();
        final int H = cfg.hiddenSize();
        final int Hout = cfg.outSize();
        final int D = cfg.numDirections();
        final int recurrentIn = switch (cell) {
            case "lstm" -> Hout;       // h (projected when projSize > 0)
            case "jordan" -> cfg.outputSize(); // y
            default -> H;
        };
        final Set<String> expected = new HashSet<>();
        for (int k = 0; k < cfg.numLayers(); k++) {
            for (int d = 0; d < D; d++) {
                final String sfx = "_l" + k + (d == 1 ? "_reverse" : "");
                final int in = cfg.layerInputSize(k);
                requireMatrix(w, "weight_ih" + sfx, G * H, in, expected);
                requireMatrix(w, "weight_hh" + sfx, G * H, recurrentIn, expected);
                optionalVector(w, "bias_ih" + sfx, G * H, expected);
                optionalVector(w, "bias_hh" + sfx, G * H, expected);
                if (cell.equals("lstm")) {
                    if (cfg.projSize() > 0) {
                        requireMatrix(w, "weight_hr" + sfx, cfg.projSize(), H, expected);
                    }
                    optionalVector(w, "weight_peep" + sfx, 3 * H, expected);
                }
                if (cell.equals("jordan")) {
                    requireMatrix(w, "weight_ho" + sfx, cfg.outputSize(), H, expected);
                    optionalVector(w, "bias_ho" + sfx, cfg.outputSize(), expected);
                }
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String name : w.keySet()) {
            if (!expected.contains(name)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            unexpected.sort(null);
            throw new IllegalArgumentException("unexpected weights for " + describe(cfg) + ": " + unexpected
                    + " (expected only " + new java.util.TreeSet<>(expected) + ")");
        }
    }

    private static String describe(Config cfg) {
        return cfg.cell() + " (layers=" + cfg.numLayers() + ", bidirectional=" + cfg.bidirectional()
                + ", projSize=" + cfg.projSize() + ")";
    }

    private static void requireMatrix(Map<String, double[]> w, String name, int rows, int cols, Set<String> expected) {
        expected.add(name);
        double[] v = w.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing weight " + name + " [" + rows + ", " + cols + "]");
        }
        if (v.length != (long) rows * cols) {
            throw new IllegalArgumentException("weight " + name + " has " + v.length + " values, expected ["
                    + rows + ", " + cols + "] = " + ((long) rows * cols));
        }
    }

    private static void optionalVector(Map<String, double[]> w, String name, int size, Set<String> expected) {
        expected.add(name);
        if (!w.containsKey(name)) {
            return;
        }
        double[] v = w.get(name);
        if (v == null) {
            throw new IllegalArgumentException("weight " + name + " is null (leave it out of the map for zeros)");
        }
        if (v.length != size) {
            throw new IllegalArgumentException("weight " + name + " has " + v.length + " values, expected ["
                    + size + "]");
        }
    }

    private static void checkLength(String what, double[] v, long expected, String shape) {
        if (v == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (v.length != expected) {
            throw new IllegalArgumentException(what + " has " + v.length + " values, expected " + shape + " = "
                    + expected);
        }
    }
}
