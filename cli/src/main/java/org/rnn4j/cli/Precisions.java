package org.rnn4j.cli;

import org.rnn4j.Precision;

/** The {@code --precision} option (a picocli mixin) of run, serve and the evaluation commands. */
final class Precisions {
  @picocli.CommandLine.Option(names = "--precision", paramLabel = "fp32|bf16",
      description = "Weight precision: fp32, or bf16 (W_ih, W_hh, W_hr rounded to bfloat16 at load; biases, states "
          + "and sums stay fp32). Default: -Drnn4j.precision, else fp32.")
  String name;

  /** The chosen precision: the option, else the property default. */
  Precision choose() {
    return name == null ? Precision.defaultPrecision() : Precision.parse(name);
  }
}
