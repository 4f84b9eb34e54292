package org.rnn4j.serving;

/**
 * What one sequence submitted to a {@link BatchingExecutor} gets back: that sequence alone, as if
 * it had been run with batch size 1.
 *
 * @param output [T, D·Hout], row-major
 * @param hN final hidden state [L·D, Hout]
 * @param cN final cell state [L·D, H] (LSTM), else null
 * @param steps T
 * @param width D·Hout
 */
public record SequenceResult(float[] output, float[] hN, float[] cN, int steps, int width) {
}
