package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import org.rnn4j.CellType;
import org.rnn4j.Dropout;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.spi.Backend;
import org.rnn4j.text.Vocabulary;
import org.rnn4j.train.Initializers;
import org.rnn4j.train.LearningRateSchedule;
import org.rnn4j.train.Optimizer;
import org.rnn4j.train.Targets;
import org.rnn4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j train-char}: a character-level language model trained by truncated BPTT. */
@Command(name = "train-char", description = {
    "Train a character-level LSTM/GRU language model (softmax head, truncated BPTT).",
    "Without --text it trains on rnn4j's own Java sources, bundled at build time.",
    "Saves MODEL.safetensors (+ .optim.safetensors) at intervals, at the end and on Ctrl-C,",
    "and the loss curve as MODEL.loss.svg."})
final class TrainCharCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--text", description = "UTF-8 text to train on (default: the bundled rnn4j sources).")
  Path text;

  @Option(names = "--out", required = true, description = "Model file to write (.safetensors).")
  Path out;

  @Option(names = "--hidden", defaultValue = "256", description = "Hidden units per layer (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--layers", defaultValue = "2", description = "Stacked layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--cell", defaultValue = "lstm", description = "lstm or gru (default: ${DEFAULT-VALUE}).")
  String cell;

  @Option(names = "--seq", defaultValue = "100", description = "Characters per BPTT window (default: ${DEFAULT-VALUE}).")
  int seq;

  @Option(names = "--batch", defaultValue = "32", description = "Parallel streams (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--steps", defaultValue = "2000", description = "Training steps in total (default: ${DEFAULT-VALUE}).")
  long steps;

  @Option(names = "--minutes", defaultValue = "0", description = "Stop (and save) after this many minutes; 0 = no limit.")
  double minutes;

  @Option(names = "--lr", defaultValue = "0.005", description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--clip", defaultValue = "5", description = "Global gradient-norm clip; 0 = none (default: ${DEFAULT-VALUE}).")
  double clip;

  @Option(names = "--dropout", defaultValue = "0", description = "Dropout between layers (default: ${DEFAULT-VALUE}).")
  float dropout;

  @Option(names = "--seed", defaultValue = "1", description = "Seed for weights, dropout (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--eval-every", defaultValue = "100", description = "Steps between validation runs (default: ${DEFAULT-VALUE}).")
  int evalEvery;

  @Option(names = "--save-every", defaultValue = "200", description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
  int saveEvery;

  @Option(names = "--val-chars", defaultValue = "20000", description = "Validation characters per evaluation (default: ${DEFAULT-VALUE}).")
  int valChars;

  @Option(names = "--resume", description = "Continue from --out and its optimizer file.")
  boolean resume;

  @picocli.CommandLine.Mixin
  Backends backend;

  private volatile boolean interrupted;

  @Override
  public Integer call() throws Exception {
    PrintWriter pw = spec.commandLine().getOut();
    Backend b = backend.choose();
    CellType cellType = switch (cell.toLowerCase(java.util.Locale.ROOT)) {
      case "lstm" -> CellType.LSTM;
      case "gru" -> CellType.GRU;
      default -> throw new IllegalArgumentException("--cell must be lstm or gru, got '" + cell + "'");
    };
    String corpusText = CharCorpus.read(text);
    Trainer trainer;
    Vocabulary vocab;
    if (resume) {
      try (SafetensorsReader r = SafetensorsReader.open(out)) {
        String v = r.metadata().get(Vocabulary.METADATA_KEY);
        if (v == null) {
          throw new IllegalArgumentException(out + " has no " + Vocabulary.METADATA_KEY + " metadata; not a "
              + "train-char model");
        }
        vocab = Vocabulary.parse(v);
      }
      trainer = Trainer.resume(out, optimizer(), b, clip, 0f);
    } else {
      vocab = Vocabulary.of(corpusText);
      ModelSpec ms = ModelSpec.builder(cellType, vocab.size(), hidden).numLayers(layers).build();
      ModelWeights w = Initializers.xavier(ms, seed, true);
      if (cellType == CellType.LSTM) {
        w = Initializers.forgetBias(w, 1f);
      }
      trainer = Trainer.create(w, vocab.size(), seed, optimizer(), b, clip, 0f);
    }
    if (dropout > 0) {
      trainer.setDropout(new Dropout(dropout, false, seed));
    }
    CharCorpus corpus = new CharCorpus(corpusText, vocab, 0.1);
    Map<String, String> meta = Map.of(Vocabulary.METADATA_KEY, vocab.toString());
    pw.printf("train-char: %s on %s; %,d training and %,d validation characters, vocabulary %d%n", trainer.spec(),
        b.name(), corpus.train.length, corpus.validation.length, vocab.size());
    pw.flush();

    CountDownLatch saved = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      interrupted = true;
      try {
        saved.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "rnn4j-train-char-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    List<double[]> trainCurve = new ArrayList<>();
    List<double[]> valCurve = new ArrayList<>();
    long start = trainer.optimizer().steps();
    Progress progress = new Progress(pw, Progress.isTerminal(), Math.max(1, steps - start), 10);
    if (minutes > 0) {
      progress.deadline(minutes * 60);
    }
    float[] hN = null;
    float[] cN = null;
    double ewma = Double.NaN;
    double lastVal = Double.NaN;
    long chars = 0;
    try {
      for (long step = start; step < steps && !interrupted; step++) {
        CharCorpus.Batch batchData = CharCorpus.window(corpus.train, vocab.size(), seq, batch, step);
        Trainer.StepResult r = trainer.step(batchData.input().withH0(hN).withC0(cN),
            Targets.classPerStep(batchData.targets()));
        hN = r.hN();
        cN = r.cN();
        chars += (long) seq * batch;
        double bpc = r.loss() / Math.log(2);
        ewma = Double.isNaN(ewma) ? bpc : 0.9 * ewma + 0.1 * bpc;
        trainCurve.add(new double[] {step + 1, bpc});
        boolean last = step + 1 == steps || timeUp(progress);
        if ((step + 1) % evalEvery == 0 || last) {
          lastVal = validate(trainer, corpus, vocab.size());
          valCurve.add(new double[] {step + 1, lastVal});
        }
        String msg = String.format("step %d  train %.3f bpc  val %s  %,.0f chars/s", step + 1, ewma,
            Double.isNaN(lastVal) ? "-" : String.format("%.3f bpc", lastVal), chars / progress.elapsedSeconds());
        progress.update(step + 1 - start, msg, (step + 1) % evalEvery == 0);
        if ((step + 1) % saveEvery == 0 || last) {
          save(trainer, meta, trainCurve, valCurve);
        }
        if (last) {
          break;
        }
      }
      progress.finishLine();
      save(trainer, meta, trainCurve, valCurve);
      if (interrupted) {
        pw.println("interrupted: saved step " + trainer.optimizer().steps() + " to " + out);
      }
      pw.printf("done: step %d, validation %.3f bits per character, %s; model %s, loss curve %s%n",
          trainer.optimizer().steps(), Double.isNaN(lastVal) ? validate(trainer, corpus, vocab.size()) : lastVal,
          Progress.duration(progress.elapsedSeconds()), out, curveFile(out));
      pw.flush();
    } finally {
      trainer.close();
      saved.countDown();
      if (!interrupted) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
    return 0;
  }

  private boolean timeUp(Progress p) {
    return minutes > 0 && p.elapsedSeconds() >= minutes * 60;
  }

  private Optimizer optimizer() {
    return Optimizer.adam(LearningRateSchedule.constant(lr), 0.9f, 0.999f, 1e-8f, 0f, false);
  }

  /** Mean bits per character over (a prefix of) the validation text, streams carrying state across windows. */
  private double validate(Trainer trainer, CharCorpus corpus, int vocabSize) {
    int[] ids = corpus.validation.length - 1 > valChars ? java.util.Arrays.copyOf(corpus.validation, valChars + 1)
        : corpus.validation;
    int streams = Math.max(1, Math.min(batch, (ids.length - 1) / seq));
    int windows = CharCorpus.windowsToCover(ids, seq, streams);
    double total = 0;
    float[] h = null;
    float[] c = null;
    for (int w = 0; w < windows; w++) {
      CharCorpus.Batch v = CharCorpus.window(ids, vocabSize, seq, streams, w);
      Trainer.StepResult r = trainer.evaluateWithState(v.input().withH0(h).withC0(c),
          Targets.classPerStep(v.targets()));
      h = r.hN();
      c = r.cN();
      total += r.loss();
    }
    return total / windows / Math.log(2);
  }

  static Path curveFile(Path model) {
    String name = model.getFileName().toString();
    String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
    return model.resolveSibling(base + ".loss.svg");
  }

  private void save(Trainer trainer, Map<String, String> meta, List<double[]> train, List<double[]> val)
      throws java.io.IOException {
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    trainer.save(out, new LinkedHashMap<>(meta));
    new LineChartSvg("rnn4j train-char: " + trainer.spec(), "step", "bits per character")
        .add("train", "#1f77b4", smooth(train)).add("validation", "#d62728", val).write(curveFile(out));
  }

  /** A running mean over 20 steps, so the training curve is readable. */
  private static List<double[]> smooth(List<double[]> points) {
    List<double[]> out = new ArrayList<>();
    double sum = 0;
    for (int i = 0; i < points.size(); i++) {
      sum += points.get(i)[1];
      if (i >= 20) {
        sum -= points.get(i - 20)[1];
      }
      out.add(new double[] {points.get(i)[0], sum / Math.min(i + 1, 20)});
    }
    return out;
  }
}
