package org.rnn4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.SequenceBatch;
import org.rnn4j.io.SafetensorsReader;
import org.rnn4j.reference.OnnxCaseAdapter;
import org.rnn4j.reference.SharedVectors;
import org.rnn4j.spi.Backend;

/**
 * The shared conformance vectors ({@code ../shared/conformance}) run through rnn4j's own model
 * loading and forward pass on one backend. Skipped, with the reason, where the folder is absent.
 */
public abstract class SharedConformanceSuite {

  protected abstract Backend backend();

  /** PyTorch state_dict files loaded by {@link Model#load}: prefixes, extra tensors, inferred architecture. */
  @TestFactory
  List<DynamicTest> pytorchVectors() {
    return SharedVectors.perCase("conformance/pytorch", "model.safetensors", this::checkPytorch);
  }

  private void checkPytorch(Path dir) throws Exception {
    try (Model m = Model.load(dir.resolve("model.safetensors"), backend());
        SafetensorsReader in = SafetensorsReader.open(dir.resolve("input.safetensors"));
        SafetensorsReader exp = SafetensorsReader.open(dir.resolve("expected.safetensors"))) {
      ModelSpec spec = m.spec();
      long[] xs = in.info("x").shape();
      int steps = (int) xs[0];
      int batch = (int) xs[1];
      SequenceBatch b = SequenceBatch.seqFirst(in.readFloats("x"), steps, batch, (int) xs[2]);
      if (in.contains("lengths")) {
        b = b.withLengths(java.util.Arrays.stream(in.readLongs("lengths")).mapToInt(Math::toIntExact).toArray());
      }
      if (in.contains("h0")) {
        b = b.withH0(in.readFloats("h0"));
      }
      if (in.contains("c0")) {
        b = b.withC0(in.readFloats("c0"));
      }
      ForwardResult r = m.forward(b);
      assertArrayEquals(exp.info("y").shape(), toLongs(r.output().shape()), "y shape");
      Tolerance.assertClose("y", exp.readFloats("y"), r.output().data(), 2e-5, 2e-4);
      Tolerance.assertClose("h_n", exp.readFloats("h_n"), r.hN().data(), 2e-5, 2e-4);
      if (spec.hasCellState()) {
        Tolerance.assertClose("c_n", exp.readFloats("c_n"), r.cN().data(), 2e-5, 2e-4);
      }
    }
  }

  /** The 12 official ONNX node cases that PyTorch semantics cover (all of them, with peepholes). */
  @TestFactory
  List<DynamicTest> onnxNodeCases() {
    return onnx("conformance/onnx-node");
  }

  /** The 24 strong ONNX cases: random weights, every attribute. */
  @TestFactory
  List<DynamicTest> onnxExtraCases() {
    return onnx("conformance/onnx-extra");
  }

  private List<DynamicTest> onnx(String relative) {
    return SharedVectors.perCase(relative, "case.safetensors", dir -> checkOnnx(dir.resolve("case.safetensors")));
  }

  private void checkOnnx(Path file) {
    OnnxCaseAdapter.OnnxCase c = OnnxCaseAdapter.load(file);
    boolean peepholes = c.weights().keySet().stream().anyMatch(k -> k.startsWith("weight_peep"));
    ModelSpec spec = RandomModels.toSpec(c.config(), peepholes);
    try (Model m = Model.of(RandomModels.toWeights(spec, c.weights()), backend())) {
      SequenceBatch b = SequenceBatch.seqFirst(RandomModels.narrow(c.x()), c.S(), c.N(), c.I())
          .withLengths(c.lengths());
      // A reverse-only node arrives as the reverse half of a bidirectional layer (zero forward half).
      ForwardResult r = m.forward(b.withH0(RandomModels.narrow(c.h0())).withC0(RandomModels.narrow(c.c0())));
      var result = c.toOnnxDirections(new org.rnn4j.reference.ReferenceRnn.Result(RandomModels.widen(r.output()
          .data()), RandomModels.widen(r.hN().data()), r.cN() == null ? null : RandomModels.widen(r.cN().data())));
      double atol = OnnxCaseAdapter.ATOL;
      double rtol = OnnxCaseAdapter.RTOL;
      if (c.expectedY() != null) {
        Tolerance.assertClose("Y", c.expectedY(), RandomModels.narrow(result.y()), atol, rtol);
      }
      if (c.expectedYh() != null) {
        Tolerance.assertClose("Y_h", c.expectedYh(), RandomModels.narrow(result.hN()), atol, rtol);
      }
      if (c.expectedYc() != null) {
        assertNotNull(result.cN(), "Y_c");
        Tolerance.assertClose("Y_c", c.expectedYc(), RandomModels.narrow(result.cN()), atol, rtol);
      }
    }
  }

  private static long[] toLongs(int[] a) {
    return java.util.Arrays.stream(a).asLongStream().toArray();
  }
}
