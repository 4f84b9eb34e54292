package org.rnn4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.onnx.NodeTestRunner;
import org.rnn4j.spi.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rnn4j conformance}: ONNX backend node-test folders, one line per case and backend. */
@Command(name = "conformance", description = {
    "Run ONNX node-test folders (model.onnx, test_data_set_*/input_N.pb, output_N.pb) and compare the outputs",
    "within 2e-5 + 2e-4*|expected|. A DIR may be a case folder or a folder of case folders.",
    "Prints one line per case and backend, then 'N passed, M failed'; exits 1 on any failure."})
final class ConformanceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "DIR", description = "Case folders, or folders holding them.")
  List<Path> dirs;

  @Option(names = "--backend", paramLabel = "NAME|all",
      description = "Backend to use, or 'all' for every available one (default: automatic selection).")
  String backend;

  @Override
  public Integer call() throws Exception {
    List<Backend> backends = backends();
    Set<Path> cases = new LinkedHashSet<>();
    for (Path d : dirs) {
      List<Path> found = NodeTestRunner.findCases(d);
      if (found.isEmpty()) {
        throw new IllegalArgumentException("no ONNX node-test folders (with a model.onnx) under " + d);
      }
      cases.addAll(found);
    }
    PrintWriter out = spec.commandLine().getOut();
    int passed = 0;
    int failed = 0;
    int width = 0;
    for (Path c : cases) {
      width = Math.max(width, c.getFileName().toString().length());
    }
    for (Path c : cases) {
      for (Backend b : backends) {
        NodeTestRunner.Result r = NodeTestRunner.run(c, b);
        out.printf("%s  %-" + width + "s  %-7s %s%n", r.passed() ? "PASS" : "FAIL", r.caseName(), r.backend(),
            r.detail());
        out.flush();
        if (r.passed()) {
          passed++;
        } else {
          failed++;
        }
      }
    }
    out.println(passed + " passed, " + failed + " failed");
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  private List<Backend> backends() {
    BackendRegistry reg = BackendRegistry.getDefault();
    if (!"all".equals(backend)) {
      return List.of(Backends.choose(backend));
    }
    List<Backend> all = new ArrayList<>();
    for (BackendRegistry.Entry e : reg.entries()) {
      if (!e.disabled() && e.probe().available()) {
        all.add(reg.get(e.name()));
      }
    }
    if (all.isEmpty()) {
      throw new IllegalStateException("no backend is available");
    }
    return all;
  }
}
