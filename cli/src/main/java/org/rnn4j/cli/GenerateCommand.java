package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.State;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.spi.Backend;
import org.rnn4j.text.Sampler;
import org.rnn4j.text.Vocabulary;
import org.rnn4j.train.LinearHead;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j generate}: samples text from a train-char model, one character at a time (streaming API). */
@Command(name = "generate", description = "Sample text from a model trained by train-char, streaming it as it is drawn.")
final class GenerateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, description = "A train-char model (.safetensors).")
  Path model;

  @Option(names = "--prime", defaultValue = "", description = "Text to start from (default: a newline).")
  String prime;

  @Option(names = "--length", defaultValue = "500", description = "Characters to generate (default: ${DEFAULT-VALUE}).")
  int length;

  @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
  float temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "Sample among the k likeliest characters; 0 = all.")
  int topK;

  @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @picocli.CommandLine.Mixin
  Backends backend;

  @Override
  public Integer call() throws Exception {
    if (length < 0) {
      throw new IllegalArgumentException("--length must be >= 0, got " + length);
    }
    Backend b = backend.choose();
    CharModel cm = CharModel.load(model, b);
    try (Model m = cm.model()) {
      Sampler sampler = new Sampler(temperature, topK, seed);
      PrintWriter out = spec.commandLine().getOut();
      State state = m.newState(1);
      float[] logits = new float[cm.vocab().size()];
      String start = prime.isEmpty() ? (cm.vocab().contains('\n') ? "\n" : cm.vocab().toString().substring(0, 1))
          : prime;
      int[] ids = cm.vocab().encode(start);
      out.print(prime);
      for (int id : ids) {
        cm.stepLogits(state, id, logits);
      }
      for (int i = 0; i < length; i++) {
        int next = sampler.sample(logits, 0, logits.length);
        out.print(new String(Character.toChars(cm.vocab().codePoint(next))));
        if (i % 16 == 15) {
          out.flush();
        }
        cm.stepLogits(state, next, logits);
      }
      out.println();
      out.flush();
    }
    return 0;
  }

  /** A train-char model: the recurrent model, its softmax head and its vocabulary. */
  record CharModel(Model model, float[] headWeight, float[] headBias, Vocabulary vocab, float[] x, float[] y) {
    static CharModel load(Path file, Backend backend) throws Exception {
      return load(file, backend, org.rnn4j.Precision.defaultPrecision());
    }

    static CharModel load(Path file, Backend backend, org.rnn4j.Precision precision) throws Exception {
      Vocabulary vocab;
      float[] w;
      float[] bias;
      try (SafetensorsReader r = SafetensorsReader.open(file)) {
        String v = r.metadata().get(Vocabulary.METADATA_KEY);
        if (v == null || !r.contains(LinearHead.WEIGHT) || !r.contains(LinearHead.BIAS)) {
          throw new IllegalArgumentException(file + " is not a train-char model (needs " + Vocabulary.METADATA_KEY
              + " metadata and " + LinearHead.WEIGHT + "/" + LinearHead.BIAS + " tensors)");
        }
        vocab = Vocabulary.parse(v);
        w = r.readFloats(LinearHead.WEIGHT);
        bias = r.readFloats(LinearHead.BIAS);
      }
      Model m = Model.load(file, backend, precision);
      ModelSpec s = m.spec();
      if (s.inputSize() != vocab.size() || bias.length != vocab.size() || w.length != vocab.size() * s.outputWidth()
          || s.bidirectional()) {
        m.close();
        throw new IllegalArgumentException(file + ": model " + s + " does not match its vocabulary of " + vocab.size()
            + " characters and head");
      }
      return new CharModel(m, w, bias, vocab, new float[vocab.size()], new float[s.outputWidth()]);
    }

    /** Feeds one character and writes the logits of the next into {@code logits}. */
    void stepLogits(State state, int id, float[] logits) {
      java.util.Arrays.fill(x, 0f);
      x[id] = 1f;
      model.step(state, x, y);
      int f = y.length;
      for (int c = 0; c < logits.length; c++) {
        float s = headBias[c];
        for (int j = 0; j < f; j++) {
          s += headWeight[c * f + j] * y[j];
        }
        logits[c] = s;
      }
    }
  }
}
