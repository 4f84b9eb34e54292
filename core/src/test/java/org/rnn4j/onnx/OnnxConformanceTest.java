package org.rnn4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.reference.SharedVectors;
import org.rnn4j.spi.Backend;

/**
 * The shared ONNX node tests ({@code ../shared/conformance/onnx-node} and {@code onnx-extra}) run
 * from their .onnx and .pb files through {@link OnnxModel} on the scalar backend.
 */
class OnnxConformanceTest {

  private static Backend scalar() {
    return BackendRegistry.getDefault().get("scalar");
  }

  private static Path folder(String relative) {
    Optional<Path> dir = SharedVectors.dir();
    Assumptions.assumeTrue(dir.isPresent(), "shared conformance vectors not found (set -D" + SharedVectors.PROPERTY
        + " or place them at ../shared); the ONNX conformance cases are skipped");
    Path p = dir.get().resolve(relative);
    Assumptions.assumeTrue(Files.isDirectory(p), p + " is missing; these cases are skipped");
    return p;
  }

  private static Stream<DynamicTest> cases(Path root) throws Exception {
    return NodeTestRunner.findCases(root).stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
        () -> {
          NodeTestRunner.Result r = NodeTestRunner.run(dir, scalar());
          assertTrue(r.passed(), r.caseName() + ": " + r.detail());
        }));
  }

  @TestFactory
  Stream<DynamicTest> onnxNodeCases() throws Exception {
    return cases(folder("conformance/onnx-node"));
  }

  @TestFactory
  Stream<DynamicTest> onnxExtraCases() throws Exception {
    return cases(folder("conformance/onnx-extra"));
  }

  @Test
  void all36CasesAreFound() throws Exception {
    List<Path> node = NodeTestRunner.findCases(folder("conformance/onnx-node"));
    List<Path> extra = NodeTestRunner.findCases(folder("conformance/onnx-extra"));
    assertEquals(36, node.size() + extra.size(), "cases found: " + node + extra);
    // A parent folder finds both sets.
    assertEquals(36, NodeTestRunner.findCases(folder("conformance")).size());
  }
}
