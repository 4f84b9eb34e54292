package org.rnn4j.reference;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.rnn4j.reference.ReferenceRnn.Act;
import org.rnn4j.reference.ReferenceRnn.Config;

/**
 * Slow, obviously-correct float64 backpropagation through time for the networks of
 * {@link ReferenceRnn} — the gradient oracle.
 *
 * <p>Written straight from the chain rule of the equations in {@link ReferenceRnn}, independently of
 * rnn4j's main code (it shares nothing with {@code Backprop}): one batch row, one time step and one
 * unit at a time. The forward pass is recomputed here with every intermediate kept (pre-activations
 * before the clip, gate values, cell states), then walked backwards step by step.
 *
 * <p>It computes the vector-Jacobian product of the scalar
 * {@code L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n}: the gradients of L with respect to x, h0, c0 and
 * every weight in the map. Derivative conventions at kinks (measure zero, finite differences never
 * sit on them in the tests): relu'(0) = 0, the clip passes the gradient only strictly inside
 * (-clip, clip), HardSigmoid only strictly inside (0, 1), LeakyRelu/Elu/ThresholdedRelu take the
 * right-hand branch at the switch point (as {@link ReferenceRnn#apply} does).
 *
 * <p>{@code ReferenceBackpropTest} checks it against central finite differences of
 * {@link ReferenceRnn#forward}; backends' float32 gradients are then compared with it.
 */
public final class ReferenceBackprop {

    private ReferenceBackprop() {}

    /**
     * Gradients of L.
     *
     * @param dx [T, B, I], zero at padded steps
     * @param dh0 [L*D, B, Hout]
     * @param dc0 [L*D, B, H] for LSTM, else null
     * @param parameters one gradient per weight in the map given, same names and shapes, same order
     */
    public record Grads(double[] dx, double[] dh0, double[] dc0, Map<String, double[]> parameters) {}

    /**
     * The gradients of {@code L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n}.
     *
     * @param dy [T, B, D*Hout] (seq-first); values at padded steps are ignored (y is constant zero there)
     * @param dhN null (zeros) or [L*D, B, Hout]
     * @param dcN null (zeros) or [L*D, B, H]; LSTM only
     */
    public static Grads backward(Config cfg, Map<String, double[]> weights, double[] x, int T, int B,
            int[] lengths, double[] h0, double[] c0, double[] dy, double[] dhN, double[] dcN) {
        ReferenceRnn.forward(cfg, weights, x, T, B, lengths, h0, c0); // validates every argument
        final boolean isLstm = cfg.cell().equals("lstm");
        final int L = cfg.numLayers();
        final int D = cfg.numDirections();
        final int H = cfg.hiddenSize();
        final int Hout = cfg.outSize();
        final int width = D * Hout;
        check("dy", dy, (long) T * B * width);
        if (dhN != null) {
            check("dhN", dhN, (long) L * D * B * Hout);
        }
        if (dcN != null) {
            if (!isLstm) {
                throw new IllegalArgumentException("dcN is only valid for the lstm cell");
            }
            check("dcN", dcN, (long) L * D * B * H);
        }
        final int[] len = new int[B];
        for (int b = 0; b < B; b++) {
            len[b] = lengths == null ? T : lengths[b];
        }
        final Act[][] acts = ReferenceRnn.resolveActivations(cfg);

        // ---- forward, keeping every intermediate: steps[k][d][b][s] for s-th visited step --------
        final double[][] layerInputs = new double[L][];
        final Step[][][][] steps = new Step[L][D][B][];
        double[] layerInput = x;
        for (int k = 0; k < L; k++) {
            layerInputs[k] = layerInput;
            final int inK = cfg.layerInputSize(k);
            final double[] out = new double[T * B * width];
            for (int d = 0; d < D; d++) {
                final Cell cell = new Cell(cfg, weights, "_l" + k + (d == 1 ? "_reverse" : ""), acts[d]);
                final int slot = k * D + d;
                for (int b = 0; b < B; b++) {
                    double[] h = slice(h0, (slot * B + b) * Hout, Hout);
                    double[] c = isLstm ? slice(c0, (slot * B + b) * H, H) : null;
                    steps[k][d][b] = new Step[len[b]];
                    for (int s = 0; s < len[b]; s++) {
                        final int t = d == 0 ? s : len[b] - 1 - s;
                        Step st = cell.forward(slice(layerInput, (t * B + b) * inK, inK), h, c);
                        steps[k][d][b][s] = st;
                        h = st.h;
                        c = st.c;
                        System.arraycopy(h, 0, out, (t * B + b) * width + d * Hout, Hout);
                    }
                }
            }
            if (cfg.residual() && k >= 1) {
                for (int b = 0; b < B; b++) {
                    for (int t = 0; t < len[b]; t++) {
                        for (int j = 0; j < width; j++) {
                            out[(t * B + b) * width + j] += layerInput[(t * B + b) * width + j];
                        }
                    }
                }
            }
            layerInput = out;
        }

        // ---- backward, top layer first ----------------------------------------------------------
        final Map<String, double[]> grads = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : weights.entrySet()) {
            grads.put(e.getKey(), new double[e.getValue().length]);
        }
        final double[] dh0 = new double[L * D * B * Hout];
        final double[] dc0 = isLstm ? new double[L * D * B * H] : null;
        // dOut: gradient of L with respect to the current layer's output; y is constant zero at padding.
        double[] dOut = new double[T * B * width];
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < len[b]; t++) {
                for (int j = 0; j < width; j++) {
                    dOut[(t * B + b) * width + j] = dy[(t * B + b) * width + j];
                }
            }
        }
        for (int k = L - 1; k >= 0; k--) {
            final int inK = cfg.layerInputSize(k);
            final double[] dIn = new double[T * B * inK];
            if (cfg.residual() && k >= 1) { // out = cell + input
                for (int b = 0; b < B; b++) {
                    for (int t = 0; t < len[b]; t++) {
                        for (int j = 0; j < width; j++) {
                            dIn[(t * B + b) * inK + j] += dOut[(t * B + b) * width + j];
                        }
                    }
                }
            }
            for (int d = 0; d < D; d++) {
                final String sfx = "_l" + k + (d == 1 ? "_reverse" : "");
                final Cell cell = new Cell(cfg, weights, sfx, acts[d]);
                final CellGrads g = new CellGrads(cfg, grads, sfx);
                final int slot = k * D + d;
                for (int b = 0; b < B; b++) {
                    double[] dh = slice(dhN, (slot * B + b) * Hout, Hout);
                    double[] dc = isLstm ? slice(dcN, (slot * B + b) * H, H) : null;
                    for (int s = len[b] - 1; s >= 0; s--) {
                        final int t = d == 0 ? s : len[b] - 1 - s;
                        for (int j = 0; j < Hout; j++) {
                            dh[j] += dOut[(t * B + b) * width + d * Hout + j];
                        }
                        double[] dxt = new double[inK];
                        double[][] prev = cell.backward(steps[k][d][b][s], dh, dc, dxt, g);
                        for (int i = 0; i < inK; i++) {
                            dIn[(t * B + b) * inK + i] += dxt[i];
                        }
                        dh = prev[0];
                        dc = prev[1];
                    }
                    System.arraycopy(dh, 0, dh0, (slot * B + b) * Hout, Hout);
                    if (isLstm) {
                        System.arraycopy(dc, 0, dc0, (slot * B + b) * H, H);
                    }
                }
            }
            dOut = dIn;
        }
        return new Grads(dOut, dh0, dc0, grads);
    }

    // ------------------------------------------------------------------------------------------------
    // One step's intermediates
    // ------------------------------------------------------------------------------------------------

    /** Everything one step of one row computed, for its backward. */
    private static final class Step {
        double[] x;      // the layer input at this step
        double[] hPrev;  // recurrent input: h (Hout) for lstm/gru/rnn, y (O) for Jordan
        double[] cPrev;  // LSTM
        double[] pre;    // [G*H] pre-activations before the clip (GRU n: including the r-term)
        double[] gate;   // [G*H] activated values (LSTM f row unused when inputForget)
        double[] c;      // LSTM new cell state
        double[] hTilde; // LSTM o*h(c), before the projection
        double[] hhN;    // GRU reset-after: W_hn h + b_hn
        double[] rh;     // GRU reset-before: r*h_prev
        double[] preY;   // Jordan output-layer pre-activation [O]
        double[] h;      // the step's output state
    }

    /** Gradient accumulators of one layer and direction. */
    private static final class CellGrads {
        final double[] wih;
        final double[] whh;
        final double[] bih;
        final double[] bhh;
        final double[] whr;
        final double[] peep;
        final double[] who;
        final double[] bho;

        /** An absent optional parameter (a zero constant) still gets a gradient, into a throw-away buffer. */
        CellGrads(Config cfg, Map<String, double[]> g, String sfx) {
            final int H = cfg.hiddenSize();
            wih = g.get("weight_ih" + sfx);
            whh = g.get("weight_hh" + sfx);
            bih = orZeros(g.get("bias_ih" + sfx), cfg.gates() * H);
            bhh = orZeros(g.get("bias_hh" + sfx), cfg.gates() * H);
            whr = g.get("weight_hr" + sfx);
            peep = orZeros(g.get("weight_peep" + sfx), 3 * H);
            who = g.get("weight_ho" + sfx);
            bho = orZeros(g.get("bias_ho" + sfx), Math.max(cfg.outputSize(), 1));
        }
    }

    // ------------------------------------------------------------------------------------------------
    // The cells
    // ------------------------------------------------------------------------------------------------

    /** One layer and direction's weights and functions. */
    private static final class Cell {
        final String cell;
        final int H;
        final int Hout;
        final int O;
        final double clip;
        final boolean inputForget;
        final Act[] acts;
        final double[] wih;
        final double[] whh;
        final double[] bih;
        final double[] bhh;
        final double[] whr;
        final double[] peep;
        final double[] who;
        final double[] bho;

        Cell(Config cfg, Map<String, double[]> w, String sfx, Act[] acts) {
            this.cell = cfg.cell();
            this.H = cfg.hiddenSize();
            this.Hout = cfg.outSize();
            this.O = cfg.outputSize();
            this.clip = cfg.clip();
            this.inputForget = cfg.inputForget();
            this.acts = acts;
            final int GH = cfg.gates() * H;
            wih = w.get("weight_ih" + sfx);
            whh = w.get("weight_hh" + sfx);
            bih = orZeros(w.get("bias_ih" + sfx), GH);
            bhh = orZeros(w.get("bias_hh" + sfx), GH);
            whr = w.get("weight_hr" + sfx);
            peep = orZeros(w.get("weight_peep" + sfx), 3 * H);
            who = w.get("weight_ho" + sfx);
            bho = orZeros(w.get("bias_ho" + sfx), Math.max(O, 1));
        }

        /** Width of the recurrent input. */
        int recurrentIn() {
            return cell.equals("jordan") ? O : Hout;
        }

        Step forward(double[] x, double[] hPrev, double[] cPrev) {
            final Step s = new Step();
            s.x = x;
            s.hPrev = hPrev;
            s.cPrev = cPrev;
            final int in = x.length;
            final int rin = recurrentIn();
            switch (cell) {
                case "lstm" -> {
                    s.pre = new double[4 * H];
                    s.gate = new double[4 * H];
                    s.c = new double[H];
                    s.hTilde = new double[H];
                    for (int j = 0; j < H; j++) {
                        for (int q = 0; q < 4; q++) {
                            int row = q * H + j;
                            s.pre[row] = dot(wih, row, in, x) + bih[row] + dot(whh, row, rin, hPrev) + bhh[row];
                        }
                        s.pre[j] += peep[j] * cPrev[j];
                        s.pre[H + j] += peep[H + j] * cPrev[j];
                        double i = act(acts[0], s.pre[j]);
                        double f = inputForget ? 1.0 - i : act(acts[0], s.pre[H + j]);
                        double g = act(acts[1], s.pre[2 * H + j]);
                        s.gate[j] = i;
                        s.gate[H + j] = f;
                        s.gate[2 * H + j] = g;
                        s.c[j] = f * cPrev[j] + i * g;
                        s.pre[3 * H + j] += peep[2 * H + j] * s.c[j];
                        double o = act(acts[0], s.pre[3 * H + j]);
                        s.gate[3 * H + j] = o;
                        s.hTilde[j] = o * ReferenceRnn.apply(acts[2], s.c[j]); // c is never clipped
                    }
                    if (whr != null) {
                        s.h = new double[Hout];
                        for (int p = 0; p < Hout; p++) {
                            s.h[p] = dot(whr, p, H, s.hTilde);
                        }
                    } else {
                        s.h = s.hTilde;
                    }
                }
                case "gru", "gru_reset_before" -> {
                    s.pre = new double[3 * H];
                    s.gate = new double[3 * H];
                    for (int row = 0; row < 2 * H; row++) {
                        s.pre[row] = dot(wih, row, in, x) + bih[row] + dot(whh, row, H, hPrev) + bhh[row];
                        s.gate[row] = act(acts[0], s.pre[row]);
                    }
                    s.h = new double[H];
                    if (cell.equals("gru")) {
                        s.hhN = new double[H];
                    } else {
                        s.rh = new double[H];
                        for (int j = 0; j < H; j++) {
                            s.rh[j] = s.gate[j] * hPrev[j];
                        }
                    }
                    for (int j = 0; j < H; j++) {
                        int row = 2 * H + j;
                        if (cell.equals("gru")) {
                            s.hhN[j] = dot(whh, row, H, hPrev) + bhh[row];
                            s.pre[row] = dot(wih, row, in, x) + bih[row] + s.gate[j] * s.hhN[j];
                        } else {
                            s.pre[row] = dot(wih, row, in, x) + bih[row] + dot(whh, row, H, s.rh) + bhh[row];
                        }
                        double n = act(acts[1], s.pre[row]);
                        s.gate[row] = n;
                        double z = s.gate[H + j];
                        s.h[j] = (1.0 - z) * n + z * hPrev[j];
                    }
                }
                case "rnn_tanh", "rnn_relu" -> {
                    s.pre = new double[H];
                    s.h = new double[H];
                    for (int j = 0; j < H; j++) {
                        s.pre[j] = dot(wih, j, in, x) + bih[j] + dot(whh, j, H, hPrev) + bhh[j];
                        s.h[j] = act(acts[0], s.pre[j]);
                    }
                }
                case "jordan" -> {
                    s.pre = new double[H];
                    s.gate = new double[H];
                    for (int j = 0; j < H; j++) {
                        s.pre[j] = dot(wih, j, in, x) + bih[j] + dot(whh, j, O, hPrev) + bhh[j];
                        s.gate[j] = act(acts[0], s.pre[j]);
                    }
                    s.preY = new double[O];
                    s.h = new double[O];
                    for (int o = 0; o < O; o++) {
                        s.preY[o] = dot(who, o, H, s.gate) + bho[o];
                        s.h[o] = ReferenceRnn.apply(acts[1], s.preY[o]); // the output layer is not clipped
                    }
                }
                default -> throw new IllegalStateException(cell);
            }
            return s;
        }

        /**
         * Backward through one step: dh (and dc) are the gradients arriving at its outputs; adds the
         * input gradient to dx and the parameter gradients to g; returns {dhPrev, dcPrev}.
         */
        double[][] backward(Step s, double[] dh, double[] dc, double[] dx, CellGrads g) {
            final int rin = recurrentIn();
            final double[] dhPrev = new double[rin];
            double[] dcPrev = null;
            switch (cell) {
                case "lstm" -> {
                    double[] dhTilde;
                    if (whr != null) { // h = W_hr · hTilde
                        dhTilde = new double[H];
                        for (int p = 0; p < Hout; p++) {
                            for (int j = 0; j < H; j++) {
                                g.whr[p * H + j] += dh[p] * s.hTilde[j];
                                dhTilde[j] += whr[p * H + j] * dh[p];
                            }
                        }
                    } else {
                        dhTilde = dh;
                    }
                    final double[] dPre = new double[4 * H];
                    dcPrev = new double[H];
                    for (int j = 0; j < H; j++) {
                        double i = s.gate[j];
                        double f = s.gate[H + j];
                        double gg = s.gate[2 * H + j];
                        double o = s.gate[3 * H + j];
                        double c = s.c[j];
                        double cPrev = s.cPrev[j];
                        // hTilde = o * h(c)
                        double dO = dhTilde[j] * ReferenceRnn.apply(acts[2], c);
                        double dC = dc[j] + dhTilde[j] * o * derivative(acts[2], c);
                        double dPreO = dO * actDerivative(acts[0], s.pre[3 * H + j]);
                        dC += dPreO * peep[2 * H + j]; // the o peephole reads the new c
                        g.peep[2 * H + j] += dPreO * c;
                        // c = f * cPrev + i * g
                        double dF = dC * cPrev;
                        double dI = dC * gg;
                        double dG = dC * i;
                        dcPrev[j] = dC * f;
                        double dPreF = 0.0;
                        if (inputForget) { // f = 1 - i
                            dI -= dF;
                        } else {
                            dPreF = dF * actDerivative(acts[0], s.pre[H + j]);
                            dcPrev[j] += dPreF * peep[H + j];
                            g.peep[H + j] += dPreF * cPrev;
                        }
                        double dPreI = dI * actDerivative(acts[0], s.pre[j]);
                        dcPrev[j] += dPreI * peep[j];
                        g.peep[j] += dPreI * cPrev;
                        double dPreG = dG * actDerivative(acts[1], s.pre[2 * H + j]);
                        dPre[j] = dPreI;
                        dPre[H + j] = dPreF;
                        dPre[2 * H + j] = dPreG;
                        dPre[3 * H + j] = dPreO;
                    }
                    affineBackward(dPre, s.x, wih, g.wih, g.bih, dx);
                    affineBackward(dPre, s.hPrev, whh, g.whh, g.bhh, dhPrev);
                }
                case "gru", "gru_reset_before" -> {
                    final double[] dPreIn = new double[3 * H];  // gradient of the input-side rows
                    final double[] dPreHid = new double[3 * H]; // gradient of W_hh·h + b_hh, per row
                    final double[] dR = new double[H];
                    for (int j = 0; j < H; j++) {
                        double z = s.gate[H + j];
                        double n = s.gate[2 * H + j];
                        // h = (1 - z) * n + z * hPrev
                        double dN = dh[j] * (1.0 - z);
                        double dZ = dh[j] * (s.hPrev[j] - n);
                        dhPrev[j] += dh[j] * z;
                        double dPreN = dN * actDerivative(acts[1], s.pre[2 * H + j]);
                        dPreIn[2 * H + j] = dPreN;
                        if (cell.equals("gru")) { // preN = ... + r * (W_hn h + b_hn)
                            dPreHid[2 * H + j] = dPreN * s.gate[j];
                            dR[j] = dPreN * s.hhN[j];
                        }
                        dPreIn[H + j] = dZ * actDerivative(acts[0], s.pre[H + j]);
                    }
                    if (cell.equals("gru_reset_before")) { // preN = ... + W_hn (r * hPrev) + b_hn
                        for (int j = 0; j < H; j++) {
                            double dPreN = dPreIn[2 * H + j];
                            int row = 2 * H + j;
                            g.bhh[row] += dPreN;
                            for (int m = 0; m < H; m++) {
                                g.whh[row * H + m] += dPreN * s.rh[m];
                                double dRh = whh[row * H + m] * dPreN;
                                dR[m] += dRh * s.hPrev[m];
                                dhPrev[m] += dRh * s.gate[m];
                            }
                        }
                    }
                    for (int j = 0; j < H; j++) {
                        dPreIn[j] = dR[j] * actDerivative(acts[0], s.pre[j]);
                        dPreHid[j] = dPreIn[j];
                        dPreHid[H + j] = dPreIn[H + j];
                    }
                    affineBackward(dPreIn, s.x, wih, g.wih, g.bih, dx);
                    int hidRows = cell.equals("gru") ? 3 * H : 2 * H; // reset-before's n rows done above
                    for (int row = 0; row < hidRows; row++) {
                        g.bhh[row] += dPreHid[row];
                        for (int m = 0; m < H; m++) {
                            g.whh[row * H + m] += dPreHid[row] * s.hPrev[m];
                            dhPrev[m] += whh[row * H + m] * dPreHid[row];
                        }
                    }
                }
                case "rnn_tanh", "rnn_relu" -> {
                    final double[] dPre = new double[H];
                    for (int j = 0; j < H; j++) {
                        dPre[j] = dh[j] * actDerivative(acts[0], s.pre[j]);
                    }
                    affineBackward(dPre, s.x, wih, g.wih, g.bih, dx);
                    affineBackward(dPre, s.hPrev, whh, g.whh, g.bhh, dhPrev);
                }
                case "jordan" -> {
                    final double[] dPreY = new double[O];
                    for (int o = 0; o < O; o++) {
                        dPreY[o] = dh[o] * derivative(acts[1], s.preY[o]);
                    }
                    final double[] dHid = new double[H];
                    affineBackward(dPreY, s.gate, who, g.who, g.bho, dHid);
                    final double[] dPre = new double[H];
                    for (int j = 0; j < H; j++) {
                        dPre[j] = dHid[j] * actDerivative(acts[0], s.pre[j]);
                    }
                    affineBackward(dPre, s.x, wih, g.wih, g.bih, dx);
                    affineBackward(dPre, s.hPrev, whh, g.whh, g.bhh, dhPrev);
                }
                default -> throw new IllegalStateException(cell);
            }
            return new double[][] {dhPrev, dcPrev};
        }

        /** The activation of a pre-activation, after the clip. */
        double act(Act a, double pre) {
            return ReferenceRnn.apply(a, clamp(pre));
        }

        /** d act(clamp(pre)) / d pre: zero where the clip holds the value. */
        double actDerivative(Act a, double pre) {
            if (!(pre > -clip && pre < clip)) {
                return 0.0;
            }
            return derivative(a, pre);
        }

        double clamp(double v) {
            return v > clip ? clip : (v < -clip ? -clip : v);
        }
    }

    /**
     * For {@code out = W·v + b} ({@code W} [rows, cols]): given dOut, adds dOut⊗v to dW, dOut to db
     * and Wᵀ·dOut to dv.
     */
    private static void affineBackward(double[] dOut, double[] v, double[] w, double[] dW, double[] db,
            double[] dv) {
        final int cols = v.length;
        for (int row = 0; row < dOut.length; row++) {
            db[row] += dOut[row];
            for (int m = 0; m < cols; m++) {
                dW[row * cols + m] += dOut[row] * v[m];
                dv[m] += w[row * cols + m] * dOut[row];
            }
        }
    }

    /** The derivative of {@link ReferenceRnn#apply} at x, from each function's definition. */
    public static double derivative(Act act, double x) {
        final double a = act.alpha();
        final double b = act.beta();
        switch (act.name().toLowerCase(Locale.ROOT)) {
            case "relu":
                return x > 0.0 ? 1.0 : 0.0;
            case "tanh": {
                double t = Math.tanh(x);
                return 1.0 - t * t;
            }
            case "sigmoid": {
                double s = 1.0 / (1.0 + Math.exp(-x));
                return s * (1.0 - s);
            }
            case "affine":
                return a;
            case "leakyrelu":
                return x >= 0.0 ? 1.0 : (Double.isNaN(a) ? 0.01 : a);
            case "thresholdedrelu":
                return x >= (Double.isNaN(a) ? 1.0 : a) ? 1.0 : 0.0;
            case "scaledtanh": {
                double t = Math.tanh(b * x);
                return a * b * (1.0 - t * t);
            }
            case "hardsigmoid": {
                double slope = Double.isNaN(a) ? 0.2 : a;
                double v = slope * x + (Double.isNaN(b) ? 0.5 : b);
                return v > 0.0 && v < 1.0 ? slope : 0.0;
            }
            case "elu":
                return x >= 0.0 ? 1.0 : (Double.isNaN(a) ? 1.0 : a) * Math.exp(x);
            case "softsign": {
                double d = 1.0 + Math.abs(x);
                return 1.0 / (d * d);
            }
            case "softplus":
                return 1.0 / (1.0 + Math.exp(-x));
            default:
                throw new IllegalArgumentException("unknown activation '" + act.name() + "'");
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Small helpers
    // ------------------------------------------------------------------------------------------------

    private static double dot(double[] m, int row, int cols, double[] v) {
        double s = 0.0;
        for (int k = 0; k < cols; k++) {
            s += m[row * cols + k] * v[k];
        }
        return s;
    }

    /** A copy of a[off, off+n), or zeros when a is null. */
    private static double[] slice(double[] a, int off, int n) {
        double[] out = new double[n];
        if (a != null) {
            System.arraycopy(a, off, out, 0, n);
        }
        return out;
    }

    private static double[] orZeros(double[] a, int n) {
        return a != null ? a : new double[n];
    }

    private static void check(String what, double[] v, long expected) {
        if (v == null || v.length != expected) {
            throw new IllegalArgumentException(what + " has " + (v == null ? "null" : v.length + " values")
                    + ", expected " + expected);
        }
    }
}
