package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rnn4j.Precision;
import org.rnn4j.State;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code rnn4j eval-char}: validation bits per character of a {@code train-char} model, in a chosen
 * precision, and with {@code --compare-fp32} how often its most likely next character is the fp32
 * model's.
 */
@Command(name = "eval-char", description = {
    "Evaluate a train-char model on the validation part of its text (the last 10%, as train-char splits it):",
    "bits per character, one character at a time (streaming, batch 1). With --precision bf16 --compare-fp32,",
    "runs the fp32 model in lockstep and reports both bpc and the share of steps whose argmax next character agrees."})
final class EvalCharCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, description = "A train-char model (.safetensors).")
  Path model;

  @Option(names = "--text", description = "The text it was trained on (default: the bundled rnn4j sources).")
  Path text;

  @Option(names = "--val-chars", defaultValue = "20000", description = "Validation characters to evaluate, from the "
      + "start of the validation part; 0 = all (default: ${DEFAULT-VALUE}).")
  int valChars;

  @Option(names = "--compare-fp32", description = "Also run the model in fp32 and compare (needs --precision bf16).")
  boolean compareFp32;

  @picocli.CommandLine.Mixin
  Backends backend;

  @picocli.CommandLine.Mixin
  Precisions precision;

  @Override
  public Integer call() throws Exception {
    Backend b = backend.choose();
    Precision prec = precision.choose();
    if (compareFp32 && prec == Precision.FP32) {
      throw new IllegalArgumentException("--compare-fp32 compares a reduced precision with fp32: add --precision bf16");
    }
    if (valChars < 0) {
      throw new IllegalArgumentException("--val-chars must be ≥ 0, got " + valChars);
    }
    GenerateCommand.CharModel cm = GenerateCommand.CharModel.load(model, b, prec);
    GenerateCommand.CharModel ref = compareFp32 ? GenerateCommand.CharModel.load(model, b, Precision.FP32) : null;
    try {
      CharCorpus corpus = new CharCorpus(CharCorpus.read(text), cm.vocab(), 0.1);
      int[] ids = corpus.validation;
      int n = valChars == 0 ? ids.length - 1 : Math.min(valChars, ids.length - 1);
      int v = cm.vocab().size();
      float[] logits = new float[v];
      float[] refLogits = new float[v];
      State s = cm.model().newState(1);
      State rs = ref == null ? null : ref.model().newState(1);
      double bits = 0;
      double refBits = 0;
      long agree = 0;
      double maxAbs = 0;
      for (int t = 0; t < n; t++) {
        cm.stepLogits(s, ids[t], logits);
        bits += nll(logits, ids[t + 1]);
        if (ref != null) {
          ref.stepLogits(rs, ids[t], refLogits);
          refBits += nll(refLogits, ids[t + 1]);
          if (argmax(logits) == argmax(refLogits)) {
            agree++;
          }
          for (int c = 0; c < v; c++) {
            maxAbs = Math.max(maxAbs, Math.abs((double) logits[c] - refLogits[c]));
          }
        }
      }
      PrintWriter pw = spec.commandLine().getOut();
      pw.printf("eval-char: %s on %s, %,d validation characters (streaming, batch 1)%n", cm.model().spec(), b.name(), n);
      if (ref != null) {
        pw.printf("  fp32  %.4f bits per character%n", refBits / n);
      }
      pw.printf("  %-5s %.4f bits per character%s%n", prec.id(), bits / n,
          ref == null ? "" : String.format(" (%+.4f vs fp32)", (bits - refBits) / n));
      if (ref != null) {
        pw.printf("  most likely next character agrees with fp32 on %.3f%% of steps (%,d of %,d)%n", 100.0 * agree / n,
            agree, n);
        pw.printf("  logits: max abs deviation from fp32 %.3e%n", maxAbs);
      }
      pw.flush();
    } finally {
      cm.model().close();
      if (ref != null) {
        ref.model().close();
      }
    }
    return 0;
  }

  /** −log2 softmax(logits)[target], computed stably. */
  static double nll(float[] logits, int target) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    return (Math.log(sum) + max - logits[target]) / Math.log(2);
  }

  static int argmax(float[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) {
      if (a[i] > a[best]) {
        best = i;
      }
    }
    return best;
  }
}
