package org.rnn4j.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.rnn4j.reference.OnnxCaseAdapter.OnnxCase;
import org.rnn4j.reference.PytorchCaseAdapter.PytorchCase;
import org.rnn4j.reference.ReferenceRnn.Result;

/**
 * Validates the oracle against the external vectors in {@code shared/conformance}: PyTorch
 * state_dict cases and the ONNX node / extra cases. Skipped (with a reason) when the shared folder is
 * absent.
 */
class ReferenceVectorsTest {

    @TestFactory
    List<DynamicTest> pytorchForwardCases() {
        return SharedVectors.perCase("conformance/pytorch", "model.safetensors", ReferenceVectorsTest::checkPytorch);
    }

    static void checkPytorch(Path dir) {
        PytorchCase c = PytorchCaseAdapter.load(dir);
        Result r = ReferenceRnn.forward(c.config(), c.weights(), c.x(), c.T(), c.B(), c.lengths(), c.h0(), c.c0());
        double atol = PytorchCaseAdapter.ATOL;
        double rtol = PytorchCaseAdapter.RTOL;
        assertNotNull(c.expectedY(), c.name() + ": expected y missing");
        SharedVectors.assertClose(c.name() + " y", c.expectedY(), r.y(), atol, rtol);
        assertNotNull(c.expectedHn(), c.name() + ": expected h_n missing");
        SharedVectors.assertClose(c.name() + " h_n", c.expectedHn(), r.hN(), atol, rtol);
        if (c.config().cell().equals("lstm")) {
            assertNotNull(c.expectedCn(), c.name() + ": expected c_n missing");
            SharedVectors.assertClose(c.name() + " c_n", c.expectedCn(), r.cN(), atol, rtol);
        } else {
            assertNull(c.expectedCn(), c.name() + ": c_n for a " + c.config().cell());
        }
    }

    @TestFactory
    List<DynamicTest> onnxExtraCases() {
        return onnxCases("conformance/onnx-extra");
    }

    @TestFactory
    List<DynamicTest> onnxNodeCases() {
        return onnxCases("conformance/onnx-node");
    }

    private static List<DynamicTest> onnxCases(String relative) {
        return SharedVectors.perCase(relative, "case.safetensors", dir -> checkOnnx(dir.resolve("case.safetensors")));
    }

    static void checkOnnx(Path file) {
        OnnxCase c = OnnxCaseAdapter.load(file);
        Result r = c.toOnnxDirections(
                ReferenceRnn.forward(c.config(), c.weights(), c.x(), c.S(), c.N(), c.lengths(), c.h0(), c.c0()));
        double atol = OnnxCaseAdapter.ATOL;
        double rtol = OnnxCaseAdapter.RTOL;
        int compared = 0;
        if (c.expectedY() != null) {
            SharedVectors.assertClose(c.name() + " Y", c.expectedY(), r.y(), atol, rtol);
            compared++;
        }
        if (c.expectedYh() != null) {
            SharedVectors.assertClose(c.name() + " Y_h", c.expectedYh(), r.hN(), atol, rtol);
            compared++;
        }
        if (c.expectedYc() != null) {
            SharedVectors.assertClose(c.name() + " Y_c", c.expectedYc(), r.cN(), atol, rtol);
            compared++;
        }
        assertFalse(compared == 0, c.name() + ": no expected output");
        assertEquals(c.S() * c.N() * c.D() * c.H(), r.y().length);
    }
}
