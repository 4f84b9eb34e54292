package org.rnn4j;

import java.util.Map;

/**
 * The result of {@link Model#vjp}: gradients of L = Σ y·dy + Σ h_n·dh_n + Σ c_n·dc_n, what
 * {@code torch.autograd.grad} returns for those upstream gradients.
 *
 * @param dx shaped like the input x (seq- or batch-first); zero at padding
 * @param dh0 [L·D, B, Hout] (zero-state gradients when no h0 was given)
 * @param dc0 [L·D, B, H] for LSTM, else null
 * @param parameters one gradient per parameter, keyed by its PyTorch name, in canonical order
 */
public record Gradients(FloatTensor dx, FloatTensor dh0, FloatTensor dc0, Map<String, FloatTensor> parameters) {
}
