package org.rnn4j.jni;

import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.spi.Backend;
import org.rnn4j.testing.Bf16ParitySuite;

/**
 * The registry's native backend (this CPU's best tier) in bf16 against the scalar bf16 reference;
 * where its larger products run on AMX tiles or vdpbf16ps, against the reference that rounds their
 * activations too.
 */
class NativeBf16ModelParityTest extends Bf16ParitySuite {
  @Override
  protected Backend backend() {
    return BackendRegistry.getDefault().get("native");
  }

  @Override
  protected Backend reference() {
    return rounds() ? RoundedActivationReference.backend() : super.reference();
  }

  @Override
  protected double[] tolerance() {
    return rounds() ? RoundedActivationReference.TOLERANCE : super.tolerance();
  }

  private boolean rounds() {
    return ((NativeKernels) backend().kernels()).roundsActivations();
  }
}
