package org.rnn4j.reference;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.rnn4j.reference.ReferenceRnn.Act;
import org.rnn4j.reference.ReferenceRnn.Config;
import org.rnn4j.reference.ReferenceRnn.Result;
import org.rnn4j.reference.SharedVectors.Loaded;
import org.rnn4j.reference.SharedVectors.Tensor;

/**
 * Maps an ONNX LSTM / GRU / RNN node (one {@code case.safetensors} of {@code conformance/onnx-node}
 * or {@code conformance/onnx-extra}) onto {@link ReferenceRnn}, following
 * {@code conformance/ONNX-RNN-SEMANTICS.md}:
 *
 * <ul>
 *   <li>W/R/B gate blocks: LSTM ONNX i,o,f,c -&gt; PyTorch i,f,g,o; GRU z,r,h -&gt; r,z,n; RNN one
 *       block. B = [Wb, Rb] -&gt; bias_ih, bias_hh. P (i,o,f) -&gt; weight_peep (i,f,o).</li>
 *   <li>GRU linear_before_reset 0 -&gt; {@code gru_reset_before}, otherwise {@code gru}. RNN -&gt;
 *       {@code rnn_tanh} with the node's activation list.</li>
 *   <li>activations: one list for the node, forward functions then reverse; alpha/beta values are
 *       consumed in order, only by functions that take them (alpha: Affine, LeakyRelu,
 *       ThresholdedRelu, ScaledTanh, HardSigmoid, Elu; beta: Affine, ScaledTanh, HardSigmoid); a
 *       function left without a value gets the spec default (NaN in {@link Act}).</li>
 *   <li>layout 1 moves the batch axis of X, initial_h/c, Y, Y_h, Y_c. Y [S, D, N, H] (layout 0) or
 *       [N, S, D, H] (layout 1) becomes the oracle's [S, N, D·H]; Y_h/Y_c become [D, N, H].</li>
 * </ul>
 */
public final class OnnxCaseAdapter {

    private OnnxCaseAdapter() {}

    /** Tolerance of these vectors: |out - expected| &le; ATOL + RTOL·|expected|. */
    public static final double ATOL = 1e-5;
    public static final double RTOL = 1e-4;

    /**
     * A case in oracle terms. x is [S, N, I]; h0/c0 [D, N, H]; expected outputs in oracle layout
     * (Y [S, N, D·H], Y_h and Y_c [D, N, H]), null when the node did not request them.
     */
    public record OnnxCase(String name, String op, int layout, int S, int N, int I, int H, int D,
            boolean reverseOnly, Config config, Map<String, double[]> weights, double[] x, int[] lengths, double[] h0,
            double[] c0, double[] expectedY, double[] expectedYh, double[] expectedYc) {

        /**
         * The oracle's result for {@link #config()} seen with the node's D: unchanged, except for
         * direction=reverse, whose single direction the oracle runs as the reverse half of a
         * bidirectional layer (with an all-zero forward half), which this drops.
         */
        public Result toOnnxDirections(Result r) {
            if (!reverseOnly) {
                return r;
            }
            return new Result(reverseHalfOfY(r.y(), S, N, H), r.hN() == null ? null : slot(r.hN(), 1, N, H),
                    r.cN() == null ? null : slot(r.cN(), 1, N, H));
        }
    }

    /** Positional input slots of the three operators. */
    private static final List<String> INPUT_SLOTS =
            List.of("X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P");
    private static final List<String> OUTPUT_SLOTS = List.of("Y", "Y_h", "Y_c");

    /** Reads one {@code case.safetensors} and maps it. */
    public static OnnxCase load(Path caseFile) {
        Loaded f = SharedVectors.load(caseFile);
        Map<String, String> meta = f.metadata();
        String op = need(meta, "onnx.op", caseFile);
        int H = Integer.parseInt(need(meta, "onnx.hidden_size", caseFile));
        String direction = meta.getOrDefault("onnx.direction", "forward");
        int layout = Integer.parseInt(meta.getOrDefault("onnx.layout", "0"));
        int D = direction.equals("bidirectional") ? 2 : 1;

        Map<String, Tensor> in = bySlot(f, meta.get("onnx.node_inputs"), INPUT_SLOTS, caseFile);
        Map<String, Tensor> out = bySlot(f, meta.get("onnx.node_outputs"), OUTPUT_SLOTS, caseFile);

        Tensor X = in.get("X");
        Tensor W = in.get("W");
        Tensor R = in.get("R");
        if (X == null || W == null || R == null) {
            throw new IllegalArgumentException(caseFile + ": X, W and R are required");
        }
        int S = layout == 0 ? X.dim(0) : X.dim(1);
        int N = layout == 0 ? X.dim(1) : X.dim(0);
        int I = X.dim(2);
        int G = gates(op);
        check(W.rank() == 3 && W.dim(0) == D && W.dim(1) == G * H && W.dim(2) == I, "W", W, caseFile);
        check(R.rank() == 3 && R.dim(0) == D && R.dim(1) == G * H && R.dim(2) == H, "R", R, caseFile);

        Tensor Bt = in.get("B");
        Tensor P = in.get("P");
        Map<String, double[]> weights = weights(op, D, H, I, W.values(), R.values(),
                Bt == null ? null : Bt.values(), P == null ? null : P.values());

        int perDir = switch (op) {
            case "LSTM" -> 3;
            case "GRU" -> 2;
            default -> 1;
        };
        List<List<Act>> acts = activations(meta.getOrDefault("onnx.activations", defaultActivations(op, D)),
                parseList(meta.get("onnx.activation_alpha")), parseList(meta.get("onnx.activation_beta")), perDir, D);
        double clip = meta.containsKey("onnx.clip") ? Double.parseDouble(meta.get("onnx.clip"))
                : Double.POSITIVE_INFINITY;
        boolean inputForget = op.equals("LSTM") && !meta.getOrDefault("onnx.input_forget", "0").equals("0");
        String cell = switch (op) {
            case "LSTM" -> "lstm";
            case "GRU" -> meta.getOrDefault("onnx.linear_before_reset", "0").equals("0") ? "gru_reset_before" : "gru";
            case "RNN" -> "rnn_tanh"; // the activation list decides the function
            default -> throw new IllegalArgumentException(caseFile + ": unknown op " + op);
        };
        // direction=reverse has no oracle counterpart of its own: run it as the reverse half of a
        // bidirectional layer whose forward half has all-zero weights (and is dropped afterwards).
        boolean reverseOnly = direction.equals("reverse");
        if (!reverseOnly && !direction.equals("forward") && !direction.equals("bidirectional")) {
            throw new IllegalArgumentException(caseFile + ": unknown direction " + direction);
        }
        if (reverseOnly) {
            weights = asReverseHalf(weights);
            acts = List.of(acts.get(0), acts.get(0));
        }
        Config cfg = new Config(cell, I, H, 0, 0, 1, D == 2 || reverseOnly, false, clip, inputForget, acts);

        int[] lengths = null;
        Tensor sl = in.get("sequence_lens");
        if (sl != null) {
            lengths = new int[N];
            for (int b = 0; b < N; b++) {
                lengths[b] = Math.toIntExact(sl.ints()[b]);
            }
        }
        double[] x = xToOracle(X.values(), layout, S, N, I);
        Tensor h0 = in.get("initial_h");
        Tensor c0 = in.get("initial_c");
        Tensor Y = out.get("Y");
        Tensor Yh = out.get("Y_h");
        Tensor Yc = out.get("Y_c");
        double[] h0v = h0 == null ? null : stateToOracle(h0.values(), layout, D, N, H);
        double[] c0v = c0 == null ? null : stateToOracle(c0.values(), layout, D, N, H);
        if (reverseOnly) {
            h0v = h0v == null ? null : zerosThen(h0v);
            c0v = c0v == null ? null : zerosThen(c0v);
        }
        return new OnnxCase(meta.getOrDefault("onnx.case", caseFile.getParent().getFileName().toString()), op, layout,
                S, N, I, H, D, reverseOnly, cfg, weights, x, lengths, h0v, c0v,
                Y == null ? null : yToOracle(Y.values(), layout, S, D, N, H),
                Yh == null ? null : stateToOracle(Yh.values(), layout, D, N, H),
                Yc == null ? null : stateToOracle(Yc.values(), layout, D, N, H));
    }

    // ------------------------------------------------------------------------------------------------
    // Pure mappings (no I/O), reusable on their own
    // ------------------------------------------------------------------------------------------------

    public static int gates(String op) {
        return switch (op) {
            case "LSTM" -> 4;
            case "GRU" -> 3;
            case "RNN" -> 1;
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    /**
     * For each PyTorch gate block (in PyTorch order), the ONNX block it comes from: LSTM PyTorch
     * i,f,g,o from ONNX i,o,f,c = {0, 2, 3, 1}; GRU PyTorch r,z,n from ONNX z,r,h = {1, 0, 2}.
     */
    public static int[] pytorchFromOnnxBlocks(String op) {
        return switch (op) {
            case "LSTM" -> new int[] {0, 2, 3, 1};
            case "GRU" -> new int[] {1, 0, 2};
            case "RNN" -> new int[] {0};
            default -> throw new IllegalArgumentException("unknown op " + op);
        };
    }

    /**
     * ONNX W [D, G·H, I], R [D, G·H, H], B [D, 2·G·H] (or null), P [D, 3·H] (LSTM, or null) -&gt; oracle
     * weights with PyTorch names for one layer.
     */
    public static Map<String, double[]> weights(String op, int D, int H, int I, double[] W, double[] R, double[] B,
            double[] P) {
        int G = gates(op);
        int[] perm = pytorchFromOnnxBlocks(op);
        Map<String, double[]> w = new LinkedHashMap<>();
        for (int d = 0; d < D; d++) {
            String sfx = "_l0" + (d == 1 ? "_reverse" : "");
            w.put("weight_ih" + sfx, permuteBlocks(W, d * G * H * I, perm, H * I));
            w.put("weight_hh" + sfx, permuteBlocks(R, d * G * H * H, perm, H * H));
            if (B != null) {
                w.put("bias_ih" + sfx, permuteBlocks(B, d * 2 * G * H, perm, H));
                w.put("bias_hh" + sfx, permuteBlocks(B, d * 2 * G * H + G * H, perm, H));
            }
            if (P != null) {
                if (!op.equals("LSTM")) {
                    throw new IllegalArgumentException("P is only valid for LSTM");
                }
                // ONNX P blocks i, o, f -> oracle peephole blocks i, f, o
                w.put("weight_peep" + sfx, permuteBlocks(P, d * 3 * H, new int[] {0, 2, 1}, H));
            }
        }
        return w;
    }

    /** out block k = src block perm[k], blocks of {@code blockSize} values starting at {@code offset}. */
    private static double[] permuteBlocks(double[] src, int offset, int[] perm, int blockSize) {
        double[] out = new double[perm.length * blockSize];
        for (int k = 0; k < perm.length; k++) {
            for (int e = 0; e < blockSize; e++) {
                out[k * blockSize + e] = src[offset + perm[k] * blockSize + e];
            }
        }
        return out;
    }

    private static String defaultActivations(String op, int D) {
        String one = switch (op) {
            case "LSTM" -> "Sigmoid,Tanh,Tanh";
            case "GRU" -> "Sigmoid,Tanh";
            default -> "Tanh";
        };
        return D == 2 ? one + "," + one : one;
    }

    private static boolean takesAlpha(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "affine", "leakyrelu", "thresholdedrelu", "scaledtanh", "hardsigmoid", "elu" -> true;
            default -> false;
        };
    }

    private static boolean takesBeta(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "affine", "scaledtanh", "hardsigmoid" -> true;
            default -> false;
        };
    }

    /**
     * The node's comma-separated activation list (forward functions, then reverse) with its
     * activation_alpha / activation_beta lists, consumed in order by the functions that use them;
     * missing values stay NaN (= spec default in the oracle). Only the first perDirection·D functions
     * are used (the RNN schema default lists two even for one direction).
     */
    public static List<List<Act>> activations(String names, double[] alphas, double[] betas, int perDirection,
            int D) {
        String[] fns = names.split(",");
        if (fns.length < perDirection * D) {
            throw new IllegalArgumentException("activations '" + names + "' has " + fns.length + " functions, need "
                    + perDirection * D);
        }
        int ai = 0;
        int bi = 0;
        List<List<Act>> out = new ArrayList<>();
        for (int d = 0; d < D; d++) {
            List<Act> list = new ArrayList<>();
            for (int k = 0; k < perDirection; k++) {
                String fn = fns[d * perDirection + k].trim();
                double a = Double.NaN;
                double b = Double.NaN;
                if (takesAlpha(fn) && alphas != null && ai < alphas.length) {
                    a = alphas[ai++];
                }
                if (takesBeta(fn) && betas != null && bi < betas.length) {
                    b = betas[bi++];
                }
                list.add(new Act(fn, a, b));
            }
            out.add(List.copyOf(list));
        }
        return List.copyOf(out);
    }

    private static double[] parseList(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        String[] parts = s.split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Double.parseDouble(parts[i].trim());
        }
        return v;
    }

    /** X [S, N, I] (layout 0) or [N, S, I] (layout 1) -&gt; [S, N, I]. */
    public static double[] xToOracle(double[] x, int layout, int S, int N, int I) {
        if (layout == 0) {
            return x.clone();
        }
        double[] out = new double[S * N * I];
        for (int s = 0; s < S; s++) {
            for (int n = 0; n < N; n++) {
                for (int i = 0; i < I; i++) {
                    out[(s * N + n) * I + i] = x[(n * S + s) * I + i];
                }
            }
        }
        return out;
    }

    /** initial_h/c, Y_h, Y_c: [D, N, H] (layout 0) or [N, D, H] (layout 1) -&gt; [D, N, H]. */
    public static double[] stateToOracle(double[] v, int layout, int D, int N, int H) {
        if (layout == 0) {
            return v.clone();
        }
        double[] out = new double[D * N * H];
        for (int d = 0; d < D; d++) {
            for (int n = 0; n < N; n++) {
                for (int h = 0; h < H; h++) {
                    out[(d * N + n) * H + h] = v[(n * D + d) * H + h];
                }
            }
        }
        return out;
    }

    /** Y [S, D, N, H] (layout 0) or [N, S, D, H] (layout 1) -&gt; the oracle's [S, N, D·H]. */
    public static double[] yToOracle(double[] y, int layout, int S, int D, int N, int H) {
        double[] out = new double[S * N * D * H];
        for (int s = 0; s < S; s++) {
            for (int d = 0; d < D; d++) {
                for (int n = 0; n < N; n++) {
                    for (int h = 0; h < H; h++) {
                        int src = layout == 0 ? ((s * D + d) * N + n) * H + h : ((n * S + s) * D + d) * H + h;
                        out[(s * N + n) * (D * H) + d * H + h] = y[src];
                    }
                }
            }
        }
        return out;
    }

    /** Layer-0 forward weights moved to the reverse slot; the forward slot gets zeros of the same shapes. */
    static Map<String, double[]> asReverseHalf(Map<String, double[]> fwd) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : fwd.entrySet()) {
            out.put(e.getKey(), new double[e.getValue().length]);
            out.put(e.getKey() + "_reverse", e.getValue());
        }
        return out;
    }

    /** [1, N, H] -> [2, N, H] with a zero first slot. */
    private static double[] zerosThen(double[] v) {
        double[] out = new double[2 * v.length];
        System.arraycopy(v, 0, out, v.length, v.length);
        return out;
    }

    /** [S, N, 2H] -> its reverse half [S, N, H]. */
    static double[] reverseHalfOfY(double[] y, int S, int N, int H) {
        double[] out = new double[S * N * H];
        for (int s = 0; s < S; s++) {
            for (int n = 0; n < N; n++) {
                for (int h = 0; h < H; h++) {
                    out[(s * N + n) * H + h] = y[(s * N + n) * 2 * H + H + h];
                }
            }
        }
        return out;
    }

    /** Slot k of a [slots, N, H] tensor. */
    static double[] slot(double[] v, int k, int N, int H) {
        double[] out = new double[N * H];
        System.arraycopy(v, k * N * H, out, 0, N * H);
        return out;
    }

    // ------------------------------------------------------------------------------------------------

    /** Graph tensors by operator slot name, using the node's positional input/output list. */
    private static Map<String, Tensor> bySlot(Loaded f, String nodeList, List<String> slots, Path file) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        if (nodeList == null) {
            // no list: assume tensors named after the slots
            for (String s : slots) {
                if (f.get(s) != null) {
                    m.put(s, f.get(s));
                }
            }
            return m;
        }
        String[] names = nodeList.split(",", -1);
        if (names.length > slots.size()) {
            throw new IllegalArgumentException(file + ": node list '" + nodeList + "' has too many entries");
        }
        for (int i = 0; i < names.length; i++) {
            String n = names[i].trim();
            if (!n.isEmpty()) {
                m.put(slots.get(i), f.require(n));
            }
        }
        return m;
    }

    private static String need(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": metadata key " + key + " missing");
        }
        return v;
    }

    private static void check(boolean ok, String what, Tensor t, Path file) {
        if (!ok) {
            throw new IllegalArgumentException(file + ": " + what + " has unexpected shape " + t.shapeString());
        }
    }
}
