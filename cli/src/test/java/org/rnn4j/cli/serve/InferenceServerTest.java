package org.rnn4j.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.rnn4j.CellType;
import org.rnn4j.ForwardResult;
import org.rnn4j.Model;
import org.rnn4j.ModelSpec;
import org.rnn4j.ModelWeights;
import org.rnn4j.SequenceBatch;
import org.rnn4j.backend.BackendRegistry;
import org.rnn4j.serving.BatchingOptions;
import org.rnn4j.testing.RandomModels;

/** A real server on an ephemeral loopback port, driven by the JDK's HttpClient. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InferenceServerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static Model lstm;
  private static Model gru;
  private static InferenceServer server;

  @BeforeAll
  static void start() throws IOException {
    var scalar = BackendRegistry.getDefault().get("scalar");
    lstm = Model.of(ModelWeights.random(ModelSpec.builder(CellType.LSTM, 3, 4).numLayers(2).build(), 1), scalar);
    gru = Model.of(ModelWeights.random(ModelSpec.builder(CellType.GRU, 2, 5).bidirectional(true).build(), 2), scalar);
    Map<String, Model> models = new LinkedHashMap<>();
    models.put("lstm", lstm);
    models.put("gru", gru);
    server = InferenceServer.start(models, ServerOptions.defaults().withPort(0).withMaxBodyBytes(20_000)
        .withBatching(BatchingOptions.defaults().withMaxBatch(8).withMaxDelayMicros(500)));
  }

  @AfterAll
  static void stop() {
    server.close();
    lstm.close();
    gru.close();
  }

  private static HttpResponse<String> get(InferenceServer s, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(InferenceServer s, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + path)).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String tensor(String name, String type, int[] shape, Object data) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("shape", shape);
    t.put("datatype", type);
    t.put("data", data);
    return Json.write(t);
  }

  private static String inferBody(String... tensors) {
    return "{\"inputs\":[" + String.join(",", tensors) + "]}";
  }

  @SuppressWarnings("unchecked")
  private static Map<String, float[]> outputs(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Object o : (List<Object>) ((Map<String, Object>) Json.parse(r.body())).get("outputs")) {
      Map<String, Object> t = (Map<String, Object>) o;
      Json.Numbers n = (Json.Numbers) t.get("data");
      float[] f = new float[n.length()];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) n.values()[i];
      }
      out.put((String) t.get("name"), f);
    }
    return out;
  }

  @Test
  void healthMetadataAndRoutes() throws Exception {
    assertEquals(200, get(server, "/v2/health/live").statusCode());
    assertEquals(200, get(server, "/v2/health/ready").statusCode());
    assertEquals(200, get(server, "/v2/models/lstm/ready").statusCode());
    HttpResponse<String> meta = get(server, "/v2/models/lstm");
    assertEquals(200, meta.statusCode());
    assertTrue(meta.body().contains("{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,-1,3]}"), meta.body());
    assertTrue(meta.body().contains("\"c_n\""), meta.body());
    HttpResponse<String> unknownModel = get(server, "/v2/models/nope");
    assertEquals(404, unknownModel.statusCode());
    assertTrue(unknownModel.body().contains("unknown model \\\"nope\\\""), unknownModel.body());
    assertEquals(404, get(server, "/v2/models/nope/infer").statusCode());
    assertEquals(404, get(server, "/nothing/here").statusCode());
    assertEquals(404, get(server, "/v2/models/lstm/explain").statusCode());
    assertEquals(405, get(server, "/v2/models/lstm/infer").statusCode());
  }

  @Test
  void oneSequenceMatchesTheModelAlone() throws Exception {
    float[] x = RandomModels.gaussian(5 * 3, 1, 4);
    Map<String, float[]> out = outputs(post(server, "/v2/models/lstm/infer",
        inferBody(tensor("x", "FP32", new int[] {5, 3}, x))));
    ForwardResult ref = lstm.forward(SequenceBatch.seqFirst(x, 5, 1, 3));
    assertArrayEquals(ref.output().data(), out.get("y"));
    assertArrayEquals(ref.hN().data(), out.get("h_n"));
    assertArrayEquals(ref.cN().data(), out.get("c_n"));
  }

  @Test
  void aBatchWithLengthsAndStatesMatchesTheModel() throws Exception {
    int steps = 4;
    int batch = 3;
    float[] x = RandomModels.gaussian(steps * batch * 2, 1, 5);
    float[] h0 = RandomModels.gaussian(2 * batch * 5, 0.5, 6);
    int[] lengths = {4, 1, 3};
    String body = "{\"id\":\"r1\",\"inputs\":[" + tensor("x", "FP32", new int[] {steps, batch, 2}, x) + ","
        + tensor("lengths", "INT64", new int[] {batch}, lengths) + "," + tensor("h0", "FP32", new int[] {2, batch, 5}, h0)
        + "],\"outputs\":[{\"name\":\"y\"},{\"name\":\"h_n\"}]}";
    HttpResponse<String> r = post(server, "/v2/models/gru/infer", body);
    Map<String, float[]> out = outputs(r);
    assertTrue(r.body().contains("\"id\":\"r1\""));
    ForwardResult ref = gru.forward(SequenceBatch.seqFirst(x, steps, batch, 2).withLengths(lengths).withH0(h0));
    assertArrayEquals(ref.output().data(), out.get("y"));
    assertArrayEquals(ref.hN().data(), out.get("h_n"));
    assertEquals(2, out.size());
  }

  @Test
  void concurrentClientsEachGetTheirOwnAnswer() throws Exception {
    List<Thread> threads = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int c = 0; c < 16; c++) {
      int seed = c;
      threads.add(Thread.ofVirtual().start(() -> {
        try {
          SplittableRandom rnd = new SplittableRandom(seed);
          for (int i = 0; i < 8; i++) {
            int steps = 1 + rnd.nextInt(9);
            float[] x = RandomModels.gaussian(steps * 3, 1, rnd.nextLong());
            Map<String, float[]> out = outputs(post(server, "/v2/models/lstm/infer",
                inferBody(tensor("x", "FP32", new int[] {steps, 3}, x))));
            ForwardResult ref = lstm.forward(SequenceBatch.seqFirst(x, steps, 1, 3));
            assertArrayEquals(ref.output().data(), out.get("y"));
            assertArrayEquals(ref.cN().data(), out.get("c_n"));
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new AssertionError(failure.get());
    }
    String metrics = get(server, "/metrics").body();
    assertTrue(metrics.contains("# TYPE rnn4j_batch_size histogram"), metrics);
    assertTrue(metrics.contains("rnn4j_batch_size_bucket{model=\"lstm\",le=\"8\"}"), metrics);
    assertTrue(metrics.contains("rnn4j_queue_wait_seconds{model=\"lstm\",quantile=\"0.99\"}"), metrics);
    assertTrue(metrics.contains("rnn4j_http_responses_total{code=\"200\"}"), metrics);
    assertTrue(metrics.contains("process_cpu_seconds_total "), metrics);
    assertTrue(metrics.contains("jvm_memory_used_after_gc_bytes{area=\"heap\"} "), metrics);
  }

  @Test
  void badRequestsGet400NamingTheProblem() throws Exception {
    String good = tensor("x", "FP32", new int[] {2, 3}, new float[6]);
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"inputs\":[" + good, "malformed JSON");
    cases.put("{\"inputs\":[" + good + "],}", "malformed JSON");
    cases.put("[1,2]", "must be a JSON object");
    cases.put(inferBody(tensor("x", "FP32", new int[] {2, 4}, new float[8])), "4 features");
    cases.put(inferBody(tensor("x", "FP32", new int[] {2, 3}, new float[5])), "needs 6 elements");
    cases.put(inferBody(tensor("x", "FP64", new int[] {2, 3}, new float[6])), "datatype must be FP32");
    cases.put(inferBody(tensor("x", "FP32", new int[] {2, 2, 2, 3}, new float[24])), "shape must be [T, I]");
    cases.put(inferBody(tensor("lengths", "INT64", new int[] {1}, new int[] {1})), "missing input \\\"x\\\"");
    cases.put(inferBody(good, tensor("z", "FP32", new int[] {1}, new float[1])), "unknown input");
    cases.put(inferBody(good, good), "given twice");
    cases.put(inferBody(tensor("x", "FP32", new int[] {2, 1, 3}, new float[6]),
        tensor("lengths", "INT64", new int[] {1}, new int[] {3})), "out of range");
    cases.put(inferBody(good, tensor("h0", "FP32", new int[] {2, 5}, new float[10])), "h0: shape must be [2, 4]");
    cases.put("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,\"a\",3]}]}",
        "numbers only");
    cases.put("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,1e60,3]}]}",
        "not a finite FP32");
    cases.put("{\"inputs\":[" + good + "],\"outputs\":[{\"name\":\"q\"}]}", "unknown output");
    cases.put("[".repeat(500) + "]".repeat(500), "nesting deeper");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<String> r = post(server, "/v2/models/lstm/infer", c.getKey());
      assertEquals(400, r.statusCode(), c.getKey() + " → " + r.body());
      assertTrue(r.body().startsWith("{\"error\":") && r.body().contains(c.getValue()), c.getKey() + " → " + r.body());
    }
    HttpResponse<String> nested = post(server, "/v2/models/lstm/infer",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\",\"data\":[[1,2,3],[4,5,6]]}]}");
    assertEquals(200, nested.statusCode(), nested.body());
  }

  /** A body of the binary tensor data extension: JSON header, then the tensors' little-endian bytes. */
  private static HttpResponse<byte[]> postBinary(String header, byte[] tail, String headerLength) throws Exception {
    byte[] head = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] body = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, body, head.length, tail.length);
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/models/lstm/infer"))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headerLength != null) {
      b.header("Inference-Header-Content-Length", headerLength);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] le(float[] f) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * f.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(f);
    return b.array();
  }

  @Test
  @SuppressWarnings("unchecked")
  void binaryTensorDataRoundTripsAndMatchesTheModel() throws Exception {
    float[] x = RandomModels.gaussian(5 * 3, 1, 9);
    String header = "{\"inputs\":[{\"name\":\"x\",\"shape\":[5,3],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":60}}],"
        + "\"outputs\":[{\"name\":\"y\",\"parameters\":{\"binary_data\":true}},{\"name\":\"h_n\"}]}";
    HttpResponse<byte[]> r = postBinary(header, le(x), Integer.toString(header.length()));
    assertEquals(200, r.statusCode(), new String(r.body()));
    int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    Map<String, Object> json = (Map<String, Object>) Json.parse(new String(r.body(), 0, jsonLength,
        java.nio.charset.StandardCharsets.UTF_8));
    List<Object> outs = (List<Object>) json.get("outputs");
    Map<String, Object> y = (Map<String, Object>) outs.get(0);
    assertEquals("y", y.get("name"));
    assertEquals(5.0 * 4 * 4, ((Map<String, Object>) y.get("parameters")).get("binary_data_size"));
    assertEquals(null, y.get("data"));
    float[] yBin = new float[5 * 4];
    java.nio.ByteBuffer.wrap(r.body(), jsonLength, r.body().length - jsonLength).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer().get(yBin);
    assertEquals(jsonLength + yBin.length * 4, r.body().length); // h_n came as JSON
    ForwardResult ref = lstm.forward(SequenceBatch.seqFirst(x, 5, 1, 3));
    assertArrayEquals(ref.output().data(), yBin);
    Json.Numbers h = (Json.Numbers) ((Map<String, Object>) outs.get(1)).get("data");
    for (int i = 0; i < h.length(); i++) {
      assertEquals(ref.hN().data()[i], (float) h.values()[i]);
    }
  }

  @Test
  void binaryDataOutputTrueSendsEveryOutputAsBytes() throws Exception {
    float[] x = RandomModels.gaussian(2 * 3, 1, 10);
    String header = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":24}}],\"parameters\":{\"binary_data_output\":true}}";
    HttpResponse<byte[]> r = postBinary(header, le(x), Integer.toString(header.length()));
    assertEquals(200, r.statusCode(), new String(r.body()));
    int jsonLength = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    // y [2, 4], h_n [2, 4], c_n [2, 4] (two layers)
    assertEquals(jsonLength + 4 * (8 + 8 + 8), r.body().length);
    float[] all = new float[24];
    java.nio.ByteBuffer.wrap(r.body(), jsonLength, 96).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(all);
    ForwardResult ref = lstm.forward(SequenceBatch.seqFirst(x, 2, 1, 3));
    assertArrayEquals(ref.output().data(), java.util.Arrays.copyOfRange(all, 0, 8));
    assertArrayEquals(ref.hN().data(), java.util.Arrays.copyOfRange(all, 8, 16));
    assertArrayEquals(ref.cN().data(), java.util.Arrays.copyOfRange(all, 16, 24));
  }

  @Test
  void malformedBinaryRequestsGet400NamingTheProblem() throws Exception {
    String ok = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":24}}]}";
    byte[] x = le(new float[6]);
    record Case(String header, byte[] tail, String length, String expect) {
    }
    List<Case> cases = List.of(
        new Case(ok, x, "abc", "Inference-Header-Content-Length must be a byte count"),
        new Case(ok, x, "-1", "is outside the body"),
        new Case(ok, x, "100000", "is outside the body"),
        new Case(ok, x, Integer.toString(ok.length() - 1), "malformed JSON"),
        new Case(ok, x, null, "binary tensor data after the JSON needs the Inference-Header-Content-Length header"),
        new Case(ok, new byte[0], null, "no Inference-Header-Content-Length header"),
        new Case(ok, java.util.Arrays.copyOf(x, 20), Integer.toString(ok.length()), "runs past its end"),
        new Case(ok, java.util.Arrays.copyOf(x, 28), Integer.toString(ok.length()), "4 bytes after the JSON header"),
        new Case(ok.replace("24", "20"), x, Integer.toString(ok.length()), "does not match shape [2, 3]"),
        new Case(ok.replace("24", "-4"), x, Integer.toString(ok.length()), "binary_data_size must be a non-negative"),
        new Case(ok.replace("}}]", "},\"data\":[1,2,3,4,5,6]}]"), x, "=",
            "both \\\"data\\\" and parameters.binary_data_size"),
        new Case(ok.replace("FP32", "FP16"), x, Integer.toString(ok.length()), "datatype FP16 is not supported"),
        new Case(ok.replace("]}", "],\"parameters\":{\"binary_data_output\":1}}"), x,
            "=", "binary_data_output must be true or false"),
        new Case(ok, le(new float[] {1, 2, Float.NaN, 4, 5, 6}), Integer.toString(ok.length()),
            "element 2 = NaN is not a finite FP32"));
    for (Case c : cases) {
      // "=" stands for the header's own length
      HttpResponse<byte[]> r = postBinary(c.header, c.tail, "=".equals(c.length) ? Integer.toString(c.header.length())
          : c.length);
      String body = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(400, r.statusCode(), c + " → " + body);
      assertTrue(body.startsWith("{\"error\":") && body.contains(c.expect), c.expect + " → " + body);
    }
  }

  private static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aStreamOverHttpAdvancesStepByStepLikeTheWholeSequence() throws Exception {
    float[] x = RandomModels.gaussian(6 * 3, 1, 21);
    HttpResponse<String> open = send("POST", "/v2/models/lstm/streams", null);
    assertEquals(200, open.statusCode(), open.body());
    String id = (String) ((Map<String, Object>) Json.parse(open.body())).get("stream_id");
    // Steps 0..1 in one request, 2 alone, 3..5 in one more: the state carries across requests.
    float[] y = new float[6 * 4];
    int[][] parts = {{0, 2}, {2, 3}, {3, 6}};
    for (int[] part : parts) {
      int k = part[1] - part[0];
      HttpResponse<String> r = send("POST", "/v2/models/lstm/streams/" + id + "/infer",
          inferBody(tensor("x", "FP32", new int[] {k, 3}, java.util.Arrays.copyOfRange(x, part[0] * 3, part[1] * 3))));
      float[] got = outputs(r).get("y");
      assertEquals(k * 4, got.length);
      System.arraycopy(got, 0, y, part[0] * 4, got.length);
    }
    ForwardResult ref = lstm.forward(SequenceBatch.seqFirst(x, 6, 1, 3));
    assertArrayEquals(ref.output().data(), y, 1e-6f);
    assertEquals(200, send("DELETE", "/v2/models/lstm/streams/" + id, null).statusCode());
    HttpResponse<String> gone = send("POST", "/v2/models/lstm/streams/" + id + "/infer",
        inferBody(tensor("x", "FP32", new int[] {1, 3}, new float[3])));
    assertEquals(404, gone.statusCode());
    assertTrue(gone.body().contains("unknown stream"), gone.body());
  }

  @Test
  void streamRequestsThatCannotWorkGetClearAnswers() throws Exception {
    HttpResponse<String> bi = send("POST", "/v2/models/gru/streams", null);
    assertEquals(400, bi.statusCode());
    assertTrue(bi.body().contains("unidirectional"), bi.body());
    assertEquals(405, send("GET", "/v2/models/lstm/streams", null).statusCode());
    assertEquals(404, send("POST", "/v2/models/lstm/streams/nope/infer", "{}").statusCode());
  }

  @Test
  void anOversizedBodyGets413() throws Exception {
    HttpResponse<String> r = post(server, "/v2/models/lstm/infer", " ".repeat(30_000));
    assertEquals(413, r.statusCode());
    assertTrue(r.body().contains("exceeds the limit of 20000"), r.body());
    assertEquals(200, get(server, "/v2/health/live").statusCode()); // the server is fine afterwards
  }

  @Test
  void overloadGets503AndShutdownAnswersWhatIsInFlight() throws Exception {
    // A window far longer than the test: two requests wait in it and fill the queue of two.
    try (Model m = Model.of(lstm.weights(), lstm.backend())) {
      InferenceServer s = InferenceServer.start(Map.of("m", m), ServerOptions.defaults().withPort(0)
          .withBatching(BatchingOptions.defaults().withMaxDelayMicros(60_000_000).withQueueCapacity(2)));
      String body = inferBody(tensor("x", "FP32", new int[] {2, 3}, new float[6]));
      List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        inFlight.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/v2/models/m/infer"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!get(s, "/metrics").body().contains("rnn4j_queue_depth{model=\"m\"} 2") && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      HttpResponse<String> over = post(s, "/v2/models/m/infer", body);
      assertEquals(503, over.statusCode(), over.body());
      assertEquals("1", over.headers().firstValue("Retry-After").orElse(null));
      assertTrue(over.body().contains("queue full"), over.body());
      assertTrue(get(s, "/metrics").body().contains("rnn4j_requests_total{model=\"m\",outcome=\"rejected\"} 1"));

      s.close(Duration.ofSeconds(10)); // flushes the window: both in-flight requests are answered
      for (CompletableFuture<HttpResponse<String>> f : inFlight) {
        HttpResponse<String> r = f.get(20, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
      }
      assertThrows(IOException.class, () -> get(s, "/v2/health/live"));
    }
  }
}
