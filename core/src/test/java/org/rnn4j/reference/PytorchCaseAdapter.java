package org.rnn4j.reference;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.rnn4j.reference.ReferenceRnn.Config;
import org.rnn4j.reference.SharedVectors.Loaded;
import org.rnn4j.reference.SharedVectors.Tensor;

/**
 * Reads a {@code conformance/pytorch/<case>/} folder (see {@code conformance/PYTORCH-CASES.md}) into
 * an oracle configuration, weights and inputs, inferring the configuration from the tensor names and
 * shapes (gate multiple 4/3/1, layers, directions, projection) and the {@code rnn4j.cell} metadata.
 */
public final class PytorchCaseAdapter {

    private PytorchCaseAdapter() {}

    /** Tolerance of these vectors: |out - expected| &le; ATOL + RTOL·|expected|. */
    public static final double ATOL = 2e-5;
    public static final double RTOL = 2e-4;

    /** A loaded case; expected tensors are null when the file lacks them (c_n for non-LSTM). */
    public record PytorchCase(String name, Config config, Map<String, double[]> weights, double[] x, int T, int B,
            int[] lengths, double[] h0, double[] c0, double[] expectedY, double[] expectedHn, double[] expectedCn) {}

    private static final Pattern PARAM =
            Pattern.compile("^(.*?)((?:weight|bias)_(?:ih|hh|hr)_l(\\d+)(_reverse)?)$");

    public static PytorchCase load(Path caseDir) {
        Loaded model = SharedVectors.load(caseDir.resolve("model.safetensors"));
        Loaded input = SharedVectors.load(caseDir.resolve("input.safetensors"));
        Loaded expected = SharedVectors.load(caseDir.resolve("expected.safetensors"));

        // 1. Find the common prefix from weight_ih_l0, keep only the recurrent parameters under it.
        String prefix = null;
        for (String name : model.tensors().keySet()) {
            if (name.endsWith("weight_ih_l0")) {
                String p = name.substring(0, name.length() - "weight_ih_l0".length());
                if (prefix != null && !prefix.equals(p)) {
                    throw new IllegalArgumentException(caseDir + ": several RNN modules ('" + prefix + "', '" + p + "')");
                }
                prefix = p;
            }
        }
        if (prefix == null) {
            throw new IllegalArgumentException(caseDir + ": no weight_ih_l0 tensor in model.safetensors");
        }
        Map<String, Tensor> params = new LinkedHashMap<>();
        int maxLayer = -1;
        boolean reverse = false;
        for (Map.Entry<String, Tensor> e : model.tensors().entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                continue;
            }
            Matcher m = PARAM.matcher(e.getKey().substring(prefix.length()));
            if (!m.matches() || !m.group(1).isEmpty()) {
                continue; // unrelated tensor (e.g. a head)
            }
            params.put(m.group(2), e.getValue());
            maxLayer = Math.max(maxLayer, Integer.parseInt(m.group(3)));
            reverse |= m.group(4) != null;
        }
        final int L = maxLayer + 1;
        final boolean bidi = reverse;

        // 2. Sizes and cell.
        Tensor wih = params.get("weight_ih_l0");
        Tensor whh = params.get("weight_hh_l0");
        if (whh == null) {
            throw new IllegalArgumentException(caseDir + ": no weight_hh_l0");
        }
        int I = wih.dim(1);
        int rows = wih.dim(0);
        int P = 0;
        int H;
        Tensor whr = params.get("weight_hr_l0");
        if (whr != null) {
            P = whr.dim(0);
            H = whr.dim(1);
        } else {
            H = whh.dim(1);
        }
        if (rows % H != 0) {
            throw new IllegalArgumentException(caseDir + ": weight_ih_l0 rows " + rows + " are not a multiple of H=" + H);
        }
        int G = rows / H;
        String meta = model.metadata().get("rnn4j.cell");
        String cell = switch (G) {
            case 4 -> "lstm";
            case 3 -> "gru";
            case 1 -> "rnn_tanh";
            default -> throw new IllegalArgumentException(caseDir + ": gate multiple " + G + " is not 4, 3 or 1");
        };
        if (meta != null) {
            boolean consistent = switch (meta) {
                case "lstm" -> G == 4;
                case "gru", "gru_reset_before" -> G == 3;
                case "rnn_tanh", "rnn_relu" -> G == 1;
                default -> false;
            };
            if (!consistent) {
                throw new IllegalArgumentException(caseDir + ": metadata rnn4j.cell=" + meta
                        + " does not match the gate multiple " + G);
            }
            cell = meta;
        }
        if (P > 0 && !cell.equals("lstm")) {
            throw new IllegalArgumentException(caseDir + ": weight_hr_l0 on a " + cell);
        }
        Config cfg = new Config(cell, I, H, P, 0, L, bidi, false, Double.POSITIVE_INFINITY, false, null);

        Map<String, double[]> weights = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            weights.put(e.getKey(), e.getValue().values());
        }

        // 3. Inputs.
        Tensor x = input.require("x");
        if (x.rank() != 3 || x.dim(2) != I) {
            throw new IllegalArgumentException(caseDir + ": x has shape " + x.shapeString() + ", expected [T, B, " + I + "]");
        }
        int T = x.dim(0);
        int B = x.dim(1);
        int[] lengths = null;
        Tensor len = input.get("lengths");
        if (len != null) {
            lengths = new int[B];
            for (int b = 0; b < B; b++) {
                lengths[b] = Math.toIntExact(len.ints()[b]);
            }
        }
        Tensor h0 = input.get("h0");
        Tensor c0 = input.get("c0");
        Tensor y = expected.get("y");
        Tensor hn = expected.get("h_n");
        Tensor cn = expected.get("c_n");
        return new PytorchCase(caseDir.getFileName().toString(), cfg, weights, x.values(), T, B, lengths,
                h0 == null ? null : h0.values(), c0 == null ? null : c0.values(),
                y == null ? null : y.values(), hn == null ? null : hn.values(), cn == null ? null : cn.values());
    }
}
