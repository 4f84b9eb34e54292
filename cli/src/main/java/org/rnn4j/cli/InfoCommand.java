package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.rnn4j.ModelWeights;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.backend.BackendUnavailableException;
import org.rnn4j.io.ModelFiles;
import org.rnn4j.onnx.OnnxModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j info}: JVM and CPU facts, every backend's probe, and the automatic choice. */
@Command(name = "info", description = "Show JVM and CPU facts, each backend's probe result, and which one is selected; "
    + "with --model, describe a model file instead.")
final class InfoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--model", description = "Describe this model file (.onnx graph or .safetensors RNN) instead.")
  Path model;

  /**
   * Which training kernels a backend brings itself: a backend that does not override the fused
   * derivative kernels runs the scalar defaults for them (its GEMMs still speed up the rest).
   */
  static String training(org.rnn4j.spi.Kernels k) {
    java.util.List<String> own = new java.util.ArrayList<>();
    java.util.List<String> inherited = new java.util.ArrayList<>();
    for (String m : new String[] {"gemmK", "lstmCellBackwardK", "gruCellBackwardK", "rnnCellBackwardK"}) {
      (overrides(k.getClass(), m) ? own : inherited).add(m.substring(0, m.length() - 1));
    }
    if (inherited.isEmpty()) {
      return "own GEMM and fused derivative kernels";
    }
    if (own.isEmpty()) {
      return "the reference kernels";
    }
    return "own " + String.join(", ", own) + "; scalar fallback for " + String.join(", ", inherited);
  }

  private static boolean overrides(Class<?> c, String method) {
    for (Class<?> k = c; k != null && k != org.rnn4j.spi.Kernels.class; k = k.getSuperclass()) {
      for (java.lang.reflect.Method m : k.getDeclaredMethods()) {
        if (m.getName().equals(method)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (model != null) {
      describeModel(out);
      return 0;
    }
    out.println("System");
    for (Map.Entry<String, String> e : SystemFacts.collect().entrySet()) {
      out.printf("  %-14s %s%n", e.getKey(), e.getValue());
    }
    out.println();
    BackendRegistry reg = BackendRegistry.getDefault();
    out.println("Backends (highest priority first)");
    out.printf("  %-8s %-8s %-11s %s%n", "name", "priority", "status", "reason");
    for (BackendRegistry.Entry e : reg.entries()) {
      String status = e.disabled() ? "disabled" : e.probe().available() ? "available" : "unavailable";
      out.printf("  %-8s %-8d %-11s %s%n", e.name(), e.priority(), status, e.probe().reason());
      for (Map.Entry<String, String> d : e.probe().details().entrySet()) {
        out.printf("  %-8s %-8s %-11s   %s: %s%n", "", "", "", d.getKey(), d.getValue());
      }
      if (e.probe().available() && !e.disabled()) {
        out.printf("  %-8s %-8s %-11s   training: %s%n", "", "", "", training(reg.get(e.name()).kernels()));
        out.printf("  %-8s %-8s %-11s   bf16: %s%n", "", "", "", reg.get(e.name()).kernels().bf16Kernels());
      }
    }
    out.println();
    try {
      BackendRegistry.Selection s = reg.selection();
      out.println("Selected: " + s.backend().name() + " (" + s.why() + ")");
    } catch (BackendUnavailableException e) {
      out.println("Selected: none (" + e.getMessage() + ")");
      out.flush();
      return 1;
    }
    out.println("Override with -D" + BackendRegistry.BACKEND_PROPERTY + "=NAME or -D" + BackendRegistry.DISABLE_PROPERTY
        + "=a,b (in RNN4J_JAVA_OPTS for the launcher).");
    out.flush();
    return 0;
  }

  private void describeModel(PrintWriter out) throws Exception {
    if (OnnxModel.looksLikeOnnx(model)) {
      // Loading prepares the recurrent nodes on a backend; the scalar one needs nothing native.
      try (OnnxModel m = OnnxModel.load(model, BackendRegistry.getDefault().get("scalar"))) {
        out.print(m.describe());
      }
    } else {
      ModelWeights w = ModelFiles.read(model);
      out.println(model + ": " + w.spec());
      out.println("Parameters: " + w.parameterCount());
      for (String name : w.names()) {
        out.println("  " + name + " " + java.util.Arrays.toString(w.shape(name)));
      }
    }
    out.flush();
  }
}
