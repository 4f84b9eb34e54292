package org.rnn4j.bench;

import org.rnn4j.Model;
import org.rnn4j.ModelWeights;
import org.rnn4j.Precision;
import org.rnn4j.SequenceBatch;
import org.rnn4j.State;
import org.rnn4j.Workspace;
import org.rnn4j.spi.Backend;

/** An rnn4j backend: {@code Model.forward} with a reused {@link Workspace}, {@code Model.step} for streaming. */
final class Rnn4jRunner implements Runner {
  private final Model model;
  private final Workspace workspace;
  private SequenceBatch bound;

  Rnn4jRunner(ModelWeights weights, Backend backend, Precision precision) {
    this.model = Model.of(weights, backend, precision);
    this.workspace = model.newWorkspace();
  }

  @Override
  public float[] output(float[] x, int steps, int batch) {
    return model.forward(SequenceBatch.seqFirst(x, steps, batch, model.spec().inputSize())).output().data();
  }

  @Override
  public void bind(float[] x, int steps, int batch) {
    bound = SequenceBatch.seqFirst(x, steps, batch, model.spec().inputSize());
  }

  @Override
  public Object call() {
    return model.forward(bound, workspace);
  }

  @Override
  public Stepper stepper(int batch) {
    float[] y = new float[batch * model.spec().directions() * model.spec().outputWidth()];
    return new Stepper() {
      private State state = model.newState(batch);

      @Override
      public float[] step(float[] x) {
        model.step(state, x, y);
        return y;
      }

      @Override
      public void reset() {
        state = model.newState(batch);
      }
    };
  }

  @Override
  public void close() {
    model.close();
  }
}
