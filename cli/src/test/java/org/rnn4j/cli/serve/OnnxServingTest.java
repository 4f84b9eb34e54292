package org.rnn4j.cli.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
import org.rnn4j.onnx.OnnxExport;
import org.rnn4j.onnx.OnnxModel;
import org.rnn4j.testing.RandomModels;

/** An ONNX graph served unbatched over loopback: JSON and binary requests, checked against the model it came from. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OnnxServingTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static Model reference;
  private static OnnxModel graph;
  private static OnnxModel plain;
  private static InferenceServer server;

  @BeforeAll
  static void start() throws Exception {
    var scalar = BackendRegistry.getDefault().get("scalar");
    ModelWeights w = ModelWeights.random(ModelSpec.builder(CellType.LSTM, 3, 4).numLayers(2).build(), 7);
    reference = Model.of(w, scalar);
    graph = OnnxModel.load(OnnxExport.toBytes(w, true), "lstm-states.onnx", scalar);
    plain = OnnxModel.load(OnnxExport.toBytes(w, false), "lstm.onnx", scalar);
    server = InferenceServer.start(Map.of(), Map.of("g", graph, "plain", plain), ServerOptions.defaults().withPort(0));
  }

  @AfterAll
  static void stop() {
    server.close();
    graph.close();
    plain.close();
    reference.close();
  }

  private static HttpResponse<byte[]> post(byte[] body, String headerLength) throws Exception {
    return post("g", body, headerLength);
  }

  private static HttpResponse<byte[]> post(String model, byte[] body, String headerLength) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/models/" + model + "/infer"))
        .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headerLength != null) {
      b.header("Inference-Header-Content-Length", headerLength);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static float[] floats(Object numbers) {
    Json.Numbers n = (Json.Numbers) numbers;
    float[] f = new float[n.length()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) n.values()[i];
    }
    return f;
  }

  @Test
  void metadataNamesTheGraphsPortsAndSaysUnbatched() throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v2/models/g")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("{\"name\":\"X\",\"datatype\":\"FP32\",\"shape\":[-1,-1,3]}"), r.body());
    assertTrue(r.body().contains("\"platform\":\"onnx\"") && r.body().contains("\"batching\":\"none"), r.body());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aJsonRequestWithStatesMatchesTheModel() throws Exception {
    float[] x = RandomModels.gaussian(5 * 2 * 3, 1, 3);
    float[] h0 = RandomModels.gaussian(2 * 2 * 4, 0.5, 4);
    float[] c0 = RandomModels.gaussian(2 * 2 * 4, 0.5, 8);
    Map<String, Object> xt = new LinkedHashMap<>();
    xt.put("name", "X");
    xt.put("shape", new int[] {5, 2, 3});
    xt.put("datatype", "FP32");
    xt.put("data", x);
    Map<String, Object> ht = new LinkedHashMap<>();
    ht.put("name", "initial_h");
    ht.put("shape", new int[] {2, 2, 4});
    ht.put("datatype", "FP32");
    ht.put("data", h0);
    Map<String, Object> ct = new LinkedHashMap<>(ht);
    ct.put("name", "initial_c");
    ct.put("data", c0);
    String body = Json.write(Map.of("inputs", List.of(xt, ht, ct), "outputs", List.of(Map.of("name", "Y"),
        Map.of("name", "Y_h"))));
    HttpResponse<byte[]> r = post(body.getBytes(StandardCharsets.UTF_8), null);
    String text = new String(r.body(), StandardCharsets.UTF_8);
    assertEquals(200, r.statusCode(), text);
    List<Object> outs = (List<Object>) ((Map<String, Object>) Json.parse(text)).get("outputs");
    assertEquals(2, outs.size());
    ForwardResult ref = reference.forward(SequenceBatch.seqFirst(x, 5, 2, 3).withH0(h0).withC0(c0));
    assertArrayEquals(ref.output().data(), floats(((Map<String, Object>) outs.get(0)).get("data")), 1e-6f);
    assertArrayEquals(ref.hN().data(), floats(((Map<String, Object>) outs.get(1)).get("data")), 1e-6f);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aBinaryRequestGetsBinaryOutputsMatchingTheModel() throws Exception {
    float[] x = RandomModels.gaussian(4 * 1 * 3, 1, 5);
    String header = "{\"inputs\":[{\"name\":\"X\",\"shape\":[4,1,3],\"datatype\":\"FP32\",\"parameters\":"
        + "{\"binary_data_size\":48}}],\"parameters\":{\"binary_data_output\":true}}";
    ByteBuffer b = ByteBuffer.allocate(header.length() + 48).order(ByteOrder.LITTLE_ENDIAN);
    b.put(header.getBytes(StandardCharsets.UTF_8));
    b.asFloatBuffer().put(x);
    HttpResponse<byte[]> r = post("plain", b.array(), Integer.toString(header.length()));
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    int json = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    Map<String, Object> head = (Map<String, Object>) Json.parse(new String(r.body(), 0, json, StandardCharsets.UTF_8));
    assertEquals(3, ((List<Object>) head.get("outputs")).size()); // Y, Y_h, Y_c
    float[] all = new float[(r.body().length - json) / 4];
    ByteBuffer.wrap(r.body(), json, r.body().length - json).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(all);
    ForwardResult ref = reference.forward(SequenceBatch.seqFirst(x, 4, 1, 3));
    assertEquals(16 + 8 + 8, all.length);
    assertArrayEquals(ref.output().data(), java.util.Arrays.copyOfRange(all, 0, 16), 1e-6f);
    assertArrayEquals(ref.hN().data(), java.util.Arrays.copyOfRange(all, 16, 24), 1e-6f);
    assertArrayEquals(ref.cN().data(), java.util.Arrays.copyOfRange(all, 24, 32), 1e-6f);
  }

  @Test
  void badOnnxRequestsGet400NamingTheProblem() throws Exception {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}",
        "unknown input \\\"x\\\" (the graph's inputs are X, initial_h, initial_c)");
    cases.put("{\"inputs\":[{\"name\":\"X\",\"shape\":[1,1,3],\"datatype\":\"INT64\",\"data\":[1,2,3]}]}",
        "X: datatype must be FP32");
    cases.put("{\"inputs\":[{\"name\":\"X\",\"shape\":[1,1,2],\"datatype\":\"FP32\",\"data\":[1,2]}]}",
        "input 'X' must have shape");
    cases.put("{\"inputs\":[{\"name\":\"X\",\"shape\":[1,1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}],"
        + "\"outputs\":[{\"name\":\"y\"}]}", "unknown output \\\"y\\\"");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      HttpResponse<byte[]> r = post(c.getKey().getBytes(StandardCharsets.UTF_8), null);
      String body = new String(r.body(), StandardCharsets.UTF_8);
      assertEquals(400, r.statusCode(), c.getKey() + " → " + body);
      assertTrue(body.contains(c.getValue()), c.getValue() + " → " + body);
    }
  }
}
