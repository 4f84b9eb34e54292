package org.rnn4j.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import org.rnn4j.CellType;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.onnx.OnnxExport;

/**
 * ONNX Runtime (Java API, CPU execution provider) on the model {@link OnnxExport} writes from the
 * same weights. Intra-op threads = the benchmark's thread count, inter-op 1, sequential
 * execution, all graph optimisations. A timed call is {@code session.run} on a tensor over a
 * direct buffer prepared once, plus copying Y out into a Java array (what a Java caller needs).
 *
 * <p>Only this class touches {@code ai.onnxruntime}: when the library is absent or its native
 * part does not load, {@link #create} throws {@link Runner.Unavailable} and nothing else breaks.
 */
final class OrtRunner implements Runner {
  /** {@code -Drnn4j.bench.ort=off} pretends ONNX Runtime is not there (tests, or to skip it). */
  static final String SWITCH_PROPERTY = "rnn4j.bench.ort";

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelWeights weights;
  private final int threads;
  private OnnxTensor bound;

  private OrtRunner(OrtEnvironment env, OrtSession session, ModelWeights weights, int threads) {
    this.env = env;
    this.session = session;
    this.weights = weights;
    this.threads = threads;
  }

  static Runner create(ModelWeights weights, int threads) throws Unavailable {
    if ("off".equalsIgnoreCase(System.getProperty(SWITCH_PROPERTY, ""))) {
      throw new Unavailable("switched off by -D" + SWITCH_PROPERTY + "=off", null);
    }
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      return new OrtRunner(env, session(env, OnnxExport.toBytes(weights), threads), weights, threads);
    } catch (OrtException | RuntimeException | LinkageError e) {
      throw new Unavailable("ONNX Runtime: " + e, e);
    }
  }

  /** The ONNX Runtime version, or the reason it is unavailable. */
  static String version() {
    try {
      return OrtEnvironment.getEnvironment().getVersion();
    } catch (RuntimeException | LinkageError e) {
      return "unavailable (" + e + ")";
    }
  }

  private static OrtSession session(OrtEnvironment env, byte[] model, int threads) throws OrtException {
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(threads);
      so.setInterOpNumThreads(1);
      so.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      return env.createSession(model, so);
    }
  }

  private OnnxTensor tensor(float[] data, long... shape) throws OrtException {
    FloatBuffer b = ByteBuffer.allocateDirect(data.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    b.put(data).flip();
    return OnnxTensor.createTensor(env, b, shape);
  }

  @Override
  public float[] output(float[] x, int steps, int batch) {
    try (OnnxTensor t = tensor(x, steps, batch, weights.spec().inputSize());
        OrtSession.Result r = session.run(Map.of("X", t))) {
      return ((OnnxTensor) r.get("Y").orElseThrow()).getFloatBuffer().array();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
    }
  }

  @Override
  public void bind(float[] x, int steps, int batch) {
    try {
      if (bound != null) {
        bound.close();
      }
      bound = tensor(x, steps, batch, weights.spec().inputSize());
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
    }
  }

  @Override
  public Object call() {
    try (OrtSession.Result r = session.run(Map.of("X", bound))) {
      return ((OnnxTensor) r.get(0)).getFloatBuffer().array();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
    }
  }

  /**
   * Streaming through a second session of the model with {@code initial_h}/{@code initial_c}
   * inputs: each step runs X [1, B, I] and copies Y_h/Y_c back into the state inputs' direct buffers.
   */
  @Override
  public Stepper stepper(int batch) {
    ModelSpec spec = weights.spec();
    int ld = spec.numLayers() * spec.directions();
    int h = spec.hiddenSize();
    boolean lstm = spec.cell() == CellType.LSTM;
    try {
      OrtSession s = session(env, OnnxExport.toBytes(weights, true), threads);
      FloatBuffer xb = direct(batch * spec.inputSize());
      FloatBuffer hb = direct(ld * batch * h);
      FloatBuffer cb = direct(ld * batch * h);
      OnnxTensor xt = OnnxTensor.createTensor(env, xb, new long[] {1, batch, spec.inputSize()});
      OnnxTensor ht = OnnxTensor.createTensor(env, hb, new long[] {ld, batch, h});
      OnnxTensor ct = OnnxTensor.createTensor(env, cb, new long[] {ld, batch, h});
      Map<String, OnnxTensor> inputs = new HashMap<>(Map.of("X", xt, "initial_h", ht));
      if (lstm) {
        inputs.put("initial_c", ct);
      }
      float[] y = new float[batch * spec.directions() * h];
      return new Stepper() {
        @Override
        public float[] step(float[] x) {
          xb.clear();
          xb.put(x);
          try (OrtSession.Result r = s.run(inputs)) {
            ((OnnxTensor) r.get(0)).getFloatBuffer().get(y);
            hb.clear();
            hb.put(((OnnxTensor) r.get(1)).getFloatBuffer());
            if (lstm) {
              cb.clear();
              cb.put(((OnnxTensor) r.get(2)).getFloatBuffer());
            }
          } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
          }
          return y;
        }

        @Override
        public void reset() {
          for (int i = 0; i < hb.capacity(); i++) {
            hb.put(i, 0f);
            cb.put(i, 0f);
          }
        }

        @Override
        public void close() {
          xt.close();
          ht.close();
          ct.close();
          try {
            s.close();
          } catch (OrtException e) {
            // nothing to do at close
          }
        }
      };
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
    }
  }

  private static FloatBuffer direct(int n) {
    return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  @Override
  public void close() {
    if (bound != null) {
      bound.close();
    }
    try {
      session.close();
    } catch (OrtException e) {
      // nothing to do at close
    }
  }
}
