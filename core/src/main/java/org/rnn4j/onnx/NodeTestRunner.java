package org.rnn4j.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rnn4j.spi.Backend;

/**
 * Runs ONNX backend node-test folders ({@code model.onnx} plus {@code test_data_set_*} with
 * {@code input_N.pb} / {@code output_N.pb}): inputs bind positionally to the graph inputs that are
 * not initializers, outputs to the graph outputs, and every output must match within
 * {@link #ABS_TOL} + {@link #REL_TOL}·|expected|.
 */
public final class NodeTestRunner {
  public static final double ABS_TOL = 2e-5;
  public static final double REL_TOL = 2e-4;

  private NodeTestRunner() {
  }

  /**
   * The outcome of one case on one backend.
   *
   * @param detail on failure, what failed; on success, the worst error seen
   */
  public record Result(String caseName, String backend, boolean passed, String detail, double maxError) {
  }

  /**
   * The case folders under {@code dir}: dir itself if it holds a model.onnx, else every folder
   * below it (up to three levels) that does, sorted by path.
   */
  public static List<Path> findCases(Path dir) throws IOException {
    if (Files.isRegularFile(dir.resolve("model.onnx"))) {
      return List.of(dir);
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a directory");
    }
    try (Stream<Path> s = Files.walk(dir, 3)) {
      return s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
    }
  }

  /** Runs every data set of one case folder; problems of the case itself are failures, not exceptions. */
  public static Result run(Path caseDir, Backend backend) {
    String name = caseDir.getFileName() == null ? caseDir.toString() : caseDir.getFileName().toString();
    try (OnnxModel m = OnnxModel.load(caseDir.resolve("model.onnx"), backend)) {
      List<Path> sets;
      try (Stream<Path> s = Files.list(caseDir)) {
        sets = s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("test_data_set_"))
            .sorted().toList();
      }
      if (sets.isEmpty()) {
        return new Result(name, backend.name(), false, "no test_data_set_* folder", Double.NaN);
      }
      double worst = 0;
      for (Path set : sets) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        List<OnnxModel.Port> ports = m.inputs();
        for (int i = 0; ; i++) {
          Path f = set.resolve("input_" + i + ".pb");
          if (!Files.isRegularFile(f)) {
            break;
          }
          if (i >= ports.size()) {
            return new Result(name, backend.name(), false, set.getFileName() + ": " + f.getFileName()
                + " has no graph input to bind to (the graph has " + ports.size() + ")", Double.NaN);
          }
          in.put(ports.get(i).name(), OnnxModel.readTensorProto(f));
        }
        Map<String, Tensor> out = m.run(in);
        List<OnnxModel.Port> outs = m.outputs();
        int checked = 0;
        for (int i = 0; ; i++) {
          Path f = set.resolve("output_" + i + ".pb");
          if (!Files.isRegularFile(f)) {
            break;
          }
          if (i >= outs.size()) {
            return new Result(name, backend.name(), false, set.getFileName() + ": " + f.getFileName()
                + " has no graph output to compare with", Double.NaN);
          }
          String what = set.getFileName() + " output " + outs.get(i).name();
          Tensor expected = OnnxModel.readTensorProto(f);
          Tensor actual = out.get(outs.get(i).name());
          String problem = compare(expected, actual, what);
          if (problem != null) {
            return new Result(name, backend.name(), false, problem, Double.NaN);
          }
          worst = Math.max(worst, maxError(expected, actual));
          checked++;
        }
        if (checked == 0) {
          return new Result(name, backend.name(), false, set.getFileName() + ": no output_N.pb files", Double.NaN);
        }
      }
      return new Result(name, backend.name(), true, String.format("max error %.2e", worst), worst);
    } catch (IOException | RuntimeException e) {
      return new Result(name, backend.name(), false, e.getMessage() == null ? e.toString() : e.getMessage(),
          Double.NaN);
    }
  }

  /** Null when {@code actual} matches {@code expected}, else what differs. */
  static String compare(Tensor expected, Tensor actual, String what) {
    if (!Arrays.equals(expected.shapeRef(), actual.shapeRef())) {
      return what + ": shape " + actual.shapeString() + ", expected " + expected.shapeString();
    }
    if (expected.isFloat() != actual.isFloat()) {
      return what + ": type " + actual.type() + ", expected " + expected.type();
    }
    if (!expected.isFloat()) {
      return Arrays.equals(expected.longs(), actual.longs()) ? null : what + ": integer values differ";
    }
    float[] e = expected.floats();
    float[] a = actual.floats();
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs((double) a[i] - e[i]);
      if (!(diff <= ABS_TOL + REL_TOL * Math.abs(e[i])) && !(Float.isNaN(e[i]) && Float.isNaN(a[i]))) {
        return what + ": element " + i + " is " + a[i] + ", expected " + e[i] + " (|diff| " + diff + ")";
      }
    }
    return null;
  }

  private static double maxError(Tensor expected, Tensor actual) {
    if (!expected.isFloat()) {
      return 0;
    }
    double m = 0;
    for (int i = 0; i < expected.size(); i++) {
      double d = Math.abs((double) actual.floats()[i] - expected.floats()[i]);
      if (!Double.isNaN(d)) {
        m = Math.max(m, d);
      }
    }
    return m;
  }

  /** Runs many cases on many backends, in case-major order. */
  public static List<Result> runAll(List<Path> cases, List<Backend> backends) {
    List<Result> out = new ArrayList<>();
    for (Path c : cases) {
      for (Backend b : backends) {
        out.add(run(c, b));
      }
    }
    return out;
  }
}
