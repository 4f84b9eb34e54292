package org.rnn4j;

/**
 * What a sequence call returns, shaped as PyTorch returns it.
 *
 * @param output [T, B, D·Hout], or [B, T, D·Hout] for batch-first input; zero past each row's length
 * @param hN final hidden state [L·D, B, Hout] (never batch-first, as in PyTorch)
 * @param cN final cell state [L·D, B, H] for LSTM, else null
 */
public record ForwardResult(FloatTensor output, FloatTensor hN, FloatTensor cN) {
}
