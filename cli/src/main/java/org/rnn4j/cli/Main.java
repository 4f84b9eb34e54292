package org.rnn4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import org.rnn4j.backend.BackendUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rnn4j} command-line tool. */
@Command(name = "rnn4j", mixinStandardHelpOptions = true, version = "rnn4j 0.1.0-SNAPSHOT",
    description = "Recurrent neural networks (LSTM, GRU, RNN) on the JVM.",
    subcommands = {InfoCommand.class, RunCommand.class, GradCommand.class, ConformanceCommand.class,
        TrainCharCommand.class, EvalCharCommand.class, GenerateCommand.class, ExplainCommand.class, ExperimentCommand.class,
        ServeCommand.class, LoadtestCommand.class, BenchCommand.class, AccuracyCommand.class, DemoCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with rnn4j's error handling: one line on stderr, exit 1, no stack trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // Commands read "@FILE" themselves (explain --text @FILE); picocli must not expand it as an argument file.
    cl.setExpandAtFiles(false);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      err.println("rnn4j " + commandLine.getCommandName() + ": " + describe(ex));
      if (System.getenv("RNN4J_DEBUG") != null) {
        ex.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    return cl;
  }

  static String describe(Throwable ex) {
    if (ex instanceof java.nio.file.NoSuchFileException e) {
      return "no such file: " + e.getFile();
    }
    if (ex instanceof java.nio.file.AccessDeniedException e) {
      return "permission denied: " + e.getFile();
    }
    if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
        || ex instanceof IOException || ex instanceof BackendUnavailableException) {
      String m = ex.getMessage();
      return m == null ? ex.getClass().getSimpleName() : m;
    }
    return ex.toString();
  }

  public static void main(String[] args) {
    configureLogging();
    System.exit(commandLine().execute(args));
  }

  /**
   * The library logs its backend choice at INFO; on a terminal the commands print what matters
   * themselves, so only warnings are shown, on one line each. RNN4J_LOG=INFO (or FINE…) shows more.
   */
  private static void configureLogging() {
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "rnn4j %4$s: %5$s%6$s%n");
    }
    String level = System.getenv().getOrDefault("RNN4J_LOG", "WARNING");
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    try {
      java.util.logging.Level l = java.util.logging.Level.parse(level.toUpperCase(java.util.Locale.ROOT));
      root.setLevel(l);
      for (java.util.logging.Handler h : root.getHandlers()) {
        h.setLevel(l);
      }
    } catch (IllegalArgumentException e) {
      root.warning("RNN4J_LOG=" + level + " is not a log level; using WARNING");
    }
  }
}
