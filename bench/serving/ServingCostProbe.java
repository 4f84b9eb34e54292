import java.nio.charset.StandardCharsets;
import java.util.*;
import org.rnn4j.*;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.cli.serve.Json;

/**
 * Where a serving request's time goes, measured in one process (no HTTP): JSON encode/parse of one
 * LSTM-512 T=50 request and response, and Model.forward per batch on each backend named.
 * Usage (from the repo root, after mvn -pl cli -am package -DskipTests):
 *   java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *        -cp cli/target/rnn4j-cli.jar bench/serving/ServingCostProbe.java simd,native 1,8,16,32,64
 */
public class ServingCostProbe {
  static final int I = 512, H = 512, T = 50;

  public static void main(String[] a) throws Exception {
    String[] backends = (a.length > 0 ? a[0] : "simd,native").split(",");
    int[] batches = Arrays.stream((a.length > 1 ? a[1] : "1,64").split(",")).mapToInt(Integer::parseInt).toArray();
    SplittableRandom rnd = new SplittableRandom(1);
    float[] x = new float[T * I];
    for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextDouble() * 2 - 1);
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("name", "x"); in.put("shape", new int[] {T, I}); in.put("datatype", "FP32"); in.put("data", x);
    Map<String, Object> req = Map.of("inputs", List.of(in));
    float[] y = new float[T * H];
    for (int i = 0; i < y.length; i++) y[i] = (float) Math.tanh(rnd.nextDouble() * 4 - 2);
    Map<String, Object> resp = new LinkedHashMap<>();
    resp.put("model_name", "lstm");
    resp.put("outputs", List.of(Map.of("name", "y", "datatype", "FP32", "shape", new int[] {T, H}, "data", y),
        Map.of("name", "h_n", "datatype", "FP32", "shape", new int[] {1, H}, "data", Arrays.copyOf(y, H)),
        Map.of("name", "c_n", "datatype", "FP32", "shape", new int[] {1, H}, "data", Arrays.copyOf(y, H))));
    byte[] body = Json.write(req).getBytes(StandardCharsets.UTF_8);
    byte[] respBody = Json.write(resp).getBytes(StandardCharsets.UTF_8);
    System.out.printf("request body %d bytes, response body %d bytes%n", body.length, respBody.length);
    int reps = 200;
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      long sink = 0;
      for (int r = 0; r < reps; r++) sink += Json.write(resp).getBytes(StandardCharsets.UTF_8).length;
      long t1 = System.nanoTime();
      for (int r = 0; r < reps; r++) {
        String s = new String(body, StandardCharsets.UTF_8);
        Object o = Json.parse(s);
        sink += o.hashCode() & 1;
      }
      long t2 = System.nanoTime();
      for (int r = 0; r < reps; r++) sink += Json.write(req).getBytes(StandardCharsets.UTF_8).length;
      long t3 = System.nanoTime();
      System.out.printf("round %d: encode response %.2f ms, decode+parse request %.2f ms, encode request %.2f ms (%d)%n",
          round, (t1 - t0) / 1e6 / reps, (t2 - t1) / 1e6 / reps, (t3 - t2) / 1e6 / reps, sink & 1);
    }
    // Side by side: the JDK's shortest float text vs what the server writes now (org.rnn4j.cli.serve.Json).
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      StringBuilder sb = new StringBuilder(1 << 20);
      for (int r = 0; r < 20; r++) {
        sb.setLength(0);
        for (float f : y) sb.append(f).append(',');
      }
      long t1 = System.nanoTime();
      for (int r = 0; r < 20; r++) Json.write(y);
      long t2 = System.nanoTime();
      String text = Json.write(y);
      long t3 = System.nanoTime();
      for (int r = 0; r < 20; r++) Json.parse(text);
      long t4 = System.nanoTime();
      for (int r = 0; r < 20; r++) {
        double acc = 0;
        for (String part : text.substring(1, text.length() - 1).split(",")) acc += Double.parseDouble(part);
        if (acc == 42) System.out.print("");
      }
      long t5 = System.nanoTime();
      System.out.printf("per float: Float.toString %.0f ns, Json.write %.0f ns; Json.parse %.0f ns, split+Double.parseDouble %.0f ns%n",
          (t1 - t0) / 20.0 / y.length, (t2 - t1) / 20.0 / y.length, (t4 - t3) / 20.0 / y.length, (t5 - t4) / 20.0 / y.length);
    }
    ModelSpec spec = ModelSpec.builder(CellType.LSTM, I, H).build();
    ModelWeights w = ModelWeights.random(spec, 42);
    for (String b : backends) {
      try (Model m = Model.of(w, BackendRegistry.getDefault().get(b))) {
        Workspace ws = m.newWorkspace();
        for (int batch : batches) {
          float[] xb = new float[T * batch * I];
          for (int i = 0; i < xb.length; i++) xb[i] = x[i % x.length];
          SequenceBatch sb = SequenceBatch.seqFirst(xb, T, batch, I);
          int n = Math.max(3, 192 / batch);
          for (int r = 0; r < Math.max(2, n / 3); r++) m.forward(sb, ws);
          long[] ts = new long[n];
          for (int r = 0; r < n; r++) {
            long s0 = System.nanoTime();
            m.forward(sb, ws);
            ts[r] = System.nanoTime() - s0;
          }
          Arrays.sort(ts);
          double med = ts[n / 2] / 1e6;
          System.out.printf("%-7s B=%-3d forward median %.1f ms/batch (min %.1f), %.2f ms/seq, %.0f seq/s%n", b, batch,
              med, ts[0] / 1e6, med / batch, 1000 * batch / med);
        }
      }
    }
  }
}
